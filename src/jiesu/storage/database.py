"""Engine creation: SQLite (WAL, foreign keys, busy timeout) by default, PostgreSQL by URL."""

from __future__ import annotations

import fcntl
import os
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
        self._handle = None  # the lock file, opened once per process (an open per write cost 2 % of an intake)
        self._pid = None

    @contextmanager
    def held(self):
        if self.lock_path is None:
            yield
            return
        with self._thread_lock:  # re-entrant: a writer may open a nested unit of work
            self._depth += 1
            handle = self._lock_file() if self._depth == 1 else None
            try:
                if handle is not None:
                    fcntl.flock(handle, fcntl.LOCK_EX)
                yield
            finally:
                self._depth -= 1
                if handle is not None:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def _lock_file(self):
        """flock belongs to an open file: a process must not share one with its parent (a fork), hence per pid."""
        if self._handle is None or self._pid != os.getpid():
            self._handle, self._pid = self.lock_path.open("a"), os.getpid()
        return self._handle


def write_gate(engine: Engine) -> WriteGate:
    database = _sqlite_file(engine)
    return WriteGate(database.with_name(database.name + ".write-lock") if database else None)


def _sqlite_file(engine: Engine) -> Path | None:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    return Path(database) if database and database != ":memory:" else None


def hold_in_use(engine: Engine):
    """Mark the SQLite database as served by this process, for as long as the process lives: a shared advisory lock
    on `<database>.in-use`, taken by every server process (workers included) and dropped by the system when the
    process ends, so a killed server leaves no stale mark. Returns the open file that holds it (None: not SQLite)."""
    database = _sqlite_file(engine)
    if database is None:
        return None
    handle = database.with_name(database.name + ".in-use").open("a")
    fcntl.flock(handle, fcntl.LOCK_SH)  # waits while a restore holds it exclusively
    return handle


@contextmanager
def exclusive_use(engine: Engine, doing: str):
    """Hold the SQLite database against any server for the length of `doing` (a restore): refused at once, naming
    what to do, while a server process holds `hold_in_use`; a server started meanwhile waits until it is over."""
    from jiesu.domain.errors import ConflictError

    database = _sqlite_file(engine)
    if database is None:
        yield
        return
    with database.with_name(database.name + ".in-use").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConflictError(f"数据库 {database} 正由运行中的 jiesu serve 使用：请先停止服务（所有进程）再{doing}",
                                field="database") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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


def inserted_id(result) -> int:
    """The primary key an INSERT of one row gave it."""
    key = result.inserted_primary_key
    assert key is not None, "not the result of an INSERT"
    return int(key[0])
