"""Fixtures: a fresh database per test, on SQLite and (when JIESU_TEST_PG_URL is set) on PostgreSQL."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from jiesu.bootstrap import App
from jiesu.settings import Settings
from jiesu.storage.migrate import upgrade
from tests.support import CITY, FakeClock, local

# Tests register a case and check the next one against it at once: no interval between reads of new requests
# (its effect has a test of its own in tests/integration/test_repeat_search.py).
os.environ.setdefault("JIESU_REPEAT_CATCH_UP_SECONDS", "0")
PG_ADMIN_URL = os.environ.get("JIESU_TEST_PG_URL")  # e.g. postgresql://postgres@127.0.0.1:5432/test


def _pg_url(database: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{database}"


@pytest.fixture(scope="session")
def pg_template():
    """A migrated template database; each test clones it (CREATE DATABASE … TEMPLATE), then drops its clone."""
    if not PG_ADMIN_URL:
        if os.environ.get("JIESU_REQUIRE_PG"):
            pytest.fail("JIESU_REQUIRE_PG is set but JIESU_TEST_PG_URL is not: the PostgreSQL tests must run")
        pytest.skip("PostgreSQL tests need JIESU_TEST_PG_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    name = f"jiesu_tmpl_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    engine = App(Settings(database_url=_pg_url(name))).engine
    upgrade(engine)
    engine.dispose()
    yield admin, name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'jiesu.db'}"
    admin, template = request.getfixturevalue("pg_template")
    name = f"jiesu_t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    request.addfinalizer(lambda: _drop(admin, name))
    return _pg_url(name)


def _drop(admin, name: str) -> None:
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    return _database_url(request, tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(local(2026, 11, 23, 9, 30))  # Monday


@pytest.fixture
def app(database_url, clock, tmp_path):
    """An empty, migrated database with the fixture city's configuration loaded (the analytics store beside it,
    never in the working directory)."""
    from jiesu.services.config_loader import load_config

    jiesu = App(Settings(database_url=database_url, secret_key="test-secret",
                         analytics_path=str(tmp_path / "analytics.duckdb")), clock=clock)
    upgrade(jiesu.engine)
    load_config(jiesu, CITY, loaded_by="test")
    yield jiesu
    jiesu.engine.dispose()


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """Tests do not measure argon2's cost; a cheap setting keeps the suite fast (production keeps the defaults)."""
    from argon2 import PasswordHasher

    from jiesu.services import users

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
