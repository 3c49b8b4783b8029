"""短信评价: a requester answers the 办结 text message, and the answer is their callback.

The SMS gateway posts each message a requester sends back (`POST /api/v1/sms/inbound`). A reply that is a rating
(`domain/notices.parse_rating`: 1–4, or the words of the four answers) to the latest case of the number that
waits for this requester's callback is recorded as that callback (回访, by the requester, as on the portal), in the
transaction that stores the message. Anything else from a number that has cases — words instead of a digit, a
rating of a case already called back — waits on the 回访台 for an agent to read and deal with. A message from a
number with no case is counted and not kept (it is nobody's request). Every message's text is encrypted at rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from jiesu.bootstrap import App
from jiesu.domain import validation
from jiesu.domain.enums import Role
from jiesu.domain.errors import ConflictError, InvalidInput, NotFound
from jiesu.domain.notices import parse_rating
from jiesu.domain.request import Actor, CitizenRequest
from jiesu.domain.workflow import Action, Status
from jiesu.services.audit import record
from jiesu.storage import tables as t
from jiesu.storage.unit_of_work import UnitOfWork

RATED, FOR_AGENT, NO_CASE = "rated", "for_agent", "no_case"
OUTCOME_LABELS = {RATED: "已记为回访", FOR_AGENT: "待坐席处理", NO_CASE: "该号码无诉求"}
MAX_TEXT = 500  # characters of a reply kept (a long message arrives in parts; the gateway joins them)
LOOKED_AT = 20  # the number's latest cases looked at for the one waiting for its callback
SHOWN_DAYS = 30  # how long an unhandled reply stays on the 回访台
REQUESTER = Actor("诉求人（短信）", Role.CITIZEN)
CALLED_BACK_FROM = (Status.AWAITING_FOLLOW_UP, Status.CLOSED)  # closed: its merged requesters' callbacks may wait


@dataclass(frozen=True)
class Received:
    outcome: str
    ticket: str | None = None  # the case it was taken for


@dataclass(frozen=True)
class Waiting:
    """A reply waiting for an agent: the case it concerns, and what it says (personal data masked on display)."""

    id: int
    received_at: datetime
    request_id: int
    ticket: str
    requester_ref: int | None
    text: str
    status: str


def receive(app: App, sender: str, text: str, message_id: str | None = None) -> Received:
    """Store one reply and act on it, in one transaction; a `message_id` seen before gives the earlier outcome."""
    sender = (sender or "").strip()
    if sender.isdigit() and len(sender) == 13 and sender.startswith("86"):
        sender = sender[2:]  # as some gateways write a mainland mobile: country code without the plus
    number = validation.phone(sender, field="from")
    if not number:
        raise InvalidInput("缺少发信号码", field="from")
    text = (text or "").strip()
    if not text:
        raise InvalidInput("短信内容为空", field="text")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"短信内容超过 {MAX_TEXT} 字", field="text")
    message_id = (message_id or "").strip() or None
    if message_id is not None and len(message_id) > 100:
        raise InvalidInput("消息编号超过 100 字符", field="id")
    try:
        return _store(app, number, text, message_id)
    except (IntegrityError, ConflictError):
        # the same message posted twice at once (a gateway retrying before the first answer came): the other post
        # stored it first, so its outcome is the answer; anything else is the error it was
        if message_id is not None:
            with app.uow(read_only=True) as uow:
                earlier = _earlier(uow, message_id)
            if earlier is not None:
                return earlier
        raise


def _earlier(uow: UnitOfWork, message_id: str) -> Received | None:
    s = t.sms_replies
    row = uow.connection.execute(select(s.c.outcome, t.requests.c.ticket).join(
        t.requests, t.requests.c.id == s.c.request_id, isouter=True).where(s.c.message_id == message_id)).first()
    return Received(row.outcome, row.ticket) if row is not None else None


def _store(app: App, number: str, text: str, message_id: str | None) -> Received:
    s = t.sms_replies
    with app.uow() as uow:
        if message_id is not None:
            earlier = _earlier(uow, message_id)
            if earlier is not None:
                return earlier
        found = _callee(uow, app.cipher.lookup_keys(number))
        rating = parse_rating(text)
        if found is None:
            outcome, case, ref = NO_CASE, None, None
        else:
            case, ref, waiting = found
            outcome = RATED if waiting and rating is not None else FOR_AGENT
        if outcome == RATED and case is not None and rating is not None:
            from jiesu.services.cases import ActionInput, act_within

            solved, satisfaction = rating
            act_within(app, uow, case, REQUESTER, Action.FOLLOW_UP, ActionInput(
                solved=solved, satisfaction=satisfaction.value, note=f"短信评价：回复「{text}」", requester_ref=ref))
        uow.connection.execute(insert(s).values(
            message_id=message_id, received_at=app.now(), request_id=case.stored_id if case else None,
            requester_ref=ref, text=app.cipher.encrypt(text) if case is not None else None, outcome=outcome))
        uow.commit()
    return Received(outcome, case.ticket if case else None)


def _callee(uow: UnitOfWork, keys: list[str]) -> tuple[CitizenRequest, int | None, bool] | None:
    """(the case, the merged requester's case id or None, whether the callback waits) that a reply from the number
    answers: the latest of its cases whose callback to this requester is due — on the case itself, or, for a case
    merged into another (并单), on the master; failing that, its latest answered case, for an agent to read."""
    r = t.requests
    ids = uow.connection.execute(select(r.c.id).where(r.c.requester_key.in_(keys))
                                 .order_by(r.c.id.desc()).limit(LOOKED_AT)).scalars().all() if keys else []
    latest: tuple[CitizenRequest, int | None, bool] | None = None
    for case_id in ids:
        case = uow.requests.get(case_id)
        target, ref = case, None
        if case.status == Status.MERGED and case.master_id is not None:
            target, ref = uow.requests.get(case.master_id), case.stored_id
        if target.status in CALLED_BACK_FROM and ref in target.callable_now():  # a merged requester texting before
            # the master's own was called back: for an agent, not a refused callback that loses the message
            return target, ref, True
        if latest is None and target.status in (Status.AWAITING_FOLLOW_UP, Status.CLOSED, Status.ARCHIVED,
                                                  Status.ANSWERED):
            latest = (target, ref, False)
    if latest is None and ids:
        newest = uow.requests.get(ids[0])
        latest = (newest, None, False)
    return latest


@dataclass(frozen=True)
class Reply:
    received_at: datetime
    text: str
    outcome_label: str
    handled_at: datetime | None
    handled_by: str | None


def for_case(app: App, connection, request_id: int) -> list[Reply]:
    """What the requesters of a case texted back about it (a merged requester's too, on the master), oldest first."""
    s = t.sms_replies
    rows = connection.execute(select(s.c.received_at, s.c.text, s.c.outcome, s.c.handled_at, s.c.handled_by)
                              .where(s.c.request_id == request_id).order_by(s.c.id)).all()
    return [Reply(row.received_at, app.cipher.decrypt(row.text), OUTCOME_LABELS[row.outcome], row.handled_at,
                  row.handled_by) for row in rows]


def waiting(app: App, limit: int = 100) -> list[Waiting]:
    """The replies of the last SHOWN_DAYS an agent has yet to deal with, newest first."""
    s, r = t.sms_replies, t.requests
    since = app.now() - timedelta(days=SHOWN_DAYS)
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(
            select(s.c.id, s.c.received_at, s.c.request_id, s.c.requester_ref, s.c.text, r.c.ticket, r.c.status)
            .join(r, r.c.id == s.c.request_id)
            .where(s.c.outcome == FOR_AGENT, s.c.handled_at.is_(None), s.c.received_at >= since)
            .order_by(s.c.id.desc()).limit(limit)).all()
    return [Waiting(row.id, row.received_at, row.request_id, row.ticket, row.requester_ref,
                    app.cipher.decrypt(row.text), Status(row.status).label) for row in rows]


def mark_handled(app: App, reply_id: int, by: str) -> None:
    """An agent has dealt with a reply (called the requester, recorded the callback, …): it leaves the 回访台."""
    s = t.sms_replies
    with app.uow() as uow:
        row = uow.connection.execute(select(s.c.outcome, s.c.handled_at, s.c.request_id)
                                     .where(s.c.id == reply_id)).first()
        if row is None or row.outcome != FOR_AGENT:
            raise NotFound(f"没有待处理的短信回复 {reply_id}", field="reply")
        if row.handled_at is not None:
            raise ConflictError("这条短信回复已有人处理", field="reply")
        uow.connection.execute(update(s).where(s.c.id == reply_id).values(handled_at=app.now(), handled_by=by))
        record(uow.connection, app.now(), by, "sms_reply.handled", f"短信回复 {reply_id}",
               {"request_id": row.request_id})
        uow.commit()
