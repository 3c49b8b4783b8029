"""jiesu duty: the units' 值班表 — load the rosters a centre collects before a holiday, list who is on duty."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from jiesu.cli.common import console, ready_app, reports_errors

app = typer.Typer(help="值班表：各单位的值班人员和手机（紧急派单短信发给在班者）。", no_args_is_help=True)


@app.command()
@reports_errors
def load(path: Path = typer.Argument(..., help="CSV：unit,start,end,name,phone（北京时间，如 2027-02-05 18:00）")) -> None:
    """Add the shifts of a CSV, all or none (a bad line is named and nothing is added)."""
    from jiesu.services import duty_roster

    added = duty_roster.load(ready_app(), path, getpass.getuser())
    console.print(f"已登记 {added} 个班次")


@app.command("list")
@reports_errors
def list_shifts(unit: str = typer.Option("", help="单位代码；不填为全部单位"),
                at: str = typer.Option("", help="自此时刻起仍未结束的班次（北京时间，默认现在）")) -> None:
    """The shifts not over yet (or not over by --at), by unit and start; those on duty now marked."""
    from jiesu.domain.calendar import beijing_minute
    from jiesu.domain.enums import Role
    from jiesu.services import duty_roster
    from jiesu.services.users import Principal

    jiesu = ready_app()
    now = jiesu.now()
    since = duty_roster.moment(at, "at") or now
    shifts = duty_roster.listed(jiesu, Principal(getpass.getuser(), Role.ADMIN), unit or None, since)
    table = Table("单位", "开始", "结束", "值班人", "手机", "")
    for s in shifts:
        table.add_row(s.unit, beijing_minute(s.starts_at), beijing_minute(s.ends_at), escape(s.name), s.phone,
                      "在班" if s.covers(now) else "")
    console.print(table)
    console.print(f"共 {len(shifts)} 个班次")
