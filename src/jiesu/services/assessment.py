"""三率 report for a month: reads assignments and callbacks, computes with the domain formulas."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import Text, and_, case, cast, func, select

from jiesu.bootstrap import App
from jiesu.domain.assessment import CallbackRecord, ResponseRecord, UnitScore, assess, combined, rank
from jiesu.domain.calendar import SHANGHAI, add_months
from jiesu.domain.enums import Role, Satisfaction, UnitKind
from jiesu.domain.errors import InvalidInput, NotFound
from jiesu.storage import tables as t

GROUP_ORDER = [UnitKind.DISTRICT, UnitKind.SUBDISTRICT, UnitKind.DEPARTMENT, UnitKind.COMPANY, UnitKind.COMMUNITY,
               UnitKind.CENTRE]  # the order in which the rankings of each kind of unit are shown


@dataclass(frozen=True)
class MonthReport:
    month: str
    scores: list[UnitScore]  # every unit, grouped by kind (GROUP_ORDER), each group ranked within itself
    unit_names: dict[str, str]
    min_cases: float = 0
    counted_at: datetime | None = None  # when the figures were counted (they are kept for a few minutes)
    areas: list[UnitScore] = field(default_factory=list)  # each district with its whole 辖区 as one, ranked

    def groups(self) -> list[tuple[str, list[UnitScore]]]:
        """(kind of unit, its units ranked) in GROUP_ORDER, only the kinds that have units in the report; after the
        districts on their own, the districts each taken with everything under it (AREA_GROUP)."""
        found: dict[str, list[UnitScore]] = {}
        for s in self.scores:
            found.setdefault(s.group, []).append(s)
        if self.areas:
            found[AREA_GROUP] = self.areas
        return sorted(found.items(), key=lambda item: _group_position(item[0]))


AREA_GROUP = "区（全辖区）"  # a district's rank among districts with its 街道/乡镇, 社区/村 and its own cases as one


def _group_position(label: str) -> tuple[int, str]:
    order = [k.label for k in GROUP_ORDER]
    order.insert(1, AREA_GROUP)
    return (order.index(label) if label in order else len(order), label)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    try:
        first = date.fromisoformat(month + "-01")
    except ValueError:
        raise InvalidInput(f"月份格式应为 YYYY-MM：{month!r}", field="month") from None
    start = datetime.combine(first, time(), SHANGHAI).astimezone(UTC)
    end = datetime.combine(add_months(first, 1), time(), SHANGHAI).astimezone(UTC)
    return start, end


def _due_responses(start: datetime, end: datetime, *columns):
    """The lead dispatches whose contact deadline falls in [start, end): the 应响应件 of the 响应率 (those returned,
    merged or withdrawn, and cases found unreasonable, do not count)."""
    r, a = t.requests, t.assignments
    return (select(*columns).select_from(a)
            .join(r, and_(r.c.id == a.c.request_id, r.c.unreasonable != "approved"))
            .where(a.c.role == "lead", a.c.contact_due >= start, a.c.contact_due < end,
                   (a.c.end_reason.is_(None)) | (a.c.end_reason.not_in(["returned", "merged", "withdrawn"]))))


def _on_time():
    """1 for an 应响应件 signed for and its requester contacted, each by its deadline; else 0."""
    a = t.assignments
    return case((and_(a.c.acknowledged_at.is_not(None), a.c.acknowledged_at <= a.c.acknowledge_due,
                      a.c.contacted_at.is_not(None), a.c.contacted_at <= a.c.contact_due), 1),
                else_=0).label("on_time")


def _response_tallies(connection, start: datetime, end: datetime) -> list[ResponseRecord]:
    """The 应响应件 of [start, end) counted in the database: per unit, how many on time and how many not."""
    a = t.assignments
    on_time = _on_time()
    query = _due_responses(start, end, a.c.unit, on_time, func.count().label("n")).group_by(a.c.unit, on_time)
    return [ResponseRecord(row.unit, bool(row.on_time), row.n) for row in connection.execute(query)]


def _unit_responses(connection, start: datetime, end: datetime, unit: str):
    """One unit's 应响应件 of [start, end), each with its case, in deadline order."""
    r, a = t.requests, t.assignments
    query = _due_responses(start, end, _on_time(), a.c.acknowledged_at, a.c.acknowledge_due, a.c.contacted_at,
                           a.c.contact_due, r.c.id, r.c.ticket, r.c.title)
    return connection.execute(query.where(a.c.unit == unit).order_by(a.c.contact_due)).all()


