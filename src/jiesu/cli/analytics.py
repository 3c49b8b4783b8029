"""jiesu analytics: refresh the columnar store and print named metrics."""

from __future__ import annotations

import typer
from rich.table import Table

from jiesu.cli.common import console, escape, parse_day, progress_bar, ready_app, reports_errors

app = typer.Typer(help="分析：列式数据副本与指标。", no_args_is_help=True)


@app.command()
@reports_errors
def refresh(full: bool = typer.Option(False, "--full", help="全量重建（默认只复制上次之后变化的工单）")) -> None:
    """Copy new and changed cases, assignments, callbacks and events into the DuckDB store."""
    from jiesu.analytics import store

    jiesu = ready_app()
    with progress_bar() as bar:
        task = bar.add_task("复制到分析库", total=None)
        result = store.refresh(jiesu, full=full, progress=lambda n: bar.update(task, advance=n))
    console.print(f"{'全量' if full else '增量'}刷新：{result.cases} 件工单，用时 {result.seconds:.1f} 秒"
                  f"（{escape(store.default_path(jiesu))}）")


@app.command()
@reports_errors
def metric(name: str = typer.Argument(..., help="指标名：volume、by_channel、by_kind、by_category、by_area、keywords、"
                                                "deadlines、satisfaction、returns_by_unit、handling_by_unit、"
                                                "first_contact、hour_weekday、repeats、"
                                                "rising（上升预警，截至 --end 或今天的近 7 天）、seasonal（季节提示）、"
                                                "emergency_lines（紧急热线联动）、staffing（坐席排班建议）、"
                                                "calls（话务：接通率、呼损）、agent_workload（坐席工作量）"),
           start: str = typer.Option(None, help="起始日期 YYYY-MM-DD"),
           end: str = typer.Option(None, help="截止日期（不含）YYYY-MM-DD"),
           district: str = typer.Option(None), category1: str = typer.Option(None), channel: str = typer.Option(None),
           period: str = typer.Option(None, help="volume：day/week/month"),
           level: str = typer.Option(None, help="by_category：1/2/3；by_area：district/subdistrict/community"),
           weeks: int = typer.Option(None, help="staffing：按 --end（或今天）之前几周的来电，默认 4"),
           handling: float = typer.Option(None, help="staffing：每通电话平均处理秒数；默认为话务记录实测的"
                                                              "平均通话时长，无话务记录时 300"),
           answer_within: float = typer.Option(None, help="staffing：接通时限（秒），默认 20"),
           share: float = typer.Option(None, help="staffing：时限内接通的比例，默认 0.8"),
           shrinkage: float = typer.Option(None, help="staffing：排班时间中不在线的比例，默认 0.3"),
           by: str = typer.Option(None, help="calls：day（按日，默认）或 hour（按时段）；sensitive：kind、district 或 subdistrict")) -> None:
    """Print one named metric (after an incremental refresh)."""
    from jiesu.analytics import metrics, store

    jiesu = ready_app()
    store.refresh(jiesu)
    options: dict[str, int | float | str] = {name: value for name, value in (
        ("weeks", weeks), ("handling", handling), ("answer_within", answer_within), ("share", share),
        ("shrinkage", shrinkage)) if value is not None}
    if period:
        options["period"] = period
    if by:
        options["by"] = by
    if level:
        options["level"] = int(level) if level.isdigit() else level
    connection = store.connect(store.default_path(jiesu))
    try:
        table = metrics.run(connection, name, metrics.Filters(parse_day(start, "start"), parse_day(end, "end"), district,
                                                              category1, channel), **options)
    finally:
        connection.close()
    view = Table(*table.columns, title=table.title)
    for row in table.rows:
        view.add_row(*[escape("" if v is None else v) for v in row])
    console.print(view)
    if table.note:
        console.print(escape(table.note))
