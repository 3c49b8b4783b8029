"""Backups: a checked copy taken while the database is in use, whole or not at all; a restore that checks the
backup first, keeps what it replaces and is in the audit trail."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select

from jiesu.domain.errors import ConflictError, InvalidInput
from jiesu.services import backups, cases
from jiesu.services.cases import Intake
from jiesu.storage import tables as t
from jiesu.storage.backup import inspect_backup, write_backup
from tests.support import AGENT, head_revision


def register(app, n: int) -> None:
    for i in range(n):
        cases.register(app, AGENT, Intake(content=f"望京西园三区物业不清理楼道垃圾，第{i}次反映", kind="投诉",
                                          requester_phone="13812345678", division="WJ01", category="WY1"))


def count(app, table=t.requests) -> int:
    with app.engine.connect() as c:
        return c.execute(select(func.count()).select_from(table)).scalar()


def audit_rows(app, action: str) -> list:
    with app.engine.connect() as c:
        return c.execute(select(t.audit_log).where(t.audit_log.c.action == action)).all()


SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # SQLite's own backup API
POSTGRES_ONLY = pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                                        indirect=True)


@SQLITE_ONLY
def test_a_backup_is_a_checked_copy_and_the_audit_trail_says_so(app, tmp_path):
    register(app, 3)
    seen = []
    made = backups.backup(app, tmp_path / "b.db", "管理员甲", progress=lambda done, total: seen.append((done, total)))
    assert made.kind == "sqlite" and made.revision == head_revision() and made.counts["requests"] == 3
    assert seen and seen[-1][0] == seen[-1][1]  # the progress reached every page
    with sqlite3.connect(tmp_path / "b.db") as copy:  # a plain SQLite file, readable without jiesu
        assert copy.execute("SELECT count(*) FROM requests").fetchone()[0] == 3
    assert not list(tmp_path.glob("*.partial"))
    [row] = audit_rows(app, "db.backup")
    assert row.actor == "管理员甲" and row.target == str(tmp_path / "b.db") and row.detail["counts"]["requests"] == 3
    assert inspect_backup(tmp_path / "b.db").counts == made.counts
    odd = backups.backup(app, tmp_path / "备份 #1 ?.db", "admin")  # a name a URI would split
    assert odd.path.name == "备份 #1 ?.db" and inspect_backup(odd.path).counts["requests"] == 3


@SQLITE_ONLY
def test_a_backup_taken_during_an_open_write_holds_only_what_was_committed(app, tmp_path):
    register(app, 2)
    writer = sqlite3.connect(app.engine.url.database)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM events")  # not committed while the backup runs
    made = write_backup(app.engine, tmp_path / "b.db")
    writer.rollback()
    writer.close()
    assert made.counts["requests"] == 2 and made.counts["events"] == count(app, t.events) > 0


@SQLITE_ONLY
def test_an_existing_destination_a_missing_folder_or_the_live_file_is_refused_and_nothing_is_written(app, tmp_path):
    (tmp_path / "old.db").write_bytes(b"keep me")
    with pytest.raises(InvalidInput) as error:
        backups.backup(app, tmp_path / "old.db", "admin")
    assert error.value.field == "destination" and "--force" in error.value.message
    assert (tmp_path / "old.db").read_bytes() == b"keep me"
    with pytest.raises(InvalidInput, match="不存在"):
        backups.backup(app, tmp_path / "no-such-folder" / "b.db", "admin")
    with pytest.raises(InvalidInput, match="正在使用"):
        backups.backup(app, tmp_path / "jiesu.db", "admin", overwrite=True)
    assert not list(tmp_path.glob("*.partial")) and audit_rows(app, "db.backup") == []
    made = backups.backup(app, tmp_path / "old.db", "admin", overwrite=True)
    assert made.counts["requests"] == 0 and inspect_backup(tmp_path / "old.db").kind == "sqlite"


@SQLITE_ONLY
def test_what_is_not_a_whole_jiesu_backup_is_named_as_such(app, tmp_path):
    register(app, 20)
    backups.backup(app, tmp_path / "b.db", "admin")
    whole = (tmp_path / "b.db").read_bytes()
    (tmp_path / "cut.db").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "noise.db").write_bytes(b"not a database at all" * 100)
    with sqlite3.connect(tmp_path / "other.db") as other:
        other.execute("CREATE TABLE notes (x)")
    for name, reason in (("cut.db", "损坏|无法"), ("noise.db", "既不是"), ("other.db", "不是 jiesu"),
                         ("missing.db", "不存在")):
        with pytest.raises(InvalidInput, match=reason) as error:
            inspect_backup(tmp_path / name)
        assert error.value.field == "backup"


@SQLITE_ONLY
def test_a_restore_brings_back_the_backup_keeps_what_it_replaced_and_is_audited(app, tmp_path):
    register(app, 2)
    backups.backup(app, tmp_path / "b.db", "admin")
    register(app, 1)  # received after the backup
    found, kept = backups.restore(app, tmp_path / "b.db", "管理员乙")
    assert found.counts["requests"] == 2 and count(app) == 2
    assert inspect_backup(kept).counts["requests"] == 3  # the case received after the backup is not lost
    [row] = audit_rows(app, "db.restore")
    assert row.actor == "管理员乙" and row.detail["kept_before_restore"] == str(kept)
    register(app, 1)  # the restored database is in use again at once
    assert count(app) == 3


@SQLITE_ONLY
def test_a_restore_is_refused_while_a_server_runs_on_the_database_and_changes_nothing(app, tmp_path):
    from fastapi.testclient import TestClient

    from jiesu.api.app import create_app

    register(app, 2)
    backups.backup(app, tmp_path / "b.db", "admin")
    register(app, 1)
    with TestClient(create_app(app)) as served:  # the server's start-up marks the database as in use
        assert served.get("/healthz").status_code == 200
        with pytest.raises(ConflictError) as error:
            backups.restore(app, tmp_path / "b.db", "admin")
        assert error.value.field == "database" and "请先停止服务" in error.value.message
        assert count(app) == 3 and not list(tmp_path.glob("*.before-restore-*")) and not audit_rows(app, "db.restore")
    found, _ = backups.restore(app, tmp_path / "b.db", "admin")  # the server stopped: its mark is gone
    assert found.counts["requests"] == 2 and count(app) == 2


@SQLITE_ONLY
def test_a_backup_of_a_schema_this_code_does_not_know_is_refused_and_the_database_is_untouched(app, tmp_path):
    register(app, 2)
    backups.backup(app, tmp_path / "b.db", "admin")
    with sqlite3.connect(tmp_path / "b.db") as copy:
        copy.execute("UPDATE alembic_version SET version_num = '9999'")
    register(app, 1)
    with pytest.raises(InvalidInput, match="9999") as error:
        backups.restore(app, tmp_path / "b.db", "admin")
    assert error.value.field == "backup" and count(app) == 3
    assert not list(tmp_path.glob("*.before-restore-*"))


@POSTGRES_ONLY
def test_postgresql_is_backed_up_with_pg_dump_and_restored_by_its_administrator(app, tmp_path):
    register(app, 2)
    made = backups.backup(app, tmp_path / "b.dump", "admin")
    assert made.kind == "pg_dump" and made.entries > 20 and inspect_backup(tmp_path / "b.dump").entries == made.entries
    assert len(audit_rows(app, "db.backup")) == 1 and not list(tmp_path.glob("*.partial"))
    with pytest.raises(InvalidInput, match="pg_restore") as error:
        backups.restore(app, tmp_path / "b.dump", "admin")
    assert error.value.field == "database_url" and count(app) == 2