def _made_callbacks(start: datetime, end: datetime, *columns):
    """The callbacks (回访) made in [start, end) that reached the requester (无法联系 is no answer), of cases not found
    unreasonable."""
    r, f = t.requests, t.follow_ups
    return (select(*columns).select_from(f)
            .join(r, and_(r.c.id == f.c.request_id, r.c.unreasonable != "approved"))
            .where(f.c.at >= start, f.c.at < end, f.c.unit.is_not(None), f.c.satisfaction.is_not(None)))


def _callback_tallies(connection, start: datetime, end: datetime) -> list[CallbackRecord]:
    """The callbacks of [start, end) counted in the database: per unit, answer and co-handlers, how many."""
    f = t.follow_ups
    co_units = cast(f.c.co_units, Text).label("co_units")  # JSON has no equality on PostgreSQL; its text has
    query = _made_callbacks(start, end, f.c.unit, f.c.solved, f.c.satisfaction, co_units, func.count().label("n"))
    query = query.group_by(f.c.unit, f.c.solved, f.c.satisfaction, co_units)
    return [CallbackRecord(row.unit, bool(row.solved), Satisfaction(row.satisfaction),
                           tuple(json.loads(row.co_units)), row.n) for row in connection.execute(query)]


def _unit_shortfall_callbacks(connection, start: datetime, end: datetime, unit: str, with_co_handled: bool):
    """The callbacks of [start, end) not both solved and satisfied, of `unit`'s cases (`with_co_handled`: also those
    with co-handlers, for the caller to pick the ones `unit` co-handled), each with its case, in time order."""
    r, f = t.requests, t.follow_ups
    query = _made_callbacks(start, end, f.c.unit, f.c.solved, f.c.satisfaction, f.c.co_units, f.c.at,
                            r.c.id, r.c.ticket, r.c.title)
    mine = f.c.unit == unit
    if with_co_handled:
        mine = mine | (cast(f.c.co_units, Text) != "[]")
    shortfall = ~and_(f.c.solved, f.c.satisfaction == Satisfaction.SATISFIED.value)
    return connection.execute(query.where(mine, shortfall).order_by(f.c.at)).all()


def sanlv(app: App, month: str) -> MonthReport:
    """The month's 三率 as this process last counted them (`MonthReport.counted_at`): counted again in the background
    when five minutes old, at once when first asked for or more than an hour old."""
    month_bounds(month)  # a month not written YYYY-MM is refused before it becomes a key
    return app.scores.get(month)


def count_month(app: App, month: str) -> MonthReport:
    """The month's 三率 counted now from the assignments and callbacks."""
    start, end = month_bounds(month)
    with app.uow(read_only=True) as uow:
        c = uow.connection
        rules = uow.config.assessment_rules()
        units = c.execute(select(t.units.c.code, t.units.c.name, t.units.c.kind)).all()
        names = {row.code: row.name for row in units}
        kinds = {row.code: UnitKind(row.kind).label for row in units}
        responses = _response_tallies(c, start, end)
        callbacks = _callback_tallies(c, start, end)
        directory = app.config(uow).directory
    scores = assess(responses, callbacks, rules, group_of=lambda unit: kinds.get(unit, "其他"))
    scores.sort(key=lambda score: _group_position(score.group))  # stable: each group keeps its ranked order
    areas = [combined(code, [s for s in scores if s.unit == code or s.unit in directory.below(code)], rules,
                      group=AREA_GROUP) for code, unit in sorted(directory.units.items()) if unit.kind == UnitKind.DISTRICT]
    ranked = rank([a for a in areas if a is not None], rules.min_cases)
    return MonthReport(month, scores, names, rules.min_cases, counted_at=app.now(), areas=ranked)


