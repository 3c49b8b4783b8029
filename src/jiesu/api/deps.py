"""Who is calling: a bearer token (API clients) or the session cookie (the pages), and CSRF for the latter."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from fastapi import Path, Query, Request

from jiesu.api.errors import Unauthenticated
from jiesu.bootstrap import App
from jiesu.domain.enums import Role
from jiesu.domain.errors import Forbidden, NotFound
from jiesu.services.users import Principal, principal_for_token, user_by_id
from jiesu.storage.tables import MAX_ID

RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]  # a record's id in an address; out of range: 422 naming it
OptionalRecordId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def jiesu_app(request: Request) -> App:
    return request.app.state.jiesu


def optional_principal(request: Request) -> Principal | None:
    cached: Any = getattr(request.state, "principal", False)
    if cached is not False:
        return cached
    app = jiesu_app(request)
    principal = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        principal = principal_for_token(app, header[7:].strip())
        if principal is None:
            raise Unauthenticated("令牌无效或已吊销", field="authorization")
        request.state.via_token = True
    elif "user_id" in request.session:
        principal = user_by_id(app, int(request.session["user_id"]))
        request.state.via_token = False
    if principal is not None and principal.role == Role.HANDLER:
        principal = principal.oversee(app.current_config().directory)
    request.state.principal = principal
    return principal


async def staff(request: Request) -> Principal:
    """Async on purpose: the lookup is one indexed query, cheaper than a hop to the thread pool."""
    principal = optional_principal(request)
    if principal is None or principal.role == Role.CITIZEN:
        raise Unauthenticated("请先登录，或在 Authorization 头中提供令牌", field="authorization")
    return principal


def require_role(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles and principal.role != Role.ADMIN:
        raise Forbidden(f"此功能仅限：{'、'.join(r.label for r in roles)}", field="role")


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


def check_csrf(request: Request, submitted: str | None = None) -> None:
    """Session-authenticated writes must carry the session's CSRF token (form field or X-CSRF-Token header)."""
    if getattr(request.state, "via_token", False):
        return
    expected = request.session.get("csrf")
    given = submitted or request.headers.get("x-csrf-token")
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise Forbidden("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试", field="csrf_token")


def check_machine_token(authorization: str, expected: str, setting: str, what: str, who: str) -> None:
    """A machine that posts to jiesu (the SMS gateway, the telephony) presents the bearer token of its own setting:
    404 while the setting is unset (the way in is closed), 401 for any other token — a staff token included."""
    if not expected:
        raise NotFound(f"未启用{what}接收（{setting} 未设置）", field="path")
    given = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthenticated(f"{who}令牌无效", field="authorization")
