"""短信通知: the requester is told by text message that the case was received (ticket and tracking code) and what
was done about it.

A transactional outbox: each notice is a row of `notifications` written in the transaction that registers the case
or records its answer, so a notice exists exactly when what it tells does, and none is lost when the gateway is
down. `deliver_due` (run by `jiesu notify send`, one process or several) claims due notices one by one, posts each
to the SMS gateway and records the outcome; a failed attempt is tried again later (`domain/notices.RETRY_AFTER`),
then given up and shown as failed. Delivery is at least once: a worker that dies between the gateway's answer
and the record of it leaves the notice to be sent again after `STALE`.

The body is encrypted like the requester's name and phone (it holds the tracking code); the phone is read from the
case when the notice is sent, so an anonymised case is never texted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import httpx
from sqlalchemy import func, insert, select, update

from jiesu.bootstrap import App
from jiesu.domain.errors import InvalidInput
from jiesu.domain.notices import NoticeKind, NoticeStatus, answered_text, next_attempt, registered_text
from jiesu.domain.request import CitizenRequest
from jiesu.domain.validation import is_mobile
from jiesu.domain.workflow import Status
from jiesu.storage import tables as t

STALE = timedelta(minutes=10)  # a notice claimed this long ago by a worker that never reported has to be sent again
_n = t.notifications


class DeliveryError(Exception):
    """The gateway did not take the message (the reason is kept with the notice)."""


class SmsGateway(Protocol):
    def send(self, phone: str, text: str, reference: str) -> None: ...


class HttpSmsGateway:
    """Posts `{"to", "text", "ref"}` as JSON to the configured address (a bearer token when one is set); any 2xx
    answer means taken. The provider's own API sits behind that address (an adapter the centre runs, or a provider
    that accepts this form)."""

    def __init__(self, url: str, token: str = "", client: httpx.Client | None = None, timeout: float = 10) -> None:
        self.url = url
        self.client = client or httpx.Client(timeout=timeout)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def send(self, phone: str, text: str, reference: str) -> None:
        try:
            answer = self.client.post(self.url, json={"to": phone, "text": text, "ref": reference},
                                      headers=self.headers)
        except httpx.HTTPError as error:
            raise DeliveryError(f"短信网关无法连接：{type(error).__name__}: {error}") from None
        if not answer.is_success:
            raise DeliveryError(f"短信网关拒绝：HTTP {answer.status_code} {answer.text[:200]}")


def gateway_from_settings(app: App) -> HttpSmsGateway:
    if not app.settings.sms_gateway_url:
        raise InvalidInput("未配置短信网关：请设置 JIESU_SMS_GATEWAY_URL（可选 JIESU_SMS_GATEWAY_TOKEN）",
                           field="JIESU_SMS_GATEWAY_URL")
    return HttpSmsGateway(app.settings.sms_gateway_url, app.settings.sms_gateway_token)


# --- writing notices, inside the caller's transaction ------------------------------------------------------------
def _enqueue(app: App, connection, request_id: int, phone: str | None, kind: NoticeKind, text: str) -> None:
    if not (app.settings.notify_citizens and is_mobile(phone)):
        return
    now = app.now()
    connection.execute(insert(_n).values(request_id=request_id, kind=kind.value, body=app.cipher.encrypt(text),
                                         status=NoticeStatus.PENDING.value, attempts=0, created_at=now,
                                         next_attempt_at=now))


def on_registered(app: App, connection, request: CitizenRequest, code: str) -> None:
    """The 受理 notice of a case just registered, with the tracking code told to the citizen."""
    _enqueue(app, connection, request.id, request.requester.phone, NoticeKind.REGISTERED,
             registered_text(app.settings.hotline_name, request.ticket, code, app.settings.public_url))


ANSWERED = (Status.ANSWERED, Status.AWAITING_FOLLOW_UP)  # 直接办结; the reply accepted (审核通过)


def on_changed(app: App, connection, before: Status, request: CitizenRequest) -> None:
    """After an action: when the case has just been answered, the 办结 notice to its requester and to the
    requesters of the cases merged into it (they are told the same answer)."""
    if request.status == before or request.status not in ANSWERED:
        return
    r = t.requests
    told = [(request.id, request.ticket, request.requester.phone)]
    if request.merged_ids:
        told += [(x.id, x.ticket, app.cipher.decrypt(x.requester_phone)) for x in connection.execute(
            select(r.c.id, r.c.ticket, r.c.requester_phone).where(
                r.c.id.in_(request.merged_ids), r.c.status == Status.MERGED.value).order_by(r.c.id))]
    for case_id, ticket, phone in told:
        _enqueue(app, connection, case_id, phone, NoticeKind.ANSWERED,
                 answered_text(app.settings.hotline_name, ticket, request.reply, app.settings.public_url))


# --- delivering --------------------------------------------------------------------------------------------------
@dataclass
class Delivered:
    sent: int = 0
    retrying: int = 0  # failed this time, to be tried again
    failed: int = 0  # given up
    cancelled: int = 0  # no mobile number left on the case (anonymised)


def _claim(app: App, limit: int) -> list[int]:
    """Take up to `limit` due notices for this worker (each claimed by one worker only: a conditional update)."""
    now = app.now()
    due = ((_n.c.status == NoticeStatus.PENDING.value) & (_n.c.next_attempt_at <= now)) | (
        (_n.c.status == NoticeStatus.SENDING.value) & (_n.c.next_attempt_at <= now - STALE))
    claimed = []
    with app.uow() as uow:
        for notice_id, status in uow.connection.execute(select(_n.c.id, _n.c.status).where(due).order_by(_n.c.id)
                                                        .limit(limit)).all():
            taken = uow.connection.execute(update(_n).where(_n.c.id == notice_id, _n.c.status == status).values(
                status=NoticeStatus.SENDING.value, next_attempt_at=now)).rowcount
            if taken:
                claimed.append(notice_id)
        uow.commit()
    return claimed


def deliver_due(app: App, gateway: SmsGateway, limit: int = 100,
                progress: Callable[[int], None] | None = None) -> Delivered:
    """Send the notices that are due (new ones, and failed ones whose wait is over), at most `limit`."""
    result = Delivered()
    for notice_id in _claim(app, limit):
        with app.uow(read_only=True) as uow:
            row = uow.connection.execute(select(_n.c.body, _n.c.attempts, t.requests.c.requester_phone)
                                         .join(t.requests, t.requests.c.id == _n.c.request_id)
                                         .where(_n.c.id == notice_id)).one()
        phone = app.cipher.decrypt(row.requester_phone)
        values: dict = {}
        if not is_mobile(phone):
            values, result.cancelled = {"status": NoticeStatus.CANCELLED.value}, result.cancelled + 1
        else:
            try:
                gateway.send(phone, app.cipher.decrypt(row.body), f"jiesu-{notice_id}")
                values, result.sent = {"status": NoticeStatus.SENT.value, "sent_at": app.now(),
                                       "attempts": row.attempts + 1, "last_error": None}, result.sent + 1
            except DeliveryError as error:
                attempts = row.attempts + 1
                wait = next_attempt(attempts)
                values = {"attempts": attempts, "last_error": str(error)[:300],
                          "status": (NoticeStatus.PENDING if wait else NoticeStatus.FAILED).value,
                          "next_attempt_at": app.now() + (wait or timedelta(0))}
                if wait:
                    result.retrying += 1
                else:
                    result.failed += 1
        with app.uow() as uow:
            uow.connection.execute(update(_n).where(_n.c.id == notice_id).values(**values))
            uow.commit()
        if progress:
            progress(1)
    return result


# --- reading -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Notice:
    id: int
    kind: NoticeKind
    status: NoticeStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def for_case(connection, request_id: int) -> list[Notice]:
    """The notices of one case, oldest first (without their text: it holds the tracking code)."""
    rows = connection.execute(select(_n.c.id, _n.c.kind, _n.c.status, _n.c.attempts, _n.c.last_error,
                                     _n.c.created_at, _n.c.sent_at)
                              .where(_n.c.request_id == request_id).order_by(_n.c.id)).all()
    return [Notice(x.id, NoticeKind(x.kind), NoticeStatus(x.status), x.attempts, x.last_error, x.created_at,
                   x.sent_at) for x in rows]


@dataclass
class Outbox:
    counts: dict[NoticeStatus, int]
    oldest_waiting: datetime | None  # the oldest notice not sent yet (pending or being sent)
    recent_failures: list[tuple[int, str, str | None]]  # (notice id, ticket, reason) of the last given-up ones


def outbox(app: App) -> Outbox:
    with app.uow(read_only=True) as uow:
        c = uow.connection
        counts = {NoticeStatus(s): n for s, n in c.execute(select(_n.c.status, func.count()).group_by(_n.c.status))}
        oldest = c.execute(select(func.min(_n.c.created_at)).where(
            _n.c.status.in_([NoticeStatus.PENDING.value, NoticeStatus.SENDING.value]))).scalar()
        failures = c.execute(select(_n.c.id, t.requests.c.ticket, _n.c.last_error)
                             .join(t.requests, t.requests.c.id == _n.c.request_id)
                             .where(_n.c.status == NoticeStatus.FAILED.value).order_by(_n.c.id.desc()).limit(10)).all()
    return Outbox(counts, oldest, [tuple(x) for x in failures])
