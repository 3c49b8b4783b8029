"""jiesu privacy: remove personal data from finished cases after their keeping period."""

from __future__ import annotations

import typer

from jiesu.cli.common import console, parse_day, progress_bar, ready_app, reports_errors
from jiesu.domain.errors import InvalidInput

app = typer.Typer(help="个人信息：超过保存期限的已办结工单，清除诉求人信息。", no_args_is_help=True)


@app.command()
@reports_errors
def anonymise(before: str = typer.Option(..., "--before", help="清除此日期（北京时间，不含当日）之前受理的已办结工单"),
              dry_run: bool = typer.Option(False, "--dry-run", help="只统计将处理多少件，不改动"),
              by: str = typer.Option("admin", "--by", help="操作人（记入审计日志）")) -> None:
    """Remove the requester's name, phone and tracking code, mask personal data in the texts and delete the attached
    photos, of the finished cases received before --before (信访件 excepted); the cases stay for statistics."""
    from jiesu.services import retention

    jiesu = ready_app()
    cutoff = parse_day(before, "before")
    if cutoff is None:
        raise InvalidInput("请给出日期（YYYY-MM-DD）", field="before")
    due = retention.count_due(jiesu, cutoff)
    if dry_run:
        console.print(f"{cutoff} 之前受理、已办结且尚未清除的工单：{due} 件（未改动）")
        return
    with progress_bar() as bar:
        task = bar.add_task("清除个人信息", total=due)
        done = retention.anonymise(jiesu, cutoff, by, progress=lambda n: bar.update(task, advance=n))
    console.print(f"已清除 {done.cases} 件工单的个人信息，删除附件照片 {done.attachments} 个（{done.batches} 批，"
                  f"每批一条审计记录）；工单本身保留用于统计与归档。清除来电号码 {done.calls} 通（话务记录）。")
