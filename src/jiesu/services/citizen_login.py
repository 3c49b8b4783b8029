"""我的诉求: a requester lists every case of their mobile number on the portal, after proving the number is theirs
with a one-time code texted to it — instead of the ticket and tracking code of each case, which a caller who has
phoned the hotline five times this year no longer has together.

Nothing here tells whether a number has called the hotline: asking for a code looks the same either way — a code is
made and recorded for every number, under the same limits (one a minute, `PER_DAY` a day), but only texted to a
number some case has. A code is good for `LOGIN_CODE_MINUTES`, once, and for `MAX_ATTEMPTS` tries; each wrong try
is recorded in its own transaction. The session it opens lasts `SESSION`."""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update

from jiesu.bootstrap import App
from jiesu.domain.errors import InvalidInput, TooManyRequests
from jiesu.domain.notices import LOGIN_CODE_MINUTES
from jiesu.domain.validation import is_mobile, mask_phone
from jiesu.domain.validation import phone as check_phone
from jiesu.services import audit, notifications
from jiesu.services.users import digest
from jiesu.storage import tables as t

MAX_ATTEMPTS = 5
SESSION = timedelta(minutes=30)
COOLDOWN = timedelta(seconds=60)  # between two codes for one number
PER_DAY = 5  # codes for one number in 24 hours (each a text message the centre pays for, to someone's phone)
_l, _r = t.citizen_logins, t.requests


@dataclass(frozen=True)
class CitizenSession:
    keys: list[str]  # the phone's lookup keys (`PersonalDataCipher.lookup_keys`): their cases are the caller's
    until: datetime
    phone_masked: str


def mobile(phone: str | None) -> str:
    """The number, normalised, if it is a mobile (codes are texted); else InvalidInput naming the field."""
    try:
        number = check_phone(phone, "phone")
    except InvalidInput:
        number = None
    if not number or not is_mobile(number):
        raise InvalidInput("请输入 11 位手机号码（验证码以短信发送）", field="phone")
    return number


def request_code(app: App, phone: str) -> None:
    """Make a one-time code for the number and text it when some case has the number as its requester's (the
    caller says the same either way)."""
    number = mobile(phone)
    if not app.settings.notify_citizens:
        raise InvalidInput("本热线未开通短信通知，无法发送验证码；请凭工单号和查询码查询", field="phone")
    keys = app.cipher.lookup_keys(number)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    sealed = app.cipher.encrypt(code)
    now = app.now()
    with app.uow() as uow:
        c = uow.connection
        made = c.execute(select(_l.c.created_at).where(_l.c.requester_key.in_(keys),
                                                       _l.c.created_at > now - timedelta(days=1))).scalars().all()
        if made and now - max(made) < COOLDOWN:
            wait = int((COOLDOWN - (now - max(made))).total_seconds()) + 1
            raise TooManyRequests(f"验证码已发出，请 {wait} 秒后再重新获取", field="phone")
        if len(made) >= PER_DAY:
            raise TooManyRequests(f"这个号码 24 小时内已获取 {PER_DAY} 次验证码，请明天再试，或凭工单号和查询码查询",
                                  field="phone")
        c.execute(insert(_l).values(requester_key=keys[0], code_hash=digest(code), created_at=now,
                                    expires_at=now + timedelta(minutes=LOGIN_CODE_MINUTES), attempts=0))
        c.execute(delete(_l).where(_l.c.created_at < now - timedelta(days=2)))  # codes that limit nothing any more
        # (a small table: the codes asked for in two days)
        latest = c.execute(select(_r.c.id).where(_r.c.requester_key.in_(keys)).order_by(_r.c.id.desc()).limit(1)
                           ).scalar()
        if latest is not None and sealed is not None:
            notifications.on_login_code(app, c, latest, sealed)
        uow.commit()


def verify(app: App, phone: str, code: str) -> CitizenSession:
    """The session a right code opens (the code is used up); a wrong one counts against the code and is refused."""
    number = mobile(phone)
    code = (code or "").strip()
    if not code:
        raise InvalidInput("请输入短信中的验证码", field="code")
    keys = app.cipher.lookup_keys(number)
    now = app.now()
    with app.uow() as uow:
        c = uow.connection
        row = c.execute(select(_l.c.id, _l.c.code_hash, _l.c.attempts)
                        .where(_l.c.requester_key.in_(keys), _l.c.used_at.is_(None), _l.c.expires_at > now)
                        .order_by(_l.c.id.desc()).limit(1)).first()
        if row is None or row.attempts >= MAX_ATTEMPTS:
            raise InvalidInput("验证码已失效，请重新获取", field="code")
        if not hmac.compare_digest(row.code_hash, digest(code)):
            c.execute(update(_l).where(_l.c.id == row.id).values(attempts=_l.c.attempts + 1))
            uow.commit()
            left = MAX_ATTEMPTS - row.attempts - 1
            raise InvalidInput(f"验证码不正确，还可再试 {left} 次" if left else "验证码不正确，请重新获取", field="code")
        c.execute(update(_l).where(_l.c.id == row.id).values(used_at=now))
        masked = mask_phone(number)
        audit.record(c, now, f"诉求人 {masked}", "citizen.login", masked)
        uow.commit()
    return CitizenSession(keys, now + SESSION, masked)


def token_for(app: App, session: CitizenSession) -> str:
    """The session as a token for an app (the API's 我的诉求): its keys and its end, sealed with the secret."""
    return app.cipher.seal_token(json.dumps({"keys": session.keys, "until": session.until.isoformat()}))


def keys_of_token(app: App, token: str | None) -> list[str]:
    """The phone lookup keys a token from `token_for` carries while it lasts; none for an expired or false one."""
    opened = app.cipher.open_token((token or "").strip()) if token else None
    if opened is None:
        return []
    held = json.loads(opened)
    return list(held["keys"]) if datetime.fromisoformat(held["until"]) > app.now() else []


@dataclass(frozen=True)
class OwnCase:
    ticket: str
    title: str
    status: str
    received_at: datetime
    lead_unit: str | None


def own_cases(app: App, keys: list[str], limit: int = 100) -> list[OwnCase]:
    """The cases of the number, newest first (an anonymised case has no number left and is not among them)."""
    if not keys:
        return []
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(
            select(_r.c.ticket, _r.c.title, _r.c.status, _r.c.received_at, _r.c.lead_unit)
            .where(_r.c.requester_key.in_(keys)).order_by(_r.c.received_at.desc(), _r.c.id.desc()).limit(limit)).all()
    return [OwnCase(x.ticket, x.title, x.status, x.received_at, x.lead_unit) for x in rows]
