"""jiesu report: the 三率 assessment table."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from jiesu.cli.common import console, escape, ready_app, reports_errors

app = typer.Typer(help="报表：三率考核、月度分析报告。", no_args_is_help=True)


def sanlv_tables(report, top: int | None = None) -> list[Table]:
    """One ranking per kind of unit (区, 街道/乡镇, 部门, 公共服务企业), each with at most `top` units."""
    from jiesu.services.assessment import fmt, pct

    tables = []
    for group, scores in report.groups():
        table = Table("排名", "单位", "应响应", "响应率", "回访", "解决率", "满意率", "综合得分",
                      title=f"{report.month} 三率考核排名 · {group}")
        for s in scores[:top]:
            table.add_row(str(s.rank or "—"), report.unit_names.get(s.unit, s.unit), fmt(s.due),
                          pct(s.response_rate), fmt(s.callbacks), pct(s.resolution_rate), pct(s.satisfaction_rate),
                          f"{s.score:.2f}" if s.score is not None else "—")
        tables.append(table)
    return tables


def unranked_note(report) -> str | None:
    """Why some units have no rank (— in the tables), when the rules set a minimum."""
    from jiesu.services.assessment import fmt

    if report.min_cases and any(s.rank is None and s.score is not None for s in report.scores):
        return f"“—”：本月应响应件与回访件合计不足 {fmt(report.min_cases)} 件，不参与排名（sla.yaml 中 min_cases）"
    return None


@app.command()
@reports_errors
def sanlv(month: str = typer.Option(..., help="月份 YYYY-MM"),
          csv: Path = typer.Option(None, "--csv", help="同时写出 CSV 文件"),
          top: int = typer.Option(None, help="每类单位只显示前 N 名")) -> None:
    """Response, resolution and satisfaction rates per unit for MONTH, each kind of unit ranked on its own."""
    from jiesu.services.assessment import sanlv as compute
    from jiesu.services.assessment import write_csv

    report = compute(ready_app(), month)
    if not report.scores:
        console.print(f"{month} 没有可考核的工单")
    else:
        for table in sanlv_tables(report, top):
            console.print(table)
        if note := unranked_note(report):
            console.print(note)
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
