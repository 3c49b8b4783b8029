"""jiesu db: create and upgrade the database schema."""

from __future__ import annotations

import typer

from jiesu.cli.common import console, make_app, reports_errors

app = typer.Typer(help="数据库：建表与升级（Alembic 迁移）。", no_args_is_help=True)


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
