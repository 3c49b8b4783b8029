"""`jiesu sla scan`: cases due soon and overdue, each breach recorded once; an emergency not signed for in time
texts its unit's duty phone again (紧急未签收提醒); a case near its 办结时限 (within JIESU_DUE_SOON_HOURS) and one
past it, not answered, text it too (即将超期提醒, once per deadline; 超期提醒, once per breach); a co-handler near
and past its 协办反馈 limit without reporting back is texted (协办即将到期提醒, once per deadline; 协办超期提醒, once per
breach)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, insert, select

from jiesu.bootstrap import App
from jiesu.domain.enums import Urgency
from jiesu.domain.notices import NoticeKind
from jiesu.domain.workflow import Status
from jiesu.services import cases, notifications
from jiesu.storage import tables as t

_WITH_UNIT = [Status.DISPATCHED.value, Status.RETURN_PENDING.value, Status.IN_PROGRESS.value,
              Status.EXTENSION_PENDING.value]


@dataclass(frozen=True)
class DueItem:
    request_id: int
    ticket: str
    title: str
    unit: str | None  # the lead unit; for `report`, the co-handler that owes it
    limit: str  # acknowledge | contact | resolve | follow_up | supervise | report
    due: datetime
    overdue: bool
    newly_recorded: bool = False


OVERDUE_NEWS = timedelta(hours=24)  # a breach older than this when first found (the scan was not running, or an
# upgrade brought the 超期提醒 to a database with old breaches) is recorded without a text: it is no news to the unit
LIMIT_LABELS = {"acknowledge": "签收", "contact": "联系", "resolve": "办结", "follow_up": "回访", "supervise": "督办",
                "report": "协办反馈"}


def _candidates(connection, horizon: datetime):
    r, a = t.requests, t.assignments
    lead = and_(a.c.request_id == r.c.id, a.c.role == "lead", a.c.ended_at.is_(None))
    co = and_(a.c.request_id == r.c.id, a.c.role == "co", a.c.ended_at.is_(None))
    fields = [r.c.id, r.c.ticket, r.c.title, r.c.urgency]
    base = [*fields, r.c.lead_unit.label("unit")]
    queries = [
        ("acknowledge", select(*base, a.c.acknowledge_due.label("due")).join(a, lead)
         .where(r.c.status == Status.DISPATCHED.value, a.c.acknowledged_at.is_(None), a.c.acknowledge_due <= horizon)),
        ("contact", select(*base, a.c.contact_due.label("due")).join(a, lead)
         .where(r.c.status.in_(_WITH_UNIT), a.c.contacted_at.is_(None), a.c.contact_due <= horizon)),
        ("resolve", select(*base, r.c.resolve_due.label("due"))
         .where(r.c.status.in_(_WITH_UNIT), r.c.resolve_due <= horizon)),
        ("follow_up", select(*base, r.c.follow_up_due.label("due"))
         .where(r.c.status == Status.AWAITING_FOLLOW_UP.value, r.c.follow_up_due <= horizon)),
        ("supervise", select(*base, r.c.supervise_due.label("due"))
         .where(r.c.status.in_(_WITH_UNIT), r.c.supervise_due <= horizon)),
        ("report", select(*fields, a.c.unit.label("unit"), a.c.report_due.label("due")).join(a, co)
         .where(r.c.status.in_(cases.REPORTABLE), a.c.reported_at.is_(None), a.c.report_due <= horizon)),
    ]
    for limit, query in queries:
        for row in connection.execute(query):
            yield limit, row


LAST_RUN = "sla_scan.last_run"  # settings_kv: when the scan last ran and recorded (`jiesu doctor` reads it)


def last_run(app: App) -> datetime | None:
    with app.uow(read_only=True) as uow:
        value = uow.config.setting(LAST_RUN)
    return datetime.fromisoformat(value["at"]) if value else None


def due_soon_until(app: App) -> datetime:
    """Until when a deadline counts as near (即将到期: `JIESU_DUE_SOON_HOURS` from now), for the scan and the pages."""
    return app.now() + timedelta(hours=app.settings.due_soon_hours)


def scan(app: App, record: bool = True) -> list[DueItem]:
    now = app.now()
    horizon = due_soon_until(app)
    items: list[DueItem] = []
    with app.uow() as uow:
        connection = uow.connection
        candidates = list(_candidates(connection, horizon))
        overdue_ids = list({row.id for _, row in candidates if row.due < now})
        known = set()  # the breaches already recorded for these cases only, not the whole history
        for start in range(0, len(overdue_ids), 500):
            known |= {(r.request_id, r.limit_name, r.due, r.unit) for r in connection.execute(
                select(t.sla_breaches.c.request_id, t.sla_breaches.c.limit_name, t.sla_breaches.c.due,
                       t.sla_breaches.c.unit)
                .where(t.sla_breaches.c.request_id.in_(overdue_ids[start:start + 500])))}
        new_rows: list[dict] = []
        unsigned_emergencies: list = []
        overdue_replies: list = []
        owed_reports: list = []
        due_soon = {(row.id, row.unit): row for limit, row in candidates  # (an emergency's whole limit is shorter
                    if limit == "resolve" and row.due >= now and row.unit  # than the window: its dispatch text said it)
                    and row.urgency != Urgency.EMERGENCY.value}
        report_soon = {(row.id, row.unit): row for limit, row in candidates  # a co-handler is told nothing when it is
                       if limit == "report" and row.due >= now and row.unit}  # handed the case: an emergency's too
        for limit, row in candidates:
            due = row.due
            overdue = due < now
            fresh = overdue and (row.id, limit, due, row.unit) not in known
            if fresh:
                new_rows.append({"request_id": row.id, "limit_name": limit, "due": due, "unit": row.unit,
                                 "detected_at": now})
                known.add((row.id, limit, due, row.unit))
                if limit == "acknowledge" and row.urgency == Urgency.EMERGENCY.value and row.unit:
                    unsigned_emergencies.append(row)
                if limit in ("resolve", "report") and row.unit and now - due <= OVERDUE_NEWS:
                    (overdue_replies if limit == "resolve" else owed_reports).append(row)
            items.append(DueItem(row.id, row.ticket, row.title, row.unit, limit, due, overdue, fresh))
        if record:
            uow.config.put_setting(LAST_RUN, {"at": now.isoformat()})
        directory = app.config(uow).directory
        if record and new_rows:
            connection.execute(insert(t.sla_breaches), new_rows)
            for row in unsigned_emergencies:  # nobody signed for it: the unit's duty phone is texted again
                notifications.on_unacknowledged_emergency(app, connection, row.id, row.unit, directory)
            for row in overdue_replies:
                notifications.on_resolve_overdue(app, connection, row.id, row.unit, directory)
            for row in owed_reports:  # the co-handler that has not reported back to the lead unit
                notifications.on_report_overdue(app, connection, row.id, row.unit, directory)
        for near, kind, tell in ((due_soon, NoticeKind.DUE_SOON, notifications.on_resolve_due_soon),
                                 (report_soon, NoticeKind.REPORT_DUE_SOON, notifications.on_report_due_soon)):
            if record and near:
                told = notifications.due_soon_told(connection, {key: row.due for key, row in near.items()},
                                                   horizon - now, kind)
                for rid, unit in sorted(set(near) - told):
                    tell(app, connection, rid, unit, directory)
        uow.commit()
    items.sort(key=lambda i: (not i.overdue, i.due))
    return items
