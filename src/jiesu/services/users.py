"""Users, API tokens, Open311 keys and the citizen's verification code.

Passwords are hashed with argon2; tokens, keys and codes are random and stored only as SHA-256 hashes, so a
database dump gives none of them away. Every change is written to the audit log."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, insert, select, update

from jiesu.bootstrap import App
from jiesu.domain.enums import Role
from jiesu.domain.errors import InvalidInput, NotFound
from jiesu.domain.request import Actor
from jiesu.domain.routing import Directory
from jiesu.services.audit import record
from jiesu.storage import tables as t
from jiesu.storage.database import inserted_id

_hasher = PasswordHasher()
STAFF_ROLES = (Role.AGENT, Role.DISPATCHER, Role.HANDLER, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN)
MIN_PASSWORD = 8


@dataclass(frozen=True)
class Principal:
    """Who is calling: a staff user, an Open311 client, or nobody (the public)."""

    name: str
    role: Role
    unit: str | None = None
    user_id: int | None = None
    area: frozenset[str] = frozenset()  # a handler's 辖区: the units under its unit, whose cases it may read

    def oversee(self, directory: Directory) -> Principal:
        """This handler with its 辖区 (`Directory.below` its unit); any other principal as it is."""
        if self.role != Role.HANDLER or not self.unit:
            return self
        return replace(self, area=directory.below(self.unit))

    @property
    def actor(self) -> Actor:
        return Actor(self.name, self.role, self.unit, self.area)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def add_user(app: App, name: str, role: str, password: str, unit: str | None = None, by: str = "admin",
             demo: bool = False) -> Principal:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("用户名不能为空，且不超过 100 字", field="name")
    if any(ch in name for ch in "/\\?#%") or any(not ch.isprintable() or ch.isspace() for ch in name):
        raise InvalidInput("用户名不能含空格、斜杠或 ? # % 等符号", field="name")
    parsed = Role.parse(role, "role")
    if parsed not in STAFF_ROLES:
        raise InvalidInput(f"角色应为 {'、'.join(r.value for r in STAFF_ROLES)}", field="role")
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(f"密码至少 {MIN_PASSWORD} 位", field="password")
    if parsed == Role.HANDLER and not unit:
        raise InvalidInput("承办人必须指定所在单位（--unit）", field="unit")
    with app.uow() as uow:
        if unit is not None:
            app.config(uow).directory.unit(unit, field="unit")
        if uow.connection.execute(select(t.users.c.id).where(t.users.c.name == name)).first():
            raise InvalidInput(f"用户 {name} 已存在", field="name")
        user_id = inserted_id(uow.connection.execute(insert(t.users).values(
            name=name, password_hash=_hasher.hash(password), role=parsed.value, unit=unit, active=True, demo=demo,
            created_at=app.now())))
        record(uow.connection, app.now(), by, "user.add", name, {"role": parsed.value, "unit": unit})
        uow.commit()
    return Principal(name, parsed, unit, user_id)


def authenticate(app: App, name: str, password: str) -> Principal | None:
    with app.uow(read_only=True) as uow:
        row = uow.connection.execute(select(t.users).where(t.users.c.name == name, t.users.c.active.is_(True))).first()
    if row is None:
        _hasher.hash(password or "x")  # same cost whether or not the user exists
        return None
    try:
        _hasher.verify(row.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return None
    return Principal(row.name, Role(row.role), row.unit, row.id)


def user_by_id(app: App, user_id: int) -> Principal | None:
    with app.uow(read_only=True) as uow:
        row = uow.connection.execute(select(t.users).where(t.users.c.id == user_id, t.users.c.active.is_(True))).first()
    return Principal(row.name, Role(row.role), row.unit, row.id) if row else None


def create_token(app: App, user_name: str, token_name: str = "api", by: str = "admin") -> str:
    token = "jst_" + secrets.token_urlsafe(32)
    with app.uow() as uow:
        row = uow.connection.execute(select(t.users.c.id).where(t.users.c.name == user_name)).first()
        if row is None:
            raise NotFound(f"用户 {user_name} 不存在", field="user")
        uow.connection.execute(insert(t.api_tokens).values(user_id=row.id, token_hash=digest(token), name=token_name,
                                                           created_at=app.now(), revoked=False))
        record(uow.connection, app.now(), by, "token.create", user_name, {"name": token_name})
        uow.commit()
    return token


_TOKEN_USER = (select(t.users).join(t.api_tokens, t.api_tokens.c.user_id == t.users.c.id)
               .where(t.api_tokens.c.token_hash == bindparam("hash"), t.api_tokens.c.revoked.is_(False),
                      t.users.c.active.is_(True)))


def principal_for_token(app: App, token: str) -> Principal | None:
    with app.uow(read_only=True) as uow:
        row = uow.connection.execute(_TOKEN_USER, {"hash": digest(token)}).first()
    return Principal(row.name, Role(row.role), row.unit, row.id) if row else None


def create_open311_key(app: App, name: str, by: str = "admin") -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("请给密钥起个名字（调用方名称）", field="name")
    key = secrets.token_hex(20)
    with app.uow() as uow:
        uow.connection.execute(insert(t.open311_keys).values(name=name, key_hash=digest(key), created_at=app.now(),
                                                             revoked=False))
        record(uow.connection, app.now(), by, "open311_key.create", name)
        uow.commit()
    return key


def open311_client(app: App, key: str | None) -> Principal | None:
    if not key:
        return None
    with app.uow(read_only=True) as uow:
        row = uow.connection.execute(select(t.open311_keys.c.name).where(
            t.open311_keys.c.key_hash == digest(key), t.open311_keys.c.revoked.is_(False))).first()
    return Principal(f"open311:{row.name}", Role.CITIZEN) if row else None


def list_users(app: App) -> list:
    """Every account with its role, unit, whether it may log in, and how many live API tokens it has."""
    u, k = t.users, t.api_tokens
    live = (select(func.count()).where(k.c.user_id == u.c.id, k.c.revoked.is_(False)).scalar_subquery())
    with app.uow(read_only=True) as uow:
        return list(uow.connection.execute(select(u.c.name, u.c.role, u.c.unit, u.c.active, u.c.demo, u.c.created_at,
                                                  live.label("tokens")).order_by(u.c.name)))


def unit_staff(connection, unit: str) -> list[str]:
    """The names of the handlers of `unit` who may log in: whom a case of the unit may be given to (分办)."""
    u = t.users
    return list(connection.execute(select(u.c.name).where(u.c.unit == unit, u.c.role == Role.HANDLER.value,
                                                          u.c.active.is_(True)).order_by(u.c.name)).scalars())


def set_active(app: App, name: str, active: bool, by: str) -> None:
    """Disable an account (someone left: sessions and API tokens stop working at once) or enable it again."""
    _change_user(app, name, {"active": active}, by, "user.enable" if active else "user.disable")


def set_password(app: App, name: str, password: str, by: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(f"密码至少 {MIN_PASSWORD} 位", field="password")
    _change_user(app, name, {"password_hash": _hasher.hash(password)}, by, "user.password")


def _change_user(app: App, name: str, values: dict, by: str, action: str) -> None:
    with app.uow() as uow:
        result = uow.connection.execute(update(t.users).where(t.users.c.name == name).values(**values))
        if result.rowcount != 1:
            raise NotFound(f"用户 {name} 不存在", field="name")
        record(uow.connection, app.now(), by, action, name)
        uow.commit()


def list_tokens(app: App, user_name: str | None = None) -> list:
    """API tokens (never their value: only its hash is kept) with their owner, purpose and state."""
    k, u = t.api_tokens, t.users
    query = select(k.c.id, u.c.name.label("user"), k.c.name, k.c.created_at, k.c.revoked).join(
        u, u.c.id == k.c.user_id).order_by(k.c.id)
    if user_name:
        query = query.where(u.c.name == user_name)
    with app.uow(read_only=True) as uow:
        return list(uow.connection.execute(query))


def revoke_token_id(app: App, token_id: int, by: str) -> None:
    _revoke(app, t.api_tokens, token_id, by, "token.revoke", f"没有编号为 {token_id} 的有效令牌")


def _revoke(app: App, table, row_id: int, by: str, action: str, missing: str) -> None:
    with app.uow() as uow:
        result = uow.connection.execute(update(table).where(table.c.id == row_id, table.c.revoked.is_(False))
                                        .values(revoked=True))
        if result.rowcount != 1:
            raise NotFound(missing, field="id")
        record(uow.connection, app.now(), by, action, str(row_id))
        uow.commit()


def list_open311_keys(app: App) -> list:
    k = t.open311_keys
    with app.uow(read_only=True) as uow:
        return list(uow.connection.execute(select(k.c.id, k.c.name, k.c.created_at, k.c.revoked).order_by(k.c.id)))


def revoke_open311_key(app: App, key_id: int, by: str) -> None:
    _revoke(app, t.open311_keys, key_id, by, "open311_key.revoke", f"没有编号为 {key_id} 的有效密钥")


def revoke_token(app: App, token: str, by: str) -> None:
    with app.uow() as uow:
        result = uow.connection.execute(update(t.api_tokens).where(t.api_tokens.c.token_hash == digest(token))
                                        .values(revoked=True))
        if result.rowcount != 1:
            raise NotFound("没有这个令牌", field="token")
        record(uow.connection, app.now(), by, "token.revoke", "token")
        uow.commit()


def reset_demo_account(app: App, name: str, role: str, unit: str | None) -> str:
    """Demo mode only: create the account, or give it a new password; returns the password to print."""
    if not app.settings.demo_mode:
        raise InvalidInput("演示账号只能在演示模式下创建", field="demo_mode")
    password = secrets.token_urlsafe(9)
    with app.uow() as uow:
        row = uow.connection.execute(select(t.users.c.id, t.users.c.demo).where(t.users.c.name == name)).first()
        if row is not None:
            if not row.demo:
                raise InvalidInput(f"用户 {name} 不是演示账号，不会改它的密码", field="name")
            uow.connection.execute(update(t.users).where(t.users.c.id == row.id).values(
                password_hash=_hasher.hash(password), role=role, unit=unit, active=True))
            record(uow.connection, app.now(), "demo", "user.reset_demo_password", name)
            uow.commit()
            return password
    add_user(app, name, role, password, unit, by="demo", demo=True)
    return password
