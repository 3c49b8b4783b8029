"""Engine creation: SQLite (WAL, foreign keys, busy timeout) by default, PostgreSQL by URL."""

from __future__ import annotations

import fcntl
import threading
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event


class WriteGate:
    """SQLite has one writer at a time. Rather than letting concurrent writers collide inside SQLite (whose busy
    handler waits in growing sleeps), writers queue here: a lock between the threads of this process and an
    advisory file lock between processes, both of which wake the next writer as soon as the lock is free.
    PostgreSQL needs no gate."""

    def __init__(self, lock_path: Path | None) -> None:
        self.lock_path = lock_path
        self._thread_lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def held(self):
        if self.lock_path is None:
            yield
            return
        with self._thread_lock:  # re-entrant: a writer may open a nested unit of work
            self._depth += 1
            handle = self.lock_path.open("a") if self._depth == 1 else None
            try:
                if handle is not None:
                    fcntl.flock(handle, fcntl.LOCK_EX)
                yield
            finally:
                self._depth -= 1
                if handle is not None:
                    fcntl.flock(handle, fcntl.LOCK_UN)
                    handle.close()


def write_gate(engine: Engine) -> WriteGate:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        return WriteGate(None)
    return WriteGate(Path(database).with_name(Path(database).name + ".write-lock"))


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_pre_ping=True)
