"""用户管理 for administrators: accounts, API tokens and Open311 keys — the same services as `jiesu user / token /
open311 key`. A new secret (a temporary password, a token, a key) is shown once, on the answer to the form that made
it, and never again: only its hash is kept."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from jiesu.api.deps import RecordId, jiesu_app
from jiesu.domain.enums import Role
from jiesu.domain.errors import DomainError, InvalidInput
from jiesu.services import sign_in, users
from jiesu.web.rendering import error_text, flash, login_required, posted_form, render

router = APIRouter(include_in_schema=False)
PAGE = "/admin/users"


def _page(request: Request, status_code: int = 200, **context) -> Response:
    app = jiesu_app(request)
    config = app.current_config()
    units = sorted((code, unit.name) for code, unit in config.directory.units.items())
    accounts = users.list_users(app)
    page = render(request, "admin.html", status_code, accounts=accounts, tokens=users.list_tokens(app),
                  locked=sign_in.locked(app, [a.name for a in accounts]),
                  keys=users.list_open311_keys(app), roles=list(users.STAFF_ROLES), units=units,
                  names=config.unit_names, **context)
    page.headers["Cache-Control"] = "no-store"  # a secret shown once must not stay in a cache
    return page


@router.get(PAGE)
def admin_page(request: Request) -> Response:
    login_required(request, Role.ADMIN)
    return _page(request)


async def _admin_form(request: Request):
    principal = login_required(request, Role.ADMIN)
    return principal, await posted_form(request)


def _done(request: Request, message: str) -> Response:
    flash(request, message)
    return RedirectResponse(PAGE, status_code=303)


def _refused(request: Request, error: DomainError) -> Response:
    return _page(request, 400, error=error_text(error))


@router.post(PAGE)
async def add_account(request: Request) -> Response:
    principal, form = await _admin_form(request)
    try:
        added = users.add_user(jiesu_app(request), str(form.get("name", "")), str(form.get("role", "")),
                               str(form.get("password", "")), str(form.get("unit", "")) or None, by=principal.name)
    except DomainError as error:
        return _refused(request, error)
    return _done(request, f"已添加用户 {added.name}（{added.role.label}）")


@router.post(PAGE + "/{name}/{action}")
async def change_account(request: Request, name: str, action: str) -> Response:
    """停用 / 启用 / 解锁 an account, or give it a temporary password (shown once, here)."""
    principal, form = await _admin_form(request)
    app = jiesu_app(request)
    try:
        if action in ("disable", "enable"):
            if name == principal.name and action == "disable":
                raise InvalidInput("不能停用自己的账号（否则可能没有管理员能登录）", field="name")
            users.set_active(app, name, action == "enable", by=principal.name)
            return _done(request, f"已{'启用' if action == 'enable' else '停用'}用户 {name}")
        if action == "unlock":
            sign_in.unlock(app, name, by=principal.name)
            return _done(request, f"已解锁用户 {name}：可以再次登录")
        if action == "password":
            temporary = secrets.token_urlsafe(9)
            users.set_password(app, name, temporary, by=principal.name)
            return _page(request, secret=(f"{name} 的临时密码（请当面或电话告知本人，登录后点右上角姓名修改）", temporary))
    except DomainError as error:
        return _refused(request, error)
    return render(request, "message.html", 404, title="没有这个操作", message="请从用户管理页面操作。")


@router.post("/admin/tokens")
async def add_token(request: Request) -> Response:
    principal, form = await _admin_form(request)
    user, purpose = str(form.get("user", "")), str(form.get("purpose", "")).strip() or "api"
    try:
        token = users.create_token(jiesu_app(request), user, purpose, by=principal.name)
    except DomainError as error:
        return _refused(request, error)
    return _page(request, secret=(f"{user} 的 API 令牌（{purpose}）：只显示这一次，请立即交给调用方保存", token))


@router.post("/admin/open311-keys")
async def add_key(request: Request) -> Response:
    principal, form = await _admin_form(request)
    name = str(form.get("name", ""))
    try:
        key = users.create_open311_key(jiesu_app(request), name, by=principal.name)
    except DomainError as error:
        return _refused(request, error)
    return _page(request, secret=(f"Open311 api_key（{name}）：只显示这一次，请立即交给调用方保存", key))


REVOKE = {"tokens": (users.revoke_token_id, "令牌"), "open311-keys": (users.revoke_open311_key, "Open311 密钥")}


@router.post("/admin/{kind}/{item_id}/revoke")
async def revoke(request: Request, kind: str, item_id: RecordId) -> Response:
    """吊销 an API token or an Open311 key: it stops working at once."""
    principal, form = await _admin_form(request)
    if kind not in REVOKE:
        return render(request, "message.html", 404, title="没有这个操作", message="请从用户管理页面操作。")
    action, what = REVOKE[kind]
    try:
        action(jiesu_app(request), item_id, by=principal.name)
    except DomainError as error:
        return _refused(request, error)
    return _done(request, f"已吊销{what} {item_id}")
