"""短信通知: the requester is told by text message that the case was received (ticket and tracking code) and what
was done about it.

A transactional outbox: each notice is a row of `notifications` written in the transaction that registers the case
or records its answer, so a notice exists exactly when what it tells does, and none is lost when the gateway is
down. `deliver_due` (run by `jiesu notify send`, one process or several) claims due notices one by one, posts each
to the SMS gateway and records the outcome; a failed attempt is tried again later (`domain/notices.RETRY_AFTER`),
then given up and shown as failed. Delivery is at least once: a worker that dies between the gateway's answer
and the record of it leaves the notice to be sent again after `STALE`.

A notice row is small, for the intake's sake: which case, which notice, and for the 受理 notice the tracking code,
encrypted like the requester's name and phone (sealed before the intake's transaction begins). The text is written
when the notice is sent, from the case as it is then (ticket, reply) and the settings (`domain/notices.py`); the
phone is read from the case then too, so an anonymised case is never texted."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

import httpx
from sqlalchemy import func, insert, select, update

from jiesu.bootstrap import App
from jiesu.domain.calendar import beijing_minute
from jiesu.domain.enums import Adoption, Channel, EmergencyLine, Urgency
from jiesu.domain.errors import InvalidInput
from jiesu.domain.notices import (
    LOGIN_CODE_MINUTES,
    TO_UNITS,
    NoticeKind,
    NoticeStatus,
    answered_text,
    due_soon_text,
    extended_text,
    handed_over_text,
    login_code_text,
    next_attempt,
    overdue_text,
    question_text,
    registered_text,
    report_due_soon_text,
    report_overdue_text,
    sensitive_text,
    urgent_dispatch_text,
    urgent_reminder_text,
)
from jiesu.domain.request import CitizenRequest
from jiesu.domain.routing import Directory
from jiesu.domain.validation import is_mobile
from jiesu.domain.workflow import Action, Status
from jiesu.nlp import pii
from jiesu.services import duty_roster
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


class FileSmsGateway:
    """Appends each message as a JSON line to a file instead of texting anyone (`file:///path` as the gateway):
    for a trial run, a staging site or the demo. The file holds numbers and codes in clear: keep it like the
    database."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, phone: str, text: str, reference: str) -> None:
        line = json.dumps({"to": phone, "text": text, "ref": reference}, ensure_ascii=False)
        try:
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except OSError as error:
            raise DeliveryError(f"短信文件无法写入：{error}") from None


def gateway_from_settings(app: App) -> SmsGateway:
    url = app.settings.sms_gateway_url
    if not url:
        raise InvalidInput("未配置短信网关：请设置 JIESU_SMS_GATEWAY_URL（可选 JIESU_SMS_GATEWAY_TOKEN；"
                           "试运行可用 file:///路径 写入文件）", field="JIESU_SMS_GATEWAY_URL")
    if url.startswith("file://"):
        return FileSmsGateway(Path(url.removeprefix("file://")))
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(f"短信网关地址应以 http://、https:// 或 file:// 开头：{url!r}", field="JIESU_SMS_GATEWAY_URL")
    return HttpSmsGateway(url, app.settings.sms_gateway_token)


# --- writing notices, inside the caller's transaction ------------------------------------------------------------
_INSERT = insert(_n)  # built once: building the statement per call cost more than the insert itself


def wanted(app: App, phone: str | None) -> bool:
    """Whether a requester with this (normalised) number is texted at all."""
    return app.settings.notify_citizens and is_mobile(phone)


def seal_code(app: App, phone: str | None, code: str) -> bytes | None:
    """The tracking code encrypted for the 受理 notice, before the intake's transaction (None: surely no notice;
    whether the number, once checked, is a mobile is decided in `on_registered`)."""
    return app.cipher.encrypt(code) if app.settings.notify_citizens and phone else None


def _enqueue(app: App, connection, request_id: int, kind: NoticeKind, sealed_code: bytes | None = None,
             unit: str | None = None) -> None:
    now = app.now()
    connection.execute(_INSERT, {"request_id": request_id, "kind": kind.value, "unit": unit, "code": sealed_code,
                                 "status": NoticeStatus.PENDING.value, "attempts": 0, "created_at": now,
                                 "next_attempt_at": now})