@dataclass(frozen=True)
class Shortfall:
    """A case that cost a unit points in the month: a late response, or a callback not solved or not satisfied."""

    request_id: int
    ticket: str
    title: str
    what: str  # what went wrong, in words
    at: datetime  # the deadline missed, or when the callback was made


@dataclass(frozen=True)
class UnitStanding:
    month: str
    unit: str
    unit_name: str
    score: UnitScore | None  # None: nothing of this unit counted in the month
    ranked_among: int  # how many units of its kind are ranked
    min_cases: float
    late: list[Shortfall]
    callbacks: list[Shortfall]
    counted_at: datetime | None = None  # when the score and rank were counted (the lists are read now)
    area: list[UnitScore] | None = None  # 辖区各单位: the units under it with cases counted (None: nothing under it)
    area_total: UnitScore | None = None  # 全辖区: the unit and every unit under it taken as one


STANDING_VIEWERS = (Role.HANDLER, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN)  # a handler: their unit and its 辖区


def unit_standing(app: App, month: str, unit: str) -> UnitStanding:
    """One unit's 三率 for the month, where it ranks among its kind, and the cases that lowered it: each 应响应件 not
    signed for and contacted in time, and each callback not solved or not satisfied (as the lead unit; as a
    co-handler too where the rules give co-handlers a share); for a unit with units under it, theirs (辖区各单位,
    each ranked among the city's units of its kind) and all of them with it taken as one (全辖区)."""
    report = sanlv(app, month)
    if unit not in report.unit_names:
        raise NotFound(f"没有单位代码为 {unit!r} 的单位", field="unit")
    start, end = month_bounds(month)
    with app.uow(read_only=True) as uow:
        c = uow.connection
        rules = uow.config.assessment_rules()
        co_share = rules.co_handler_share
        below = app.config(uow).directory.below(unit)
        late = []
        for row in _unit_responses(c, start, end, unit):
            if row.on_time:
                continue
            missed = [label for label, done, due in (("签收", row.acknowledged_at, row.acknowledge_due),
                                                      ("联系诉求人", row.contacted_at, row.contact_due))
                      if done is None or done > due]
            late.append(Shortfall(row.id, row.ticket, row.title, "、".join(missed) + "超时", row.contact_due))
        callbacks = []
        for row in _unit_shortfall_callbacks(c, start, end, unit, with_co_handled=co_share > 0):
            if row.unit != unit and unit not in row.co_units:
                continue
            satisfaction = Satisfaction(row.satisfaction)
            what = f"{'已解决' if row.solved else '未解决'}，{satisfaction.label}" + ("（协办）" if row.unit != unit else "")
            callbacks.append(Shortfall(row.id, row.ticket, row.title, what, row.at))
    score = next((s for s in report.scores if s.unit == unit), None)
    ranked = sum(1 for s in report.scores if score is not None and s.group == score.group and s.rank is not None)
    area = [s for s in report.scores if s.unit in below] if below else None
    total = next((a for a in report.areas if a.unit == unit), None)  # a district: with its rank among districts
    if total is None and below:
        total = combined(unit, [s for s in report.scores if s.unit == unit or s.unit in below], rules)
    return UnitStanding(month, unit, report.unit_names[unit], score, ranked, report.min_cases, late, callbacks,
                        report.counted_at, area, total)


def write_csv(report: MonthReport, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["类别", "类内排名", "单位代码", "单位", "应响应件", "按时响应件", "响应率", "回访件", "解决件", "解决率",
                         "满意得分", "满意率", "综合得分"])
        for s in report.scores:
            writer.writerow([s.group, s.rank or "", s.unit, report.unit_names.get(s.unit, s.unit), fmt(s.due), fmt(s.responded),
                             pct(s.response_rate), fmt(s.callbacks), fmt(s.solved), pct(s.resolution_rate),
                             fmt(s.satisfied), pct(s.satisfaction_rate),
                             f"{s.score:.2f}" if s.score is not None else ""])


def pct(rate: float | None) -> str:
    return f"{rate * 100:.1f}%" if rate is not None else "—"


def fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"
