"""坐席质检 from the record: for each agent, the cases they registered in a month and how many of them the rest of the
workflow had to correct — a category set at intake changed later (改类), a dispatch they made at intake returned
by the unit (退单), the urgency changed after intake, a repeat they registered again instead of 催办 on the
earlier case (并单) — beside what they settled on the phone (直接办结). Counted from the events; nothing is scored
by hand, so every figure can be checked case by case (the tickets are listed)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, select

from jiesu.bootstrap import App
from jiesu.domain.workflow import Action, Status
from jiesu.services.assessment import month_bounds
from jiesu.storage import tables as t

SHOWN_TICKETS = 20  # per agent and finding, on the page


@dataclass
class AgentQuality:
    agent: str
    registered: int = 0
    answered: int = 0  # 直接办结: settled on the phone
    findings: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # finding → (id, ticket) of the cases

    def count(self, finding: str) -> int:
        return len(self.findings.get(finding, []))

    def rate(self, finding: str) -> float | None:
        return self.count(finding) / self.registered if self.registered else None


FINDINGS = {  # what the rest of the workflow corrected, as the page names it
    "reclassified": "改类（受理时定的分类被改）",
    "returned": "退单（受理时派的单被退回）",
    "urgency": "紧急程度被调整",
    "merged": "并单（重复受理）",
}


def month_report(app: App, month: str) -> list[AgentQuality]:
    """Per agent, by name, the cases they registered in the Beijing month `month` (YYYY-MM) and what of them was
    corrected afterwards."""
    start, end = month_bounds(month)
    e, later, r = t.events, t.events.alias("later"), t.requests
    registered = select(e.c.request_id, e.c.actor).where(e.c.action == Action.REGISTER.value,
                                                       e.c.role == "agent", e.c.at >= start, e.c.at < end).subquery()
    report: dict[str, AgentQuality] = {}
    with app.uow(read_only=True) as uow:
        c = uow.connection
        for agent, n in c.execute(select(registered.c.actor, func.count()).group_by(registered.c.actor)):
            report[agent] = AgentQuality(agent, registered=n)
        rows = c.execute(select(registered.c.actor, registered.c.request_id, r.c.ticket, later.c.action,
                                later.c.to_status, later.c.changes)
                         .join(later, later.c.request_id == registered.c.request_id)
                         .join(r, r.c.id == registered.c.request_id)
                         .where(later.c.seq > 1, later.c.action.in_([
                             Action.ANSWER_DIRECTLY.value, Action.RECLASSIFY.value, Action.RETURN.value,
                             Action.CHANGE_URGENCY.value, Action.MERGE.value]))
                         .order_by(registered.c.request_id, later.c.seq)).all()
        dispatched_by_agent = {row.request_id for row in c.execute(
            select(registered.c.request_id).where(exists().where(and_(
                e.c.request_id == registered.c.request_id, e.c.action == Action.DISPATCH.value,
                e.c.actor == registered.c.actor))))}
    seen: set[tuple[int, str]] = set()
    for agent, request_id, ticket, action, to_status, changes in rows:
        quality = report[agent]
        if action == Action.ANSWER_DIRECTLY.value:
            quality.answered += 1
            continue
        finding = _finding(action, to_status, changes or {}, request_id in dispatched_by_agent)
        if finding is None or (request_id, finding) in seen:
            continue
        seen.add((request_id, finding))
        quality.findings.setdefault(finding, []).append((request_id, ticket))
    return sorted(report.values(), key=lambda q: q.agent)


def _finding(action: str, to_status: str, changes: dict, dispatched_by_agent: bool) -> str | None:
    if action == Action.RECLASSIFY.value:  # only a category that was set at intake (a left one is not an error)
        before = (changes.get("category") or [None])[0]
        return "reclassified" if before else None
    if action == Action.RETURN.value:
        return "returned" if dispatched_by_agent else None
    if action == Action.CHANGE_URGENCY.value:
        return "urgency"
    if action == Action.MERGE.value and to_status == Status.MERGED.value:  # this case went into another
        return "merged"
    return None