def on_registered(app: App, connection, request: CitizenRequest, sealed_code: bytes | None) -> None:
    """The 受理 notice of a case just registered, with its tracking code (`seal_code`; None: no notice); a 敏感诉求
    is reported to the centre's duty phone."""
    if sealed_code is not None and wanted(app, request.requester.phone):
        _enqueue(app, connection, request.stored_id, NoticeKind.REGISTERED, sealed_code)
    if request.sensitive:
        _to_centre(app, connection, request.stored_id, app.current_config().directory)


def _to_centre(app: App, connection, request_id: int, directory: Directory) -> None:
    """敏感诉求报告: to the hotline centre's duty phone (its 值班表's shift on now, else its standing one), so that
    whoever leads the shift hears of it at once, whatever the hour; nothing when the centre has no duty phone."""
    if directory.centre is not None:
        _to_duty_phone(app, connection, request_id, directory.centre.code, directory, NoticeKind.SENSITIVE)


def on_login_code(app: App, connection, request_id: int, sealed_code: bytes) -> None:
    """A one-time code for 我的诉求, texted to the requester of `request_id` (their latest case: the notice is kept
    with it, and shows on it)."""
    _enqueue(app, connection, request_id, NoticeKind.LOGIN_CODE, sealed_code)


ANSWERED = (Status.ANSWERED, Status.AWAITING_FOLLOW_UP)  # 直接办结; the reply accepted (审核通过)
HEARD_ON_THE_CALL = (Channel.PHONE, Channel.WALK_IN)  # a requester the agent told in person that it went to 110 …
CALLBACK_STATES = (Status.AWAITING_FOLLOW_UP.value, Status.CLOSED.value)  # a master whose merged requesters may wait


def on_changed(app: App, connection, before: Status, request: CitizenRequest, action: Action,
               directory: Directory) -> None:
    """After an action: an emergency dispatched, redispatched or raised to 紧急 while a unit has it is texted to the
    lead unit's duty phone; a case marked 敏感诉求 is reported to the centre's; the unit's question (请诉求人补充) is texted to the requester; an extension approved
    (延期) and a case just answered are texted to its requester and to the requesters of the cases merged into it
    (they are told the master's deadline and answer); a case handed over to an emergency line is texted to a requester
    who was not on the call (转紧急热线告知)."""
    if action in (Action.DISPATCH, Action.REDISPATCH, Action.CHANGE_URGENCY) and request.urgency == Urgency.EMERGENCY \
            and request.lead_unit:
        _to_duty_phone(app, connection, request.stored_id, request.lead_unit, directory, NoticeKind.URGENT_DISPATCH)
    if action == Action.CHANGE_SENSITIVITY and request.sensitive:  # marked by a person: the centre's duty phone
        _to_centre(app, connection, request.stored_id, directory)
    if action == Action.ASK_SUPPLEMENT and wanted(app, request.requester.phone):  # the unit's question, to them
        _enqueue(app, connection, request.stored_id, NoticeKind.QUESTION)
    if action == Action.HAND_OVER and request.channel not in HEARD_ON_THE_CALL and wanted(app, request.requester.phone):
        _enqueue(app, connection, request.stored_id, NoticeKind.HANDED_OVER)  # 转紧急热线: told where it went
    if action == Action.APPROVE_EXTENSION:  # 延期: the new 办结时限, to the requester and those merged into it
        for case_id in _requesters_to_text(app, connection, request):
            _enqueue(app, connection, case_id, NoticeKind.EXTENDED)
    if request.status == before or request.status not in ANSWERED:
        return
    for case_id in _requesters_to_text(app, connection, request):
        _enqueue(app, connection, case_id, NoticeKind.ANSWERED)


