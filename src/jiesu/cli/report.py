"""jiesu report: the 三率 assessment table, one unit's standing, the monthly report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from jiesu.cli.common import console, escape, ready_app, reports_errors
from jiesu.domain.calendar import beijing_minute
from jiesu.nlp.pii import mask

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
def unit(code: str = typer.Argument(..., help="单位代码"),
         month: str = typer.Option(None, help="月份 YYYY-MM（默认本月，截至目前）")) -> None:
    """One unit's 三率 for MONTH, its rank among its kind, the cases that lowered it and, where the unit gives its cases
    to its staff (分办), what each of them has (本单位考核)."""
    from jiesu.services.assessment import fmt, month_bounds, pct, unit_standing
    from jiesu.services.workload import co_load, staff_load

    jiesu = ready_app()
    found = unit_standing(jiesu, month or f"{jiesu.today():%Y-%m}", code)
    s = found.score
    if s is None:
        console.print(f"{escape(found.unit_name)} {found.month}：没有计入考核的工单")
    else:
        rank = f"第 {s.rank} 名 / {found.ranked_among}" if s.rank else "未排名"
        score = f"{s.score:.2f}" if s.score is not None else "—"
        console.print(f"{escape(found.unit_name)} {found.month}：响应率 {pct(s.response_rate)}（{fmt(s.responded)}/"
                      f"{fmt(s.due)}），解决率 {pct(s.resolution_rate)}，满意率 {pct(s.satisfaction_rate)}（回访 "
                      f"{fmt(s.callbacks)}），综合得分 {score}，{s.group}{rank}")
        for heading, items in (("响应不及时", found.late), ("回访未解决或不满意", found.callbacks)):
            table = Table("工单号", "标题", "情况", "时间", title=f"{heading}（{len(items)} 件）")
            for x in items:
                table.add_row(x.ticket, escape(mask(x.title)), x.what, beijing_minute(x.at))
            console.print(table)
    bounds = month_bounds(found.month)
    for title, columns, rows in (  # 承办人员: the unit's own cases, then its parts of others' (协办)
            ("承办人员", ("办理中（现在）", "其中已超期", "本月办结答复"),
             [(r.owner, r.in_hand, r.overdue, r.answered) for r in staff_load(jiesu, code, *bounds)]),
            ("承办人员（协办）", ("待反馈（现在）", "其中已过反馈时限", "本月已反馈"),
             [(r.owner, r.owed, r.overdue, r.reported) for r in co_load(jiesu, code, *bounds)])):
        if rows:
            table = Table("承办人员", *columns, title=f"{title}（{len(rows)}）")
            for owner, *counts in rows:
                table.add_row(escape(owner or "未分办"), *map(str, counts))
            console.print(table)


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


@app.command()
@reports_errors
def daily(day: str = typer.Option(None, help="日期 YYYY-MM-DD（北京时间），默认昨天"),
          out: Path = typer.Option(None, "--out", help="另存为 HTML 文件（可打印、可发送，个人信息已隐去）")) -> None:
    """每日要情: the day's requests against the day before and a week before, its main matters against their usual
    day, the emergencies and 敏感诉求 received, what is overdue now and the early warnings (as the /brief page)."""
    from jiesu.analytics.daily import build, day_of, write

    jiesu = ready_app()
    with console.status("生成每日要情……"):
        brief = build(jiesu, day_of(day, jiesu.today()))
    console.print(f"每日要情 {brief.day}：诉求 {brief.total} 件，较前一天 {brief.change(brief.total, brief.day_before)}"
                  f"（{brief.day_before}），较上周同日 {brief.change(brief.total, brief.week_before)}（{brief.week_before}）；"
                  f"紧急件 {brief.emergency_count}，敏感诉求 {brief.sensitive_count}，当前超期件 {brief.overdue_now}",
                  highlight=False)
    for title, listed, count in (("紧急件", brief.emergencies, brief.emergency_count),
                                 ("敏感诉求", brief.sensitive, brief.sensitive_count)):
        if listed:
            table = Table("工单号", "标题", "依据", "受理", "主办", "状态", title=f"{title} {count} 件")
            for c in listed:
                table.add_row(c.ticket, escape(c.title[:24]), escape(c.why[:30]), beijing_minute(c.received_at),
                              c.unit, c.status)
            console.print(table)
    for t in (brief.matters, brief.rising):
        table = Table(*t.columns, title=t.title)
        for row in t.rows:
            table.add_row(*("—" if v is None else escape(str(v)) for v in row))
        console.print(table)
    if out is not None:
        console.print(f"已写出 {escape(write(brief, out, jiesu.settings.hotline_name, jiesu.now()))}")
