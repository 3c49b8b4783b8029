"""jiesu doctor: what an administrator should look at in this installation (read-only)."""

from __future__ import annotations

import typer
from rich.table import Table

from jiesu.cli.common import console, escape, make_app, reports_errors

STYLE = {"error": "bold red", "warning": "yellow", "ok": "green"}


@reports_errors
def doctor() -> None:
    """Check the schema, the secret, next year's holidays, the classifier, backups and text messages; say what to
    do about each finding. Changes nothing. Exit code 1 when something stops the service from working right."""
    from jiesu.services.health import check

    findings = check(make_app())
    table = Table(title="jiesu 体检")
    for heading in ("状态", "项目", "情况", "怎么办"):
        table.add_column(heading, overflow="fold")
    for f in findings:
        table.add_row(f"[{STYLE[f.level]}]{f.label}[/]", f.topic, escape(f.message), escape(f.todo))
    console.print(table)
    if any(f.level == "error" for f in findings):
        raise typer.Exit(1)