def _requesters_to_text(app: App, connection, request: CitizenRequest) -> list[int]:
    """The case itself if its requester is texted, then each case merged into it (并单) whose requester is: a
    requester merged into a case hears of it as its own requester does."""
    found = [request.stored_id] if wanted(app, request.requester.phone) else []
    if request.merged_ids:
        r = t.requests
        found += [merged_id for merged_id, phone in connection.execute(select(r.c.id, r.c.requester_phone).where(
            r.c.id.in_(request.merged_ids), r.c.status == Status.MERGED.value).order_by(r.c.id))
            if wanted(app, app.cipher.decrypt(phone))]
    return found


def _to_duty_phone(app: App, connection, request_id: int, unit_code: str, directory: Directory,
                   kind: NoticeKind) -> None:
    """To the unit's mobile on duty now (值班表), else its standing duty phone; the number is read again when the
    message is sent, so a shift that began meanwhile is the one told."""
    if app.settings.notify_units and duty_roster.phone_for(app, connection, unit_code, app.now(), directory):
        _enqueue(app, connection, request_id, kind, unit=unit_code)


def on_unacknowledged_emergency(app: App, connection, request_id: int, unit_code: str, directory: Directory) -> None:
    """An emergency found past its sign-for limit, not signed for (`jiesu sla scan`, once per breach): the lead
    unit's duty phone is texted again."""
    _to_duty_phone(app, connection, request_id, unit_code, directory, NoticeKind.URGENT_REMINDER)


def on_resolve_due_soon(app: App, connection, request_id: int, unit_code: str, directory: Directory) -> None:
    """A case found near its 办结时限, not answered (`jiesu sla scan`, once per deadline): its lead unit is told."""
    _to_duty_phone(app, connection, request_id, unit_code, directory, NoticeKind.DUE_SOON)


def on_resolve_overdue(app: App, connection, request_id: int, unit_code: str, directory: Directory) -> None:
    """A case found past its 办结时限, not answered (`jiesu sla scan`, once per breach): its lead unit is told."""
    _to_duty_phone(app, connection, request_id, unit_code, directory, NoticeKind.OVERDUE)


def on_report_overdue(app: App, connection, request_id: int, unit_code: str, directory: Directory) -> None:
    """A co-handler found past its 协办反馈 limit without reporting back (`jiesu sla scan`, once per breach): its duty
    phone is told."""
    _to_duty_phone(app, connection, request_id, unit_code, directory, NoticeKind.REPORT_OVERDUE)


def on_report_due_soon(app: App, connection, request_id: int, unit_code: str, directory: Directory) -> None:
    """A co-handler found near its 协办反馈 limit without reporting back (`jiesu sla scan`, once per deadline): its
    duty phone is told."""
    _to_duty_phone(app, connection, request_id, unit_code, directory, NoticeKind.REPORT_DUE_SOON)


def due_soon_told(connection, due: dict[tuple[int, str], datetime], window: timedelta,
                  kind: NoticeKind = NoticeKind.DUE_SOON) -> set[tuple[int, str]]:
    """Those of the (case, unit) pairs (→ the deadline near) already told their deadline is near: a notice of this
    kind (即将超期提醒, 协办即将到期提醒) to that unit written since `window` before the deadline (a deadline moved
    later by an extension is told again)."""
    if not due:
        return set()
    latest = connection.execute(select(_n.c.request_id, _n.c.unit, func.max(_n.c.created_at)).where(
        _n.c.kind == kind.value, _n.c.request_id.in_({rid for rid, _ in due})).group_by(_n.c.request_id, _n.c.unit))
    return {(rid, unit) for rid, unit, at in latest if (rid, unit) in due and at >= due[rid, unit] - window}


