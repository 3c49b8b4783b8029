"""Staff sign-in (登录) with 登录失败处理: every attempt is in the audit trail (`user.login`, `user.login_failed`,
`user.login_refused`), and a name given a wrong password LOCK_AFTER times within LOCK_FOR is locked until the
oldest of those attempts is LOCK_FOR old, even to the right password. A successful sign-in, an administrator's
解锁 (`user.unlock`), a new password or enabling the account starts the count again. A name that has no account
is counted and locked alike, so that the answer never tells whether an account exists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from jiesu.bootstrap import App
from jiesu.domain.errors import NotFound
from jiesu.services import users
from jiesu.services.audit import record
from jiesu.services.users import Principal
from jiesu.storage import tables as t

LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
FAILED, REFUSED = "user.login_failed", "user.login_refused"
RESETS = ("user.login", "user.unlock", "user.password", "user.enable")
NOBODY = "未登录"  # the actor of an attempt that signed nobody in
MAX_NAME = 100  # as the users table keeps it: a longer name is no account's


@dataclass(frozen=True)
class Attempt:
    principal: Principal | None  # who is signed in; None: refused
    locked_until: datetime | None = None  # refused because the name is locked, until then


def sign_in(app: App, name: str, password: str, client: str) -> Attempt:
    """One attempt to sign in, from `client` (its address), recorded whatever its outcome."""
    name = name.strip()[:MAX_NAME]
    until = _lock_of(app, name)
    if until is not None:
        _record(app, NOBODY, REFUSED, name, client)
        return Attempt(None, until)
    principal = users.authenticate(app, name, password)  # argon2's deliberate cost, outside any transaction
    if principal is None:
        _record(app, NOBODY, FAILED, name, client)
        return Attempt(None, _lock_of(app, name))  # this failure may be the one that locks
    _record(app, principal.name, "user.login", name, client)
    return Attempt(principal)


def locked(app: App, names: Iterable[str]) -> dict[str, datetime]:
    """Which of the names are locked now, and until when (for the administrator's 用户管理)."""
    with app.uow(read_only=True) as uow:
        trail = _trail(uow.connection, list(names), app.now())
    found = {name: _locked_until(lines) for name, lines in trail.items()}
    return {name: until for name, until in found.items() if until is not None}


def _lock_of(app: App, name: str) -> datetime | None:
    return locked(app, [name]).get(name)


def unlock(app: App, name: str, by: str) -> None:
    """解锁: an administrator lets a locked account try again at once (after checking with its owner)."""
    with app.uow() as uow:
        if uow.connection.execute(select(t.users.c.id).where(t.users.c.name == name)).first() is None:
            raise NotFound(f"用户 {name} 不存在", field="name")
        record(uow.connection, app.now(), by, "user.unlock", name)
        uow.commit()


def _record(app: App, actor: str, action: str, name: str, client: str) -> None:
    with app.uow() as uow:
        record(uow.connection, app.now(), actor, action, name, {"client": client})
        uow.commit()


def _trail(connection, names: list[str], now: datetime) -> dict[str, list[tuple[str, datetime]]]:
    """Per name, the failures and resets of the last LOCK_FOR, oldest first (in the order they were recorded)."""
    a = t.audit_log
    rows = connection.execute(select(a.c.target, a.c.action, a.c.at).where(
        a.c.at > now - LOCK_FOR, a.c.target.in_(names), a.c.action.in_((FAILED, *RESETS))).order_by(a.c.id))
    trail: dict[str, list[tuple[str, datetime]]] = {}
    for target, action, at in rows:
        trail.setdefault(target, []).append((action, at))
    return trail


def _locked_until(lines: list[tuple[str, datetime]]) -> datetime | None:
    """From a name's recent trail: locked while LOCK_AFTER failures since the last reset are within LOCK_FOR."""
    failures: list[datetime] = []
    for action, at in lines:
        failures = failures + [at] if action == FAILED else []
    return failures[-LOCK_AFTER] + LOCK_FOR if len(failures) >= LOCK_AFTER else None
