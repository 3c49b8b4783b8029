"""Personal data kept no longer than needed (个人信息保存期限): `anonymise` removes the requester's name, phone and
tracking code from finished cases received before a date, and masks the personal data in what was written about
them (title, content, reply; the notes and recorded changes of their steps; callback notes): phone and ID
numbers, bank cards, e-mail addresses and licence plates (`nlp/pii.py`), and the requester's own name wherever it
was written. The case itself stays, for the statistics, the assessment and the archive: category, place, units,
dates, every step, every callback result.

Only finished cases (直接办结, 已回访结案, 并单, 撤回, 归档) and never a 信访件 (a petition file follows its own keeping
rules). Done in batches, each one transaction that also writes its line of the audit trail, so an interrupted run
leaves whole cases done or untouched and can simply be run again; a case done is marked (`anonymised_at`) and not
done twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select, update

from jiesu.bootstrap import App
from jiesu.domain.calendar import SHANGHAI
from jiesu.domain.errors import InvalidInput
from jiesu.domain.validation import mask_name
from jiesu.domain.workflow import Status
from jiesu.nlp import pii
from jiesu.services.audit import record
from jiesu.storage import tables as t

FINISHED = [s.value for s in (Status.ANSWERED, Status.CLOSED, Status.MERGED, Status.WITHDRAWN, Status.ARCHIVED)]
BATCH = 500


@dataclass
class Anonymised:
    cases: int
    batches: int


def _due(before: date):
    r = t.requests
    cutoff = datetime.combine(before, time(), SHANGHAI)
    return (r.c.status.in_(FINISHED), r.c.received_at < cutoff, r.c.anonymised_at.is_(None),
            r.c.id.not_in(select(t.petitions.c.request_id)))


def count_due(app: App, before: date) -> int:
    with app.uow(read_only=True) as uow:
        return uow.connection.execute(select(func.count()).select_from(t.requests).where(*_due(before))).scalar()


def anonymise(app: App, before: date, by: str, progress: Callable[[int], None] | None = None) -> Anonymised:
    """Anonymise every finished case received before `before` (a Beijing day), batch by batch."""
    if before > app.today():
        raise InvalidInput(f"截止日期 {before} 在今天之后；只能清除已过保存期限的个人信息", field="before")
    done = batches = 0
    while True:
        with app.uow() as uow:
            c = uow.connection
            ids = c.execute(select(t.requests.c.id).where(*_due(before)).order_by(t.requests.c.id).limit(BATCH)
                            ).scalars().all()
            if not ids:
                break
            for request_id in ids:
                _anonymise_case(app, c, request_id)
            record(c, app.now(), by, "retention.anonymise", f"诉求 {ids[0]}–{ids[-1]}",
                   {"cases": len(ids), "received_before": before.isoformat()})
            uow.commit()
        done, batches = done + len(ids), batches + 1
        if progress:
            progress(len(ids))
    return Anonymised(done, batches)


def _anonymise_case(app: App, c, request_id: int) -> None:
    r = t.requests
    row = c.execute(select(r.c.title, r.c.content, r.c.reply, r.c.requester_name, r.c.version)
                    .where(r.c.id == request_id)).one()
    name = app.cipher.decrypt(row.requester_name) if row.requester_name else ""

    def clean(text: str | None) -> str | None:
        if not text:
            return text
        if len(name) >= 2:
            text = text.replace(name, mask_name(name))
        return pii.mask(text)

    now = app.now()
    c.execute(update(r).where(r.c.id == request_id).values(
        title=clean(row.title), content=clean(row.content), reply=clean(row.reply), requester_name=None,
        requester_phone=None, requester_key=None, anonymised_at=now, updated_at=now, version=row.version + 1))
    for event in c.execute(select(t.events.c.seq, t.events.c.note, t.events.c.changes)
                           .where(t.events.c.request_id == request_id)).all():
        changes = {key: [clean(v) if isinstance(v, str) else v for v in values]
                   for key, values in (event.changes or {}).items()}
        c.execute(update(t.events).where(t.events.c.request_id == request_id, t.events.c.seq == event.seq)
                  .values(note=clean(event.note) or "", changes=changes))
    for callback in c.execute(select(t.follow_ups.c.seq, t.follow_ups.c.note)
                              .where(t.follow_ups.c.request_id == request_id)).all():
        c.execute(update(t.follow_ups).where(t.follow_ups.c.request_id == request_id,
                                             t.follow_ups.c.seq == callback.seq).values(note=clean(callback.note) or ""))
    c.execute(t.citizen_access.delete().where(t.citizen_access.c.request_id == request_id))
