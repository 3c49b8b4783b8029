"""Backing up and restoring the database, each recorded in the audit trail (the copying and checking itself is
`storage/backup.py`)."""

from __future__ import annotations

from pathlib import Path

from jiesu.bootstrap import App
from jiesu.services.audit import record
from jiesu.storage.backup import BackupFile, Progress, replace_sqlite, write_backup
from jiesu.storage.database import exclusive_use


def backup(app: App, destination: Path, actor: str, *, overwrite: bool = False,
           progress: Progress | None = None) -> BackupFile:
    """A checked copy of the database at `destination` (taken while the server runs); the live audit trail says
    who took it, where, and what it holds."""
    made = write_backup(app.engine, destination, overwrite=overwrite, progress=progress)
    with app.engine.begin() as connection:
        record(connection, app.now(), actor, "db.backup", str(made.path),
               {"bytes": made.bytes, "revision": made.revision, "counts": made.counts, "entries": made.entries})
    return made


def restore(app: App, source: Path, actor: str) -> tuple[BackupFile, Path]:
    """Replace the SQLite database with a checked backup, keeping the replaced one beside it; bring the schema up
    to this code's version; the restored audit trail records the restore. Refused while a server runs on it."""
    from jiesu.storage.migrate import known_revisions, upgrade

    with exclusive_use(app.engine, "恢复"):  # refused while a server runs on the database
        found, kept = replace_sqlite(app.engine, source, known_revisions(), app.now())
        upgrade(app.engine)
        with app.engine.begin() as connection:
            record(connection, app.now(), actor, "db.restore", str(found.path),
                   {"revision": found.revision, "counts": found.counts, "kept_before_restore": str(kept)})
    return found, kept
