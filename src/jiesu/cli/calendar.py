"""jiesu calendar: load official holiday schedules; ask about working days and deadlines."""

from __future__ import annotations

import getpass
from datetime import date, datetime
from pathlib import Path

import typer

from jiesu.cli.common import console, err_console, ready_app, reports_errors

app = typer.Typer(help="工作日历：法定节假日与调休。", no_args_is_help=True)


@app.command()
@reports_errors
def load(path: Path = typer.Argument(..., help="国务院办公厅节假日安排通知原文（.txt），或 date,type,name 格式的 CSV")) -> None:
    """Load a year's official schedule (the State Council notice as published, or a simple CSV)."""
    from jiesu.services.calendar import load_schedule
    jiesu = ready_app()
    schedule = load_schedule(jiesu, path, getpass.getuser())
    console.print(f"{schedule.year} 年节假日安排已载入：放假 {len(schedule.holidays)} 天，调休上班 {len(schedule.workdays)} 天")
    console.print("放假：" + "、".join(d.strftime("%m-%d") for d in schedule.holidays))
    console.print("上班：" + ("、".join(d.strftime("%m-%d") for d in schedule.workdays) or "无"))


@app.command()
@reports_errors
def show(year: int = typer.Argument(..., help="年份")) -> None:
    """List the holidays and make-up working days of YEAR."""
    jiesu = ready_app()
    with jiesu.uow(read_only=True) as uow:
        calendar = jiesu.calendar(uow)
    days = sorted(d for d in calendar.rules if d.year == year)
    if year not in calendar.covered_years:
        err_console.print(f"[yellow]警告[/]：{year} 年尚未载入节假日安排，按周一至周五为工作日推算；请运行 jiesu calendar load")
    for day in days:
        rule = calendar.rules[day]
        console.print(f"{day}  {'上班' if rule.workday else '放假'}  {rule.name}", highlight=False)


@app.command()
@reports_errors
def deadline(start: datetime = typer.Argument(..., help="起算时间（北京时间），如 2026-12-28T10:00"),
             limit: str = typer.Argument(..., help="时限，如 2wh、7wd、24h")) -> None:
    """Compute the deadline LIMIT after START on the working-day calendar."""
    from jiesu.domain.calendar import SHANGHAI, Duration
    jiesu = ready_app()
    with jiesu.uow(read_only=True) as uow:
        calendar = jiesu.calendar(uow)
    begin = start if start.tzinfo else start.replace(tzinfo=SHANGHAI)
    due = calendar.add(begin, Duration.parse(limit, "limit"))
    console.print(f"{begin.astimezone(SHANGHAI):%Y-%m-%d %H:%M} + {Duration.parse(limit).label} → "
                  f"{due.astimezone(SHANGHAI):%Y-%m-%d %H:%M}（北京时间）", highlight=False)
    for warning in calendar.warnings():
        err_console.print(f"[yellow]警告[/]：{warning}")


@app.command()
@reports_errors
def day(when: str = typer.Argument(..., help="日期 YYYY-MM-DD")) -> None:
    """Is DAY a working day?"""
    try:
        the_day = date.fromisoformat(when)
    except ValueError:
        from jiesu.domain.errors import InvalidInput

        raise InvalidInput(f"日期格式应为 YYYY-MM-DD：{when!r}", field="day") from None
    jiesu = ready_app()
    with jiesu.uow(read_only=True) as uow:
        calendar = jiesu.calendar(uow)
    workday = calendar.is_workday(the_day)
    console.print(f"{the_day} {'工作日' if workday else '休息日'} {calendar.day_name(the_day)}".strip())
    for warning in calendar.warnings():
        err_console.print(f"[yellow]警告[/]：{warning}")
