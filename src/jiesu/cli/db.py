"""jiesu db: create and upgrade the database schema; back it up, check a backup, restore one; index the cases'
text for 工单查询 again."""

from __future__ import annotations

from pathlib import Path

import typer

from jiesu.cli.common import console, escape, make_app, progress_bar, reports_errors

app = typer.Typer(help="数据库：建表与升级（Alembic 迁移）、备份与恢复。", no_args_is_help=True)

KEY_REMINDER = ("备份中的姓名、电话仍以密钥加密：请把 JIESU_SECRET_KEY 另行妥善保存（不要和备份放在一起），"
                "没有它这些信息无法解密。")


@app.command()
@reports_errors
def upgrade(revision: str = typer.Argument("head", help="目标版本，默认最新")) -> None:
    """Create or upgrade the schema to REVISION (default: head)."""
    from jiesu.storage.migrate import current_revision
    from jiesu.storage.migrate import upgrade as run_upgrade

    jiesu = make_app()
    run_upgrade(jiesu.engine, revision)
    console.print(f"数据库已升级到版本 {current_revision(jiesu.engine)}（{jiesu.engine.url.render_as_string()}）")


@app.command()
@reports_errors
def current() -> None:
    """Show the schema version of the configured database."""
    from jiesu.storage.migrate import current_revision

    jiesu = make_app()
    console.print(current_revision(jiesu.engine) or "（尚未建表，请运行 jiesu db upgrade）")


def describe(found) -> str:
    if found.kind == "sqlite":
        held = "，".join(f"{name} {count:,}" for name, count in found.counts.items())
        return f"SQLite 数据库，版本 {found.revision}，{found.bytes / 1e6:.1f} MB（{held}）"
    return f"pg_dump 自定义格式，{found.entries} 个对象，{found.bytes / 1e6:.1f} MB"


@app.command()
@reports_errors
def backup(destination: Path = typer.Argument(..., help="备份文件路径，例如 backups/jiesu-20261130.db"),
           force: bool = typer.Option(False, "--force", help="覆盖已有的同名文件"),
           by: str = typer.Option("admin", "--by", help="记入审计日志的操作人")) -> None:
    """Back up the database while the server runs (SQLite: a checked copy; PostgreSQL: pg_dump)."""
    from jiesu.services.backups import backup as take_backup

    jiesu = make_app()
    with progress_bar() as bar:
        task = bar.add_task("备份（页）", total=None)
        made = take_backup(jiesu, destination, by, overwrite=force,
                           progress=lambda done, total: bar.update(task, completed=done, total=total))
    console.print(f"备份完成：{escape(made.path)}，用时 {made.seconds:.1f} 秒，已检查完整：{escape(describe(made))}")
    console.print(KEY_REMINDER)


@app.command()
@reports_errors
def verify(backup_file: Path = typer.Argument(..., help="备份文件")) -> None:
    """Check a backup whole and say what it holds."""
    from jiesu.storage.backup import inspect_backup

    console.print(f"备份完好：{escape(describe(inspect_backup(backup_file)))}")


@app.command()
@reports_errors
def restore(backup_file: Path = typer.Argument(..., help="要恢复的备份文件（SQLite）"),
            yes: bool = typer.Option(False, "--yes", help="不再询问，直接恢复"),
            by: str = typer.Option("admin", "--by", help="记入审计日志的操作人")) -> None:
    """Replace the SQLite database with a checked backup (refused while a server runs); the current one is kept."""
    from jiesu.services.backups import restore as run_restore
    from jiesu.storage.backup import inspect_backup

    jiesu = make_app()
    found = inspect_backup(backup_file)
    console.print(f"将用备份替换当前数据库：{escape(describe(found))}")
    if not yes and not typer.confirm("请先停止 jiesu serve。确定恢复吗？当前数据库会先另存一份"):
        console.print("已取消，数据库未改动。")
        raise typer.Exit(1)
    found, kept = run_restore(jiesu, backup_file, by)
    console.print(f"已恢复到备份的内容，数据库版本已升级到最新；原数据库另存为 {escape(kept)}。"
                  "请重新启动 jiesu serve。")


@app.command()
@reports_errors
def reindex(by: str = typer.Option("admin", "--by", help="记入审计日志的操作人")) -> None:
    """Index every case's text for 工单查询 again (after cases were written by other means, or when jiesu doctor
    finds cases missing from the index); the server may keep running."""
    from sqlalchemy import func, select

    from jiesu.services.audit import record
    from jiesu.storage import tables as t
    from jiesu.storage import text_index

    jiesu = make_app()
    with jiesu.engine.connect() as c:
        stored = c.execute(select(func.count()).select_from(t.requests)).scalar_one()
    with progress_bar() as bar:
        task = bar.add_task("重建工单查询索引（件）", total=stored)
        done = text_index.rebuild(jiesu.engine, progress=lambda n: bar.advance(task, n))
    with jiesu.uow() as uow:
        record(uow.connection, jiesu.now(), by, "db.reindex", "工单查询索引", {"cases": done})
        uow.commit()
    console.print(f"已重建工单查询索引：{done:,} 件工单")
