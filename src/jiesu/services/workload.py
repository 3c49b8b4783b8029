"""承办人员: how the cases of a unit lie with its staff (分办) — in hand now, of those past their deadline, and
answered in a month — for the unit's own page (本单位考核). Empty for a unit that gives its cases to nobody. And the
same for its parts of cases others lead (协办, a 社区's 下派 cases): owed, past their 反馈时限, reported in the month."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from jiesu.bootstrap import App
from jiesu.services.cases import REPORTABLE, WITH_A_UNIT
from jiesu.storage import tables as t


@dataclass(frozen=True)
class StaffLoad:
    owner: str | None  # None: the cases nobody in the unit was given (未分办)
    in_hand: int  # with the unit now (待签收 to 退单待审)
    overdue: int  # of those, past their resolution deadline
    answered: int  # 办结答复 in the month


def staff_load(app: App, unit: str, start: datetime, end: datetime) -> list[StaffLoad]:
    """Per 承办人员 of `unit` (by name, 未分办 last): the cases in hand, late and answered in [start, end)."""
    r = t.requests
    holding = r.c.status.in_(WITH_A_UNIT)
    counts = select(
        r.c.owner,
        func.count().filter(holding),
        func.count().filter(holding, r.c.resolve_due < app.now()),
        func.count().filter(r.c.resolved_at >= start, r.c.resolved_at < end),
    ).where(r.c.lead_unit == unit).group_by(r.c.owner)
    with app.uow(read_only=True) as uow:
        rows = [StaffLoad(*row) for row in uow.connection.execute(counts)]
    return _by_owner(rows, lambda row: bool(row.in_hand or row.answered))


def _by_owner(rows: list, busy: Callable[[Any], bool]) -> list:
    """The busy rows by name, the unassigned last; none at all for a unit that gives nothing to anyone."""
    if all(row.owner is None for row in rows):
        return []
    return sorted((row for row in rows if busy(row)), key=lambda row: (row.owner is None, row.owner or ""))


@dataclass(frozen=True)
class CoLoad:
    owner: str | None  # None: the parts nobody in the unit was given
    owed: int  # co-handled now, not reported back (协办待反馈)
    overdue: int  # of those, past their 反馈时限
    reported: int  # 协办反馈 given in the month (the last report of each part)


def co_load(app: App, unit: str, start: datetime, end: datetime) -> list[CoLoad]:
    """Per 承办人员 of `unit`, its parts of the cases others lead (by name, unassigned last); empty for a unit that
    gives its parts to nobody."""
    a, r = t.assignments, t.requests
    owing = a.c.reported_at.is_(None) & a.c.ended_at.is_(None) & r.c.status.in_(REPORTABLE)
    counts = select(
        a.c.owner,
        func.count().filter(owing),
        func.count().filter(owing, a.c.report_due < app.now()),
        func.count().filter(a.c.reported_at >= start, a.c.reported_at < end),
    ).join(r, r.c.id == a.c.request_id).where(a.c.unit == unit, a.c.role == "co").group_by(a.c.owner)
    with app.uow(read_only=True) as uow:
        rows = [CoLoad(*row) for row in uow.connection.execute(counts)]
    return _by_owner(rows, lambda row: bool(row.owed or row.reported))
