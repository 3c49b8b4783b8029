"""Copying and checking database backups (the verbs, with the audit trail, are in `services/backups.py`).

SQLite (the embedded default): SQLite's online backup API copies the live file a batch of pages at a time, each
batch a consistent read, so the server keeps taking cases meanwhile. The copy is written beside the destination
under a temporary name, checked (`PRAGMA integrity_check`, the schema version, the row counts), synced to disk
and only then renamed into place: the destination either holds a whole, checked backup or is not there.
A restore checks the backup the same way, first copies the current database aside (nothing once received is
lost to a wrong restore), then replaces it in one step (one backup-API step is one transaction on the
destination).

PostgreSQL: `pg_dump` in its custom format (read by `pg_restore`), under a temporary name then renamed; a restore
there is the database administrator's `pg_restore`, which this module names instead of running.

Personal data in a backup stays encrypted with the secret key (JIESU_SECRET_KEY), as in the live database: a
backup cannot be read without that key, which must therefore be kept too, apart from the backup.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from jiesu.domain.errors import InvalidInput

COUNTED = ("requests", "events", "users", "audit_log")  # the tables a backup report counts
STEP_PAGES = 1024  # pages per backup step: at 4 KiB a page, 4 MiB between chances for the server to write

Progress = Callable[[int, int], None]  # (pages done, pages in all)


@dataclass
class BackupFile:
    path: Path
    bytes: int
    kind: str  # "sqlite" or "pg_dump"
    revision: str | None = None  # the schema version inside (SQLite copies)
    counts: dict[str, int] = field(default_factory=dict)
    entries: int | None = None  # objects in a pg_dump archive
    seconds: float = 0.0


def sqlite_path(engine: Engine) -> Path | None:
    """The file of a SQLite database, None for another database; an in-memory database cannot be backed up."""
    if engine.url.get_backend_name() != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise InvalidInput("内存数据库没有文件，无法备份或恢复", field="database_url")
    return Path(database).resolve()


def write_backup(engine: Engine, destination: Path, *, overwrite: bool = False,
                 progress: Progress | None = None) -> BackupFile:
    """A checked copy of the database at `destination`, whole or not at all."""
    destination = destination.resolve()
    if destination.exists() and not overwrite:
        raise InvalidInput(f"{destination} 已存在；换一个文件名，或确认覆盖（--force）", field="destination")
    if destination.is_dir():
        raise InvalidInput(f"{destination} 是目录；请给出备份文件的路径", field="destination")
    if not destination.parent.is_dir():
        raise InvalidInput(f"目录 {destination.parent} 不存在；请先建好它", field="destination")
    began = time.perf_counter()
    partial = destination.with_name(destination.name + ".partial")
    try:
        source = sqlite_path(engine)
        if source is not None:
            if source == destination:
                raise InvalidInput("备份不能写到正在使用的数据库文件本身", field="destination")
            _copy_sqlite(source, partial, progress)
            made = inspect_sqlite(partial)
        else:
            _pg_dump(engine, partial)
            made = inspect_pg_dump(partial)
        _sync(partial)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    made.path, made.seconds = destination, round(time.perf_counter() - began, 2)
    return made


def inspect_backup(path: Path) -> BackupFile:
    """What a backup file holds, after checking it whole; a clear error for anything that is not a good backup."""
    path = path.resolve()
    if not path.is_file():
        raise InvalidInput(f"{path} 不存在或不是文件", field="backup")
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(b"SQLite format 3"):
        return inspect_sqlite(path)
    if head.startswith(b"PGDMP"):
        return inspect_pg_dump(path)
    raise InvalidInput(f"{path.name} 既不是 SQLite 数据库也不是 pg_dump 自定义格式的备份", field="backup")


def inspect_sqlite(path: Path) -> BackupFile:
    try:
        connection = sqlite3.connect(_read_only(path), uri=True)
        try:
            verdict = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if verdict != ["ok"]:
                raise InvalidInput(f"{path.name} 已损坏（integrity_check：{'; '.join(verdict[:3])}）", field="backup")
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "alembic_version" not in tables or "requests" not in tables:
                raise InvalidInput(f"{path.name} 不是 jiesu 的数据库（没有 alembic_version 或 requests 表）",
                                   field="backup")
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            counts = {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
                      for name in COUNTED if name in tables}
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise InvalidInput(f"{path.name} 无法作为 SQLite 数据库读取：{error}", field="backup") from None
    return BackupFile(path, path.stat().st_size, "sqlite", revision[0] if revision else None, counts)


def inspect_pg_dump(path: Path) -> BackupFile:
    tool = shutil.which("pg_restore")
    if tool is None:
        raise InvalidInput("找不到 pg_restore 命令，无法检查 PostgreSQL 备份；请安装 PostgreSQL 客户端", field="backup")
    listed = subprocess.run([tool, "--list", str(path)], capture_output=True, text=True)
    if listed.returncode != 0:
        raise InvalidInput(f"{path.name} 不是完整的 pg_dump 备份：{listed.stderr.strip()[:200]}", field="backup")
    entries = sum(1 for line in listed.stdout.splitlines() if line and not line.startswith(";"))
    return BackupFile(path, path.stat().st_size, "pg_dump", entries=entries)


def replace_sqlite(engine: Engine, source: Path, known_revisions: set[str], now: datetime
                   ) -> tuple[BackupFile, Path]:
    """Replace the SQLite database with a checked backup of a schema version this code knows; returns the backup
    and where the replaced database was kept."""
    live = sqlite_path(engine)
    if live is None:
        raise InvalidInput("PostgreSQL 的备份请由数据库管理员用 pg_restore 恢复：pg_restore --clean --dbname=… 备份文件",
                           field="database_url")
    found = inspect_backup(source)
    if found.kind != "sqlite":
        raise InvalidInput(f"{found.path.name} 是 PostgreSQL 备份，不能恢复到 SQLite 数据库", field="backup")
    if found.revision not in known_revisions:
        raise InvalidInput(f"备份的数据库版本 {found.revision!r} 比本程序新或未知；请用与备份相同或更新的 jiesu 恢复",
                           field="backup")
    if found.path == live:
        raise InvalidInput("备份文件就是正在使用的数据库", field="backup")
    kept = live.with_name(f"{live.name}.before-restore-{now.strftime('%Y%m%d-%H%M%S')}")
    engine.dispose()
    if live.exists():
        _copy_sqlite(live, kept, None)
        _sync(kept)
    backup_connection = sqlite3.connect(_read_only(found.path), uri=True)
    live_connection = sqlite3.connect(live, timeout=30)
    try:
        backup_connection.backup(live_connection)  # one step: one transaction on the live file
    finally:
        live_connection.close()
        backup_connection.close()
    return found, kept


def _copy_sqlite(source: Path, target: Path, progress: Progress | None) -> None:
    target.unlink(missing_ok=True)
    reader = sqlite3.connect(_read_only(source), uri=True, timeout=30)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer, pages=STEP_PAGES,
                      progress=(lambda status, remaining, total: progress(total - remaining, total)) if progress else None)
        writer.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
    finally:
        writer.close()
        reader.close()


def _pg_dump(engine: Engine, target: Path) -> None:
    tool = shutil.which("pg_dump")
    if tool is None:
        raise InvalidInput("找不到 pg_dump 命令；请安装与服务器版本相同的 PostgreSQL 客户端（Debian：postgresql-client）",
                           field="database_url")
    url = engine.url
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    command = [tool, "--format=custom", f"--file={target}", f"--dbname={url.database}"]
    command += [f"--host={url.host}"] if url.host else []
    command += [f"--port={url.port}"] if url.port else []
    command += [f"--username={url.username}"] if url.username else []
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise InvalidInput(f"pg_dump 失败：{done.stderr.strip()[:300]}", field="database_url")


def _sync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _read_only(path: Path) -> str:
    """A read-only SQLite URI for the file, percent-encoded (a name with a space, '?' or '#' stays one name)."""
    return path.resolve().as_uri() + "?mode=ro"
