"""Shared test helpers: the fixture city, a settable clock, actors."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from jiesu.domain.calendar import SHANGHAI, WorkCalendar
from jiesu.domain.enums import Role
from jiesu.domain.request import Actor
from jiesu.domain.routing import Directory, Router

FIXTURES = Path(__file__).parent / "fixtures"
CITY = FIXTURES / "city"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

AGENT = Actor("坐席张", Role.AGENT)
DISPATCHER = Actor("派单员李", Role.DISPATCHER)
SUPERVISOR = Actor("督办王", Role.SUPERVISOR)
WJ_HANDLER = Actor("望京承办人", Role.HANDLER, "WJ")
JX_HANDLER = Actor("酒仙桥承办人", Role.HANDLER, "JX")


def local(*args: int) -> datetime:
    """A Beijing-time moment from literal fields: local(2026, 10, 9, 18, 0)."""
    return datetime(*args, tzinfo=SHANGHAI)


@dataclass
class FakeClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


def fixture_config():
    from jiesu.services.config_loader import read_config

    return read_config(CITY)


def fixture_router() -> Router:
    config = fixture_config()
    return Router(Directory(config["units"], config["categories"]), config["duties"], config["admissions"])


def builtin_calendar(extra: dict | None = None, extra_years: set[int] | None = None) -> WorkCalendar:
    """The calendar as the product builds it with no schedule loaded (chinesecalendar, up to 2026)."""
    from jiesu.storage.holiday_source import builtin_rules

    rules, years = builtin_rules()
    return WorkCalendar(rules={**rules, **(extra or {})}, covered_years=years | (extra_years or set()))


@contextmanager
def live_server(app):
    """Serve `app` (a jiesu App) with uvicorn in a thread on a free port; yields the base URL."""
    import socket
    import threading
    import time

    import uvicorn

    from jiesu.api.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(app), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def head_revision() -> str:
    """The newest schema revision (migrations are numbered 0001, 0002, …)."""
    from jiesu.storage.migrate import known_revisions

    return max(known_revisions())


def png(rgb: tuple[int, int, int] | None = (200, 60, 40), width: int = 8, height: int = 6) -> bytes:
    """A real PNG picture of one colour (browsers draw it), a different picture for each colour; `rgb` None: random
    noise, which hardly compresses (a picture as large in bytes as a camera's)."""
    import os
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + (os.urandom(3 * width) if rgb is None else bytes(rgb) * width) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
