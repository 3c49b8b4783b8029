"""三率 report for a month: reads assignments and callbacks, computes with the domain formulas."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import and_, select

from jiesu.bootstrap import App
from jiesu.domain.assessment import CallbackRecord, ResponseRecord, UnitScore, assess
from jiesu.domain.calendar import SHANGHAI
from jiesu.domain.enums import Satisfaction, UnitKind
from jiesu.domain.errors import InvalidInput
from jiesu.storage import tables as t

GROUP_ORDER = [UnitKind.DISTRICT, UnitKind.SUBDISTRICT, UnitKind.DEPARTMENT, UnitKind.COMPANY, UnitKind.COMMUNITY,
               UnitKind.CENTRE]  # the order in which the rankings of each kind of unit are shown


@dataclass(frozen=True)
class MonthReport:
    month: str
    scores: list[UnitScore]  # every unit, grouped by kind (GROUP_ORDER), each group ranked within itself
    unit_names: dict[str, str]
    min_cases: float = 0

    def groups(self) -> list[tuple[str, list[UnitScore]]]:
        """(kind of unit, its units ranked) in GROUP_ORDER, only the kinds that have units in the report."""
        found: dict[str, list[UnitScore]] = {}
        for s in self.scores:
            found.setdefault(s.group, []).append(s)
        return sorted(found.items(), key=lambda item: _group_position(item[0]))


def _group_position(label: str) -> tuple[int, str]:
    order = [k.label for k in GROUP_ORDER]
    return (order.index(label) if label in order else len(order), label)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    try:
        first = date.fromisoformat(month + "-01")
    except ValueError:
        raise InvalidInput(f"月份格式应为 YYYY-MM：{month!r}", field="month") from None
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    start = datetime.combine(first, time(), SHANGHAI).astimezone(UTC)
    end = datetime.combine(following, time(), SHANGHAI).astimezone(UTC)
    return start, end


def sanlv(app: App, month: str) -> MonthReport:
    start, end = month_bounds(month)
    r, a, f = t.requests, t.assignments, t.follow_ups
    reasonable = r.c.unreasonable != "approved"
    with app.uow(read_only=True) as uow:
        c = uow.connection
        rules = uow.config.assessment_rules()
        units = c.execute(select(t.units.c.code, t.units.c.name, t.units.c.kind)).all()
        names = {row.code: row.name for row in units}
        kinds = {row.code: UnitKind(row.kind).label for row in units}
        responses = [
            ResponseRecord(row.unit, row.acknowledged_at is not None and row.acknowledged_at <= row.acknowledge_due
                           and row.contacted_at is not None and row.contacted_at <= row.contact_due)
            for row in c.execute(
                select(a.c.unit, a.c.acknowledged_at, a.c.acknowledge_due, a.c.contacted_at, a.c.contact_due)
                .join(r, and_(r.c.id == a.c.request_id, reasonable))
                .where(a.c.role == "lead", a.c.contact_due >= start, a.c.contact_due < end,
                       (a.c.end_reason.is_(None)) | (a.c.end_reason.not_in(["returned", "merged", "withdrawn"]))))]
        callbacks = [
            CallbackRecord(row.unit, row.solved, Satisfaction(row.satisfaction), tuple(row.co_units))
            for row in c.execute(
                select(f.c.unit, f.c.solved, f.c.satisfaction, f.c.co_units)
                .join(r, and_(r.c.id == f.c.request_id, reasonable))
                .where(f.c.at >= start, f.c.at < end, f.c.unit.is_not(None)))]
    scores = assess(responses, callbacks, rules, group_of=lambda unit: kinds.get(unit, "其他"))
    scores.sort(key=lambda score: _group_position(score.group))  # stable: each group keeps its ranked order
    return MonthReport(month, scores, names, rules.min_cases)


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