def text_of(app: App, connection, notice_id: int) -> tuple[str | None, str]:
    """(the mobile number to text or None, the text) of a notice, from its case as it is now. A merged case is
    told its master's reply."""
    r, master, u = t.requests, t.requests.alias("master"), t.units
    row = connection.execute(select(_n.c.kind, _n.c.code, r.c.ticket, r.c.title, r.c.division, r.c.requester_phone,
                                    r.c.requester_name, r.c.reply, master.c.reply.label("master_reply"),
                                    r.c.adoption, master.c.adoption.label("master_adoption"), u.c.name.label("unit_name"),
                                    r.c.resolve_due, r.c.status, master.c.status.label("master_status"),
                                    r.c.lead_unit, _n.c.unit, master.c.resolve_due.label("master_resolve_due"),
                                    master.c.lead_unit.label("master_lead_unit"), r.c.sensitive)
                             .join(r, r.c.id == _n.c.request_id).join(master, master.c.id == r.c.master_id, isouter=True)
                             .join(u, u.c.code == _n.c.unit, isouter=True)
                             .where(_n.c.id == notice_id)).one()
    hotline, portal = app.settings.hotline_name, app.settings.public_url
    if NoticeKind(row.kind) in TO_UNITS:  # to a unit (on duty now: 值班表): the requester's personal data masked
        duty_phone = duty_roster.phone_for(app, connection, row.unit, app.now(), app.current_config().directory)
        place = app.current_config().unit_names.get(row.division or "", "")
        name = app.cipher.decrypt(row.requester_name)
        told = (hotline, row.ticket, row.unit_name or "", pii.mask_with_name(row.title or "", name) or "", place)
        if row.kind in (NoticeKind.DUE_SOON.value, NoticeKind.OVERDUE.value):
            due = beijing_minute(row.resolve_due) if row.resolve_due else "—"
            late = due_soon_text if row.kind == NoticeKind.DUE_SOON.value else overdue_text
            return duty_phone, late(*told, due)
        if row.kind in (NoticeKind.REPORT_OVERDUE.value, NoticeKind.REPORT_DUE_SOON.value):  # the co-handler's
            # own limit, as it is now
            a = t.assignments
            due_at = connection.execute(select(a.c.report_due).where(
                a.c.request_id == _n.c.request_id, _n.c.id == notice_id, a.c.unit == row.unit, a.c.role == "co")
                .order_by(a.c.seq.desc()).limit(1)).scalar()
            lead = app.current_config().unit_names.get(row.lead_unit or "", "")
            owed = report_overdue_text if row.kind == NoticeKind.REPORT_OVERDUE.value else report_due_soon_text
            return duty_phone, owed(*told, beijing_minute(due_at) if due_at else "—", lead)
        if row.kind == NoticeKind.SENSITIVE.value:  # why, as the case has it now, the people in it masked; a case
            why = pii.mask_with_name(row.sensitive or "已取消标记", name) or ""  # no longer marked is reported to
            return duty_phone if row.sensitive else None, sensitive_text(*told, why)  # nobody (the notice cancelled)
        compose = urgent_dispatch_text if row.kind == NoticeKind.URGENT_DISPATCH.value else urgent_reminder_text
        return duty_phone, compose(*told)
    phone = app.cipher.decrypt(row.requester_phone) or None
    if row.kind == NoticeKind.REGISTERED.value:
        return phone, registered_text(hotline, row.ticket, app.cipher.decrypt(row.code), portal)
    if row.kind == NoticeKind.LOGIN_CODE.value:
        return phone, login_code_text(hotline, app.cipher.decrypt(row.code), LOGIN_CODE_MINUTES)
    if row.kind == NoticeKind.QUESTION.value:  # the unit's latest question, as it is when sent
        e = t.events
        question = connection.execute(select(e.c.note).where(
            e.c.request_id == _n.c.request_id, _n.c.id == notice_id, e.c.action == Action.ASK_SUPPLEMENT.value)
            .order_by(e.c.seq.desc()).limit(1)).scalar()
        return phone, question_text(hotline, row.ticket, question or "", portal)
    if row.kind == NoticeKind.HANDED_OVER.value:  # the line of the case's 转紧急热线
        e = t.events
        changes = connection.execute(select(e.c.changes).where(
            e.c.request_id == _n.c.request_id, _n.c.id == notice_id, e.c.action == Action.HAND_OVER.value)
            .order_by(e.c.seq.desc()).limit(1)).scalar()
        told = (changes or {}).get("line", [None, None])[1]
        return (phone, handed_over_text(hotline, row.ticket, EmergencyLine(told))) if told else (None, "")
    if row.kind == NoticeKind.EXTENDED.value:  # the deadline as it is when sent (a merged requester: the master's)
        due_at = row.master_resolve_due if row.master_lead_unit else row.resolve_due
        unit = app.current_config().unit_names.get(row.master_lead_unit or row.lead_unit or "", "")
        return phone, extended_text(hotline, row.ticket, unit, beijing_minute(due_at) if due_at else "—", portal)
    adoption = row.master_adoption if row.master_reply else row.adoption
    waits = (row.master_status in CALLBACK_STATES if row.master_status  # a merged requester: called back on the
             else row.status == Status.AWAITING_FOLLOW_UP.value)  # master, after its own requester too
    return phone, answered_text(hotline, row.ticket, row.master_reply or row.reply or "", portal,
                                Adoption.label_of(adoption) or None,
                                rate_by_reply=waits and bool(app.settings.sms_inbound_token))


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
            attempts = uow.connection.execute(select(_n.c.attempts).where(_n.c.id == notice_id)).scalar_one()
            phone, text = text_of(app, uow.connection, notice_id)
        values: dict = {}
        if not is_mobile(phone):
            values, result.cancelled = {"status": NoticeStatus.CANCELLED.value}, result.cancelled + 1
        else:
            try:
                gateway.send(phone, text, f"jiesu-{notice_id}")
                values, result.sent = {"status": NoticeStatus.SENT.value, "sent_at": app.now(),
                                       "attempts": attempts + 1, "last_error": None}, result.sent + 1
            except DeliveryError as error:
                attempts += 1
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


