"""Personal data kept no longer than needed (个人信息保存期限): `anonymise` removes the requester's name, phone and
tracking code from finished cases received before a date, and masks the personal data in what was written about
them (title, content, keywords, 补充诉求, reply, why it is a 敏感诉求, and 工单查询's word index of them; the notes
and recorded changes of their steps; callback notes): phone and ID numbers, bank cards, e-mail addresses and licence plates
(`nlp/pii.py`), and the requester's own name wherever it was written. Photos attached to the case (and the addresses of pictures hosted elsewhere) are deleted: a
picture of a street, a flat or a car tells who complained as well as a name does; so are the text messages
sent to the requester. The case itself stays, for the statistics, the assessment and the archive: category, place, units,
dates, every step, every callback result. The callers' numbers of the call records (话务记录) before the date go too,
unless a case registered on the call still keeps its requester's; the calls' times and agents stay for the figures.

Only finished cases (直接办结, 已回访结案, 撤回, 归档; 并单 once its master is finished) and never a 信访件 (a petition file follows its own keeping
rules). Done in batches, each one transaction that also writes its line of the audit trail, so an interrupted run
leaves whole cases done or untouched and can simply be run again; a case done is marked (`anonymised_at`) and not
done twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import bindparam, func, or_, select, update

from jiesu.bootstrap import App
from jiesu.domain.calendar import SHANGHAI
from jiesu.domain.errors import InvalidInput
from jiesu.domain.workflow import Status
from jiesu.nlp import pii
from jiesu.services.audit import record
from jiesu.storage import tables as t
from jiesu.storage import text_index

FINISHED = [s.value for s in (Status.ANSWERED, Status.CLOSED, Status.MERGED, Status.WITHDRAWN, Status.ARCHIVED,
                              Status.HANDED_OVER)]
BATCH = 500


@dataclass
class Anonymised:
    cases: int
    batches: int
    attachments: int = 0  # photos and picture addresses deleted
    calls: int = 0  # call records whose caller's number was removed


def _due(before: date):
    """Finished, received before the day, not done yet, not a 信访件; a merged case only once its master is
    finished too (the master's callback still calls every merged requester)."""
    r, master = t.requests, t.requests.alias("master")
    cutoff = datetime.combine(before, time(), SHANGHAI)
    masters_done = select(master.c.id).where(master.c.status.in_(FINISHED), master.c.status != Status.MERGED.value)
    return (r.c.status.in_(FINISHED), r.c.received_at < cutoff, r.c.anonymised_at.is_(None),
            r.c.id.not_in(select(t.petitions.c.request_id)),
            or_(r.c.status != Status.MERGED.value, r.c.master_id.in_(masters_done)))


def count_due(app: App, before: date) -> int:
    with app.uow(read_only=True) as uow:
        return uow.connection.execute(select(func.count()).select_from(t.requests).where(*_due(before))).scalar_one()


def anonymise(app: App, before: date, by: str, progress: Callable[[int], None] | None = None) -> Anonymised:
    """Anonymise every finished case received before `before` (a Beijing day), batch by batch."""
    if before > app.today():
        raise InvalidInput(f"截止日期 {before} 在今天之后；只能清除已过保存期限的个人信息", field="before")
    done = batches = attachments = 0
    while True:
        with app.uow() as uow:
            c = uow.connection
            ids = list(c.execute(select(t.requests.c.id).where(*_due(before)).order_by(t.requests.c.id).limit(BATCH)
                                 ).scalars())
            if not ids:
                break
            deleted = _anonymise_batch(app, c, ids)
            record(c, app.now(), by, "retention.anonymise", f"诉求 {ids[0]}–{ids[-1]}",
                   {"cases": len(ids), "attachments": deleted, "received_before": before.isoformat()})
            uow.commit()
        done, batches, attachments = done + len(ids), batches + 1, attachments + deleted
        if progress:
            progress(len(ids))
    return Anonymised(done, batches, attachments, _forget_callers(app, before, by))


def _forget_callers(app: App, before: date, by: str) -> int:
    """The callers' numbers of the calls (话务记录) before the day, unless a case registered on one still keeps its
    requester's (not finished, or a 信访件): the call's times and agent stay for the figures."""
    c, link, r = t.calls, t.call_cases, t.requests
    kept = select(link.c.call_ref).join(r, r.c.id == link.c.request_id).where(r.c.anonymised_at.is_(None))
    with app.uow() as uow:
        forgotten = uow.connection.execute(update(c).where(
            c.c.offered_at < datetime.combine(before, time(), SHANGHAI), c.c.caller_phone.is_not(None),
            c.c.ref.not_in(kept)).values(caller_phone=None, caller_key=None)).rowcount
        if forgotten:
            record(uow.connection, app.now(), by, "retention.anonymise", "话务记录",
                   {"calls": forgotten, "received_before": before.isoformat()})
        uow.commit()
    return forgotten


def _cleaner(name: str) -> Callable[[str | None], str | None]:
    return lambda text: pii.mask_with_name(text, name)


def _anonymise_batch(app: App, c, ids: list[int]) -> int:
    """Each case of the batch and what was written about it, with one statement per table (executemany), and only
    the step and callback rows whose text changes rewritten. Returns how many attachments were deleted."""
    r, e, f = t.requests, t.events, t.follow_ups
    rows = c.execute(select(r.c.id, *(r.c[name] for name in text_index.SEARCHED), r.c.sensitive,
                            r.c.requester_name, r.c.version).where(r.c.id.in_(ids))).all()
    cleaners = {row.id: _cleaner(app.cipher.decrypt(row.requester_name) if row.requester_name else "") for row in rows}
    now = app.now()
    c.execute(update(r).where(r.c.id == bindparam("case_id")).values(
        title=bindparam("new_title"), content=bindparam("new_content"), reply=bindparam("new_reply"),
        keywords=bindparam("new_keywords"), supplements=bindparam("new_supplements"), notes=bindparam("new_notes"),
        sensitive=bindparam("new_sensitive"), requester_name=None, requester_phone=None, requester_key=None, anonymised_at=now, updated_at=now,
        version=bindparam("new_version")),
        [{"case_id": row.id, "new_title": cleaners[row.id](row.title), "new_content": cleaners[row.id](row.content),
          "new_reply": cleaners[row.id](row.reply), "new_keywords": cleaners[row.id](row.keywords),
          "new_supplements": cleaners[row.id](row.supplements), "new_sensitive": cleaners[row.id](row.sensitive),
          "new_notes": cleaners[row.id](row.notes),
          "new_version": row.version + 1} for row in rows])
    text_index.write(c, [(row.id, text_index.said(  # the pairs of a name or a number masked go with them
        *(cleaners[row.id](getattr(row, name)) for name in text_index.SEARCHED)))
        for row in rows])
    steps = []
    for step in c.execute(select(e.c.request_id, e.c.seq, e.c.note, e.c.changes).where(e.c.request_id.in_(ids))):
        clean = cleaners[step.request_id]
        changes = {key: [clean(v) if isinstance(v, str) else v for v in values]
                   for key, values in (step.changes or {}).items()}
        note = clean(step.note) or ""
        if note != step.note or changes != (step.changes or {}):
            steps.append({"case_id": step.request_id, "step": step.seq, "new_note": note, "new_changes": changes})
    if steps:
        c.execute(update(e).where(e.c.request_id == bindparam("case_id"), e.c.seq == bindparam("step"))
                  .values(note=bindparam("new_note"), changes=bindparam("new_changes")), steps)
    callbacks = []
    for callback in c.execute(select(f.c.request_id, f.c.seq, f.c.note).where(f.c.request_id.in_(ids))):
        note = cleaners[callback.request_id](callback.note) or ""
        if note != callback.note:
            callbacks.append({"case_id": callback.request_id, "step": callback.seq, "new_note": note})
    if callbacks:
        c.execute(update(f).where(f.c.request_id == bindparam("case_id"), f.c.seq == bindparam("step"))
                  .values(note=bindparam("new_note")), callbacks)
    c.execute(t.citizen_access.delete().where(t.citizen_access.c.request_id.in_(ids)))
    c.execute(t.notifications.delete().where(t.notifications.c.request_id.in_(ids)))  # they hold code and reply
    c.execute(t.sms_replies.delete().where(t.sms_replies.c.request_id.in_(ids)))  # what the requester texted back
    return c.execute(t.attachments.delete().where(t.attachments.c.request_id.in_(ids))).rowcount
