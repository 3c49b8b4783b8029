"""jiesu calls: the telephony's call records (话务记录) — load a switch's export; the figures are the analytics'
`calls` metric."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from jiesu.cli.common import console, progress_bar, ready_app, reports_errors

app = typer.Typer(help="话务记录：话务系统的来电记录（接通率、呼损、通话时长）。", no_args_is_help=True)


@app.command("import")
@reports_errors
def import_calls(path: Path = typer.Argument(..., help="CSV：ref,caller,offered_at,answered_at,ended_at,agent"
                                                       "[,wrapped_at 话后整理结束]（时间 ISO 8601，未写时区为北京时间；"
                                                       "未接通的 answered_at 空）")) -> None:
    """Load a switch's export: every line checked first (a bad line is named and nothing is stored), then stored in
    batches with a progress bar; calls stored before are skipped, so an export may be loaded again."""
    from jiesu.services import calls

    records = calls.read_csv(path)
    with progress_bar() as bar:
        task = bar.add_task("存入话务记录", total=len(records))
        received = calls.load(ready_app(), records, getpass.getuser(), where=lambda number: f"第 {number + 2} 行 ",
                              progress=lambda n: bar.update(task, advance=n))
    console.print(f"已存 {received.stored} 通，已有而跳过 {received.already} 通")
