"""话务记录: the telephony's call records taken in, linked to the cases registered on them, and read back.

The telephony (ACD/CTI) posts its call records (`POST /api/v1/calls`, with the token in `JIESU_TELEPHONY_TOKEN`) or
a centre loads its switch's export (`jiesu calls import cdr.csv`). A batch is checked whole and stored in one
transaction, with its line of the audit trail; a record whose call id is stored already is skipped (a telephony
retrying a post, an export loaded twice), so nothing is counted twice. The caller's number is personal data:
encrypted at rest, with a keyed hash for finding a caller's calls, never shown in the figures.

An agent's softphone opens the intake with the call's id (`/intake?phone=…&call_ref=…`); the case registered then
is linked to the call in the intake's transaction (`link`), whether the record has arrived yet or not."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from jiesu.bootstrap import App
from jiesu.domain import calls as domain
from jiesu.domain.calendar import SHANGHAI
from jiesu.domain.enums import Role
from jiesu.domain.errors import ConflictError, InvalidInput, NotFound
from jiesu.services.audit import record
from jiesu.storage import tables as t

SHOWN_TO = (Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)  # the call a case came on: the centre's own
MAX_BATCH = 5_000  # records a post may carry (a switch sends its records every few seconds or minutes)
COLUMNS = ("ref", "caller", "offered_at", "answered_at", "ended_at", "agent", "wrapped_at")  # a CSV export's header
# (wrapped_at, the end of the after-call work, where the switch reports it)


@dataclass(frozen=True)
class Received:
    stored: int
    already: int  # records whose call id was stored before (or twice in the batch): skipped


def receive(app: App, records: Iterable[Mapping], by: str) -> Received:
    """A post of the telephony: every record checked (an error names it: `calls[3].ended_at`), then the new ones
    stored together, in one transaction."""
    calls, repeated = _checked(app, records, lambda number: f"calls[{number}].", "calls", limit=MAX_BATCH)
    try:
        return _store(app, calls, repeated, by)
    except IntegrityError:  # the same records posted twice at once: the other post stored some first
        return _store(app, calls, repeated, by)


def load(app: App, records: Sequence[Mapping], by: str, where: Callable[[int], str],
         progress: Callable[[int], None] | None = None) -> Received:
    """A switch's export, however long: every record checked first (one bad record is named and nothing is stored),
    then stored MAX_BATCH at a time, each batch one transaction with its audit line; an export interrupted half way
    may simply be loaded again (the calls stored are skipped)."""
    calls, repeated = _checked(app, records, where, "file")
    stored = already = 0
    for start in range(0, len(calls), MAX_BATCH):
        batch = calls[start:start + MAX_BATCH]
        done = _store(app, batch, 0, by)
        stored, already = stored + done.stored, already + done.already
        if progress:
            progress(len(batch))
    if progress and repeated:  # the lines that repeated a call id, counted as done
        progress(repeated)
    return Received(stored, already + repeated)


def _checked(app: App, records: Iterable[Mapping], where: Callable[[int], str], field: str,
             limit: int | None = None) -> tuple[list[domain.Call], int]:
    """The records parsed whole, the last of each call id kept, and how many repeated one before them."""
    now = app.now()
    checked: dict[str, domain.Call] = {}
    repeated = 0
    for number, item in enumerate(records):
        if limit is not None and number >= limit:
            raise InvalidInput(f"一次最多 {limit} 条话务记录", field=field)
        call = domain.parse(ref=item.get("ref"), caller=item.get("caller"), offered_at=item.get("offered_at"),
                            answered_at=item.get("answered_at"), ended_at=item.get("ended_at"),
                            agent=item.get("agent"), now=now, field=where(number), wrapped_at=item.get("wrapped_at"))
        repeated += call.ref in checked
        checked[call.ref] = call
    if not checked:
        raise InvalidInput("没有话务记录", field=field)
    return list(checked.values()), repeated


def _store(app: App, calls: list[domain.Call], repeated: int, by: str) -> Received:
    c = t.calls
    with app.uow() as uow:
        known: set[str] = set()
        refs = [call.ref for call in calls]
        for start in range(0, len(refs), 500):
            known |= set(uow.connection.execute(select(c.c.ref).where(c.c.ref.in_(refs[start:start + 500])))
                         .scalars())
        new = [call for call in calls if call.ref not in known]
        now = app.now()
        if new:
            uow.connection.execute(insert(c), [{
                "ref": call.ref, "caller_phone": app.cipher.encrypt(call.caller),
                "caller_key": app.cipher.lookup_key(call.caller), "offered_at": call.offered_at,
                "answered_at": call.answered_at, "ended_at": call.ended_at, "agent": call.agent,
                "wrapped_at": call.wrapped_at, "received_at": now} for call in new])
        record(uow.connection, now, by, "calls.receive", "话务记录", {
            "stored": len(new), "already": len(calls) - len(new) + repeated,
            "first": min(call.offered_at for call in calls).isoformat(),
            "last": max(call.offered_at for call in calls).isoformat()})
        uow.commit()
    return Received(len(new), len(calls) - len(new) + repeated)


def link(connection, call_ref: str, request_id: int) -> None:
    """The case registered on the call (in the intake's transaction)."""
    connection.execute(insert(t.call_cases).values(call_ref=call_ref, request_id=request_id))


@dataclass(frozen=True)
class CaseCall:
    """A call a case was registered on, as the case page shows it (no number: the case has the requester's)."""

    ref: str
    offered_at: datetime | None  # None: the telephony's record has not arrived yet
    wait_seconds: float | None
    talk_seconds: float | None
    agent: str | None


def of_case(connection, request_id: int) -> list[CaseCall]:
    c, link_ = t.calls, t.call_cases
    rows = connection.execute(select(link_.c.call_ref, c.c.offered_at, c.c.answered_at, c.c.ended_at, c.c.agent)
                              .join(c, c.c.ref == link_.c.call_ref, isouter=True)
                              .where(link_.c.request_id == request_id).order_by(link_.c.call_ref)).all()
    found = []
    for row in rows:
        if row.offered_at is None:
            found.append(CaseCall(row.call_ref, None, None, None, None))
            continue
        call = domain.Call(row.call_ref, "", row.offered_at, row.answered_at, row.ended_at, row.agent)
        found.append(CaseCall(call.ref, call.offered_at, call.wait_seconds, call.talk_seconds, call.agent))
    return found


def read_csv(path: Path) -> list[dict]:
    """A switch's export: a header with `COLUMNS` (others ignored); times ISO 8601, Beijing time where no offset is
    written (as exports are); an empty answered_at for a call nobody answered. Errors name the line."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InvalidInput(f"无法读取 {path}：{error}", field="file") from error
    if rows and (missing := [name for name in ("ref", "offered_at", "ended_at") if name not in rows[0]]):
        raise InvalidInput(f"缺少列：{'、'.join(missing)}（应有 {','.join(COLUMNS)}）", field="file")
    records = []
    for line, row in enumerate(rows, start=2):
        item: dict = {"ref": row.get("ref"), "caller": row.get("caller"), "agent": row.get("agent")}
        for name in ("offered_at", "answered_at", "ended_at", "wrapped_at"):
            item[name] = _moment((row.get(name) or "").strip(), f"第 {line} 行 {name}")  # line = number + 2
        records.append(item)
    return records


def _moment(text: str, field: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise InvalidInput(f"时间 {text[:40]!r} 应为 ISO 8601（如 2026-12-01 09:30:05）", field=field) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def figures_since(app: App, since: datetime) -> domain.Figures:
    """The figures of the calls offered since a moment (the demo's summary; the dashboards read the store)."""
    c = t.calls
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(select(c.c.ref, c.c.offered_at, c.c.answered_at, c.c.ended_at, c.c.agent)
                                      .where(c.c.offered_at >= since)).all()
    return domain.summarise([domain.Call(row.ref, "", row.offered_at, row.answered_at, row.ended_at, row.agent)
                             for row in rows])


# --- 呼损回拨: calling back the callers who gave up in the queue ----------------------------------------------------
MISSED_WITHIN = timedelta(hours=24)  # a caller who gave up longer ago than this is not called back any more
CALLBACK_TRIES = 3  # calls back nobody answered before the caller leaves the list
SHOWN = 100  # callers listed at once (the latest first): more than a shift calls back before new ones come


@dataclass(frozen=True)
class Missed:
    """A caller who gave up in the queue and has not got through since, as the 回访台 lists them (number masked)."""

    call_id: int  # their latest call given up
    caller: str  # masked
    gave_up: int  # calls given up in the window
    last_at: datetime
    waited: float  # seconds, before the latest gave up
    tries: int  # calls back already made (nobody answered)
    called_back_at: datetime | None
    called_back_by: str | None


def _gave_up(row) -> bool:
    """A call nobody answered that the caller waited on past SHORT_ABANDON (呼损; a hang-up within seconds is not)."""
    return (row.ended_at - row.offered_at).total_seconds() > domain.SHORT_ABANDON


def _through_since(c):
    """Whether the caller of a call got through after it: an answered call of theirs or a case of their number
    since — looked up through the callers' own indexes, not every call of the day."""
    later, case = t.calls.alias("later"), t.requests
    return or_(exists().where(later.c.caller_key == c.c.caller_key, later.c.answered_at >= c.c.offered_at),
               exists().where(case.c.requester_key == c.c.caller_key, case.c.received_at >= c.c.offered_at))


def missed(app: App, shown: int = SHOWN) -> tuple[list[Missed], int, int]:
    """The callers to call back, the latest first (the first `shown` of them): each with a call given up (呼损, not a
    hang-up within seconds) in the last MISSED_WITHIN, no answered call and no case of their number since, and fewer
    than CALLBACK_TRIES calls back; how many such callers there are; and how many calls given up came from a withheld
    number (nobody to call)."""
    from jiesu.nlp import pii

    c = t.calls
    now = app.now()
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(select(
            c.c.id, c.c.caller_key, c.c.offered_at, c.c.ended_at, c.c.callback_tries, c.c.called_back_at,
            c.c.called_back_by).where(
            c.c.answered_at.is_(None), c.c.offered_at >= now - MISSED_WITHIN, c.c.callback_tries < CALLBACK_TRIES,
            or_(c.c.caller_key.is_(None), ~_through_since(c))).order_by(c.c.offered_at)).all()
        given_up = [row for row in rows if _gave_up(row)]
        by_caller: dict[str, list] = {}
        for row in given_up:
            if row.caller_key:
                by_caller.setdefault(row.caller_key, []).append(row)
        waiting = sorted(by_caller.values(), key=lambda calls_of: calls_of[-1].offered_at, reverse=True)
        latest = [calls_of[-1].id for calls_of in waiting[:shown]]
        numbers = dict(uow.connection.execute(select(c.c.id, c.c.caller_phone).where(c.c.id.in_(latest))).all()) \
            if latest else {}
    listed = []
    for calls_of in waiting[:shown]:
        last = calls_of[-1]
        back = max((row for row in calls_of if row.called_back_at), key=lambda row: row.called_back_at, default=None)
        listed.append(Missed(last.id, pii.mask(app.cipher.decrypt(numbers[last.id])), len(calls_of), last.offered_at,
                             (last.ended_at - last.offered_at).total_seconds(),
                             max(row.callback_tries for row in calls_of), back.called_back_at if back else None,
                             back.called_back_by if back else None))
    return listed, len(waiting), sum(1 for row in given_up if not row.caller_key)


DIALLING = timedelta(minutes=15)  # how long the intake page shows the number of a call back the agent started


def call_back(app: App, call_id: int, by: str) -> None:
    """An agent calls back the caller of a call given up: the try is recorded on each of the caller's calls given up
    in the window (audited: the intake page shows the agent the number in full, `calling_back`). A caller who gets
    through is registered as any caller; one who does not is tried again, CALLBACK_TRIES at most."""
    c = t.calls
    now = app.now()
    with app.uow() as uow:
        row = uow.connection.execute(select(c).where(c.c.id == call_id)).first()
        if row is None or row.answered_at is not None or not row.caller_key:
            raise NotFound("没有这通可回拨的未接来电", field="call_id")
        if row.offered_at < now - MISSED_WITHIN or row.callback_tries >= CALLBACK_TRIES:
            raise ConflictError("这通未接来电已不在回拨范围（超过 24 小时或已回拨 3 次）", field="call_id")
        tried = uow.connection.execute(update(c).where(
            c.c.caller_key == row.caller_key, c.c.answered_at.is_(None), c.c.offered_at >= now - MISSED_WITHIN)
            .values(callback_tries=c.c.callback_tries + 1, called_back_at=now, called_back_by=by)).rowcount
        record(uow.connection, now, by, "calls.call_back", f"来电 {row.ref}", {"calls": tried})
        uow.commit()


def calling_back(app: App, call_id: int, by: str) -> str | None:
    """The number of a call back `by` started in the last DIALLING minutes (for the intake page it opens, so that
    the number travels in no address), None otherwise: nobody reads a caller's number this way without the call
    back in the audit trail."""
    c = t.calls
    with app.uow(read_only=True) as uow:
        row = uow.connection.execute(select(c.c.caller_phone).where(
            c.c.id == call_id, c.c.called_back_by == by, c.c.called_back_at >= app.now() - DIALLING)).first()
    return app.cipher.decrypt(row.caller_phone) if row is not None and row.caller_phone else None


@dataclass(frozen=True)
class GivenUp:
    """What became of the calls given up in the queue (呼损, after SHORT_ABANDON seconds) in a period."""

    calls: int
    called_back: int  # an agent called the caller back (呼损回拨), reached or not
    got_through: int  # not called back, but the caller got through later, or a case of theirs was registered
    withheld: int  # no number to call back

    @property
    def left(self) -> int:
        """Neither called back nor through since: the callers the centre lost."""
        return self.calls - self.called_back - self.got_through - self.withheld


def given_up(app: App, start: datetime, end: datetime) -> GivenUp:
    """The calls given up between `start` and `end` and what became of each, for the dashboard and 每日要情."""
    c = t.calls
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(select(c.c.offered_at, c.c.ended_at, c.c.caller_key, c.c.callback_tries,
                                             _through_since(c).label("reached")).where(
            c.c.answered_at.is_(None), c.c.offered_at >= start, c.c.offered_at < end)).all()
    counted = [row for row in rows if _gave_up(row)]
    withheld = sum(1 for row in counted if not row.caller_key)
    called = sum(1 for row in counted if row.caller_key and row.callback_tries)
    through = sum(1 for row in counted if row.caller_key and not row.callback_tries and row.reached)
    return GivenUp(len(counted), called, through, withheld)