def keep_delivering(app: App, gateway: SmsGateway, every: float, report: Callable[[Delivered], None],
                    limit: int = 100, on_error: Callable[[Exception], None] | None = None) -> None:
    """The worker beside the server: deliver what is due, report it, wait `every` seconds, for ever. An error
    stops it unless `on_error` takes it (then the next round tries again)."""
    while True:
        try:
            report(deliver_due(app, gateway, limit))
        except Exception as error:
            if on_error is None:
                raise
            on_error(error)
        time.sleep(every)


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
    """The notices of one case, oldest first (not their text: the 受理 one holds the tracking code)."""
    rows = connection.execute(select(_n.c.id, _n.c.kind, _n.c.status, _n.c.attempts, _n.c.last_error,
                                     _n.c.created_at, _n.c.sent_at)
                              .where(_n.c.request_id == request_id).order_by(_n.c.id)).all()
    return [Notice(x.id, NoticeKind(x.kind), NoticeStatus(x.status), x.attempts, x.last_error, x.created_at,
                   x.sent_at) for x in rows]


@dataclass(frozen=True)
class Failure:
    notice_id: int
    request_id: int
    ticket: str
    kind: NoticeKind
    reason: str | None


@dataclass
class Outbox:
    counts: dict[NoticeStatus, int]
    oldest_waiting: datetime | None  # the oldest notice not sent yet (pending or being sent)
    recent_failures: list[Failure]  # the last ones given up, newest first

    @property
    def failed(self) -> int:
        return self.counts.get(NoticeStatus.FAILED, 0)

    def stalled(self, now: datetime, after: timedelta = timedelta(minutes=15)) -> bool:
        """Whether a notice has been waiting longer than `after` (no gateway, or no worker running)."""
        return self.oldest_waiting is not None and now - self.oldest_waiting > after


def outbox(app: App, failures: int = 10) -> Outbox:
    with app.uow(read_only=True) as uow:
        c = uow.connection
        counts = {NoticeStatus(s): n for s, n in c.execute(select(_n.c.status, func.count()).group_by(_n.c.status))}
        oldest = c.execute(select(func.min(_n.c.created_at)).where(
            _n.c.status.in_([NoticeStatus.PENDING.value, NoticeStatus.SENDING.value]))).scalar()
        given_up = c.execute(select(_n.c.id, _n.c.request_id, t.requests.c.ticket, _n.c.kind, _n.c.last_error)
                             .join(t.requests, t.requests.c.id == _n.c.request_id)
                             .where(_n.c.status == NoticeStatus.FAILED.value).order_by(_n.c.id.desc())
                             .limit(failures)).all()
    return Outbox(counts, oldest, [Failure(x.id, x.request_id, x.ticket, NoticeKind(x.kind), x.last_error)
                                   for x in given_up])
