"""The errors that reach no page's own handling — an address that does not exist, a form sent to a page that only
shows, a number in the address that is not one, an error the page did not expect, a fault — answered to a browser
as a page in Chinese that says what to do next; API clients get them in the API's shape (`api/errors.py`), Open311
clients in Open311's, anything else that does not ask for HTML Starlette's own."""

from __future__ import annotations

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from jiesu.api import errors
from jiesu.domain.enums import Role
from jiesu.domain.errors import DomainError
from jiesu.web.rendering import FIELD_LABELS, error_text, render, templates

MACHINE_PATHS = ("/api/", "/open311/", "/docs", "/openapi.json", "/healthz", "/static/", "/static-docs/")


def wants_page(request: Request) -> bool:
    """A browser asking for a page (not the API, Open311 or a file), so the answer is a page."""
    path = request.url.path
    return not path.startswith(MACHINE_PATHS) and "text/html" in request.headers.get("accept", "")


def _page(request: Request, status: int, title: str, message: str) -> Response:
    return render(request, "message.html", status, title=title, message=message)


HTTP_CODES = {400: ("invalid", "请求体无法解析：应为 UTF-8 编码的 JSON 或表单"), 404: ("not_found", "没有这个接口"),
              405: ("method_not_allowed", "此接口不接受这种请求方法")}


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> str:
    """Every method the address answers to, for a 405's Allow (Starlette names only those of the first route that
    matched the address: `GET` where the address also takes `POST`). Each method is tried against every route."""
    from starlette.routing import Match

    return ", ".join(method for method in METHODS if any(
        route.matches({**request.scope, "method": method})[0] is Match.FULL for route in request.app.router.routes))


async def http_error(request: Request, error: HTTPException) -> Response:
    if error.status_code == 405:
        error.headers = {**(error.headers or {}), "Allow": allowed_methods(request)}
    path = request.url.path
    response: Response | None = None
    if path.startswith("/api/"):  # the API's own shape, as for every other error (`ErrorBody`)
        code, message = HTTP_CODES.get(error.status_code, ("http_error", str(error.detail)))
        response = JSONResponse(errors.body(code, message, None), status_code=error.status_code)
    elif path.startswith("/open311/"):  # Open311's
        from jiesu.api import open311

        response = open311.error_at(path, error.status_code, str(error.detail))
    if response is not None:
        response.headers.update(error.headers or {})  # a 405's Allow
        return response
    if not wants_page(request):
        return await http_exception_handler(request, error)
    if error.status_code == 404:
        return _page(request, 404, "页面不存在", "这个地址没有页面：可能输错了，或页面已移走。请从首页的菜单进入。")
    if error.status_code == 405:
        return _page(request, 405, "不能这样打开此页", "这个地址只接受表单提交。请回到上一页，重新操作。")
    return _page(request, error.status_code, "请求未能完成", f"{error.detail}。请回到上一页重试。")


async def validation_error(request: Request, error: RequestValidationError) -> Response:
    if not wants_page(request):
        return await errors.validation_error_handler(request, error)
    first = error.errors()[0] if error.errors() else {}
    where = [str(part) for part in first.get("loc", ())[1:]]
    name = FIELD_LABELS.get(where[-1], where[-1]) if where else "地址或表单中的值"
    what = "应为数字" if str(first.get("type", "")).startswith(("int", "float")) else "的格式不对"
    return _page(request, 400, "地址或表单有误", f"{name}{what}。请检查地址或表单后重试，或从首页的菜单进入。")


async def domain_error(request: Request, error: DomainError) -> Response:
    if not wants_page(request):
        return await errors.domain_error_handler(request, error)
    return _page(request, errors.status_of(error), "操作未能完成", error_text(error))


async def unexpected(request: Request, error: Exception) -> Response:
    """A fault. The server logs it (Starlette raises it again after this answer). Each action is one transaction,
    so an action that failed left nothing half done, but the fault may have come after the commit: the page says to
    look whether it took effect before trying again. Answered outside the session (this runs outside every
    middleware), so the page does not know who is signed in."""
    if request.url.path.startswith("/open311/"):
        from jiesu.api import open311

        return open311.error_at(request.url.path, 500, "internal server error; try again later")
    if not wants_page(request):
        return errors.fault_json()
    return templates.TemplateResponse(request, "message.html", {
        "me": None, "csrf": "", "flashes": [], "Role": Role, "title": "系统出错",
        "message": "这一步没有完成。请刷新页面，看操作是否已经生效，再决定是否重试；如果再次出错，请把出错的时间和页面地址告诉管理员。",
    }, status_code=500)
