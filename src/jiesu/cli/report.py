"""jiesu report: the 三率 assessment table."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from jiesu.cli.common import console, escape, ready_app, reports_errors

app = typer.Typer(help="报表：三率考核、月度分析报告。", no_args_is_help=True)


def sanlv_table(report, top: int | None = None) -> Table:
    from jiesu.services.assessment import fmt, pct

    table = Table("排名", "单位", "应响应", "响应率", "回访", "解决率", "满意率", "综合得分",
                  title=f"{report.month} 三率考核排名")
    for s in report.scores[:top]:
        table.add_row(str(s.rank or "—"), report.unit_names.get(s.unit, s.unit), fmt(s.due), pct(s.response_rate),
                      fmt(s.callbacks), pct(s.resolution_rate), pct(s.satisfaction_rate),
                      f"{s.score:.2f}" if s.score is not None else "—")
    return table


@app.command()
@reports_errors
def sanlv(month: str = typer.Option(..., help="月份 YYYY-MM"),
          csv: Path = typer.Option(None, "--csv", help="同时写出 CSV 文件"),
          top: int = typer.Option(None, help="只显示前 N 名")) -> None:
    """Response, resolution and satisfaction rates per unit for MONTH, ranked."""
    from jiesu.services.assessment import sanlv as compute
    from jiesu.services.assessment import write_csv

    report = compute(ready_app(), month)
    if not report.scores:
        console.print(f"{month} 没有可考核的工单")
    else:
        console.print(sanlv_table(report, top))
    if csv:
        write_csv(report, csv)
        console.print(f"已写出 {escape(csv)}")


@app.command()
@reports_errors
def monthly(month: str = typer.Option(..., help="月份 YYYY-MM"),
            out: Path = typer.Option(Path("report"), "--out", help="输出目录")) -> None:
    """The monthly report: an Excel workbook of the tables and a printable HTML report with charts."""
    from jiesu.analytics.report import build, write

    with console.status(f"生成 {month} 月度分析报告……"):
        report = build(ready_app(), month)
        paths = write(report, out)
    console.print(f"{month}：诉求 {report.total} 件（上月 {report.previous_total} 件）")
    for path in paths:
        console.print(f"已写出 {escape(path)}")
