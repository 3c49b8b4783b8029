"""What every page shares: the templates, rendering with the signed-in user and CSRF token, flashes, errors."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from jiesu.api.deps import check_csrf, csrf_token, optional_principal
from jiesu.domain.calendar import beijing_minute
from jiesu.domain.enums import Role
from jiesu.domain.errors import DomainError, InvalidInput
from jiesu.domain.workflow import running_deadline
from jiesu.services.intake import EMERGENCY_ADVICE
from jiesu.services.photos import MAX_PER_STEP
from jiesu.services.users import Principal
from jiesu.storage.tables import MAX_ID

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["max_photos"] = MAX_PER_STEP  # what every photo input says it takes
templates.env.globals["running_deadline"] = running_deadline  # the one test of 已超期 (domain/workflow.py)
templates.env.globals["emergency_advice"] = EMERGENCY_ADVICE  # the portal's 紧急提示, as Open311 words it too
HOME = {Role.AGENT: "/intake", Role.DISPATCHER: "/queue", Role.HANDLER: "/inbox", Role.SUPERVISOR: "/desk",
        Role.ANALYST: "/cases", Role.ADMIN: "/desk"}
NEXT_STEP = {
    "invalid": "请按提示修改后重新提交。", "not_found": "请检查编号是否正确。",
    "illegal_transition": "工单状态已变化，请刷新页面查看可执行的操作。",
    "conflict": "别人刚刚处理了这件工单，请刷新页面后再操作。", "forbidden": "如需办理，请联系派单员或管理员。",
    "rate_limited": "请稍后再试。",
}


def local_iso(text: str | None) -> str:
    from datetime import datetime

    return beijing_minute(datetime.fromisoformat(text)) if text else "—"


def masked(text: str | None) -> str:
    """A case's title or text in a list: its personal data masked, as on the case page until 查看完整信息."""
    from jiesu.nlp import pii

    return pii.mask(text or "")


templates.env.filters["local"] = beijing_minute
templates.env.filters["local_iso"] = local_iso
templates.env.filters["masked"] = masked


def render(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
    principal = optional_principal(request)
    flashes = request.session.pop("flash", [])
    return templates.TemplateResponse(request, name, {"me": principal, "csrf": csrf_token(request), "flashes": flashes,
                                                      "Role": Role, **context}, status_code=status_code)


async def posted_form(request: Request):
    """The submitted form, once its CSRF token has been checked (every page form carries one)."""
    form = await request.form()
    token = form.get("csrf_token")
    check_csrf(request, token if isinstance(token, str) else None)
    return form


async def uploaded(form, name: str) -> list[bytes]:
    """The files sent in the form's file input `name` (several allowed), as bytes; an input left empty gives none."""
    files = [f for f in form.getlist(name) if hasattr(f, "read")]
    return [data for data in [await f.read() for f in files] if data]


def posted_id(value, name: str) -> int | None:
    """A record's id sent in form field `name`: None when left empty; InvalidInput naming the field when it is not
    a number any record could have."""
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise InvalidInput(f"{FIELD_LABELS.get(name, name)}应为编号（正整数）", field=name)
    return int(text)


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session.setdefault("flash", []).append({"kind": kind, "message": message})


# the form fields by the names the pages give them, for errors whose message does not say which field it is
FIELD_LABELS = {
    "content": "诉求内容", "title": "标题", "requester_name": "诉求人姓名", "requester_phone": "联系电话",
    "phone": "手机号", "address": "地址", "answer": "答复", "reply": "答复内容", "reason": "理由", "note": "说明",
    "unit": "承办单位", "co_units": "协办单位", "proposed_unit": "建议承办单位", "duration": "延期时长",
    "category": "分类", "urgency": "紧急程度", "master": "主件编号", "satisfaction": "满意度",
    "requester_ref": "并单诉求人", "keywords": "关键词", "valid_until": "有效期至", "photos": "照片",
    "request_id": "工单编号", "issue_id": "一类事编号", "topic": "征集主题", "topic_id": "征集主题", "photo_id": "照片编号", "proposal_id": "知识建议编号",
    "proposal": "知识建议编号", "id": "条目编号",
}


def error_text(error: DomainError, photos: bool = False) -> str:
    """The message, headed by the field's name where it does not say it ("理由：不能为空"), and what to do next;
    `photos`: the form had photos, which a browser does not keep when the form comes back."""
    label = FIELD_LABELS.get(error.field or "")
    message = f"{label}：{error.message}" if label and label not in error.message else error.message
    return f"{message}。{NEXT_STEP.get(error.code, '')}" + ("照片需要重新选择。" if photos else "")


class PageInstead(Exception):  # noqa: N818 (not an error: the page to answer with instead)
    """Raised by a page's guard with the response to send instead of the page (to the log-in page, or 无权访问);
    the app answers with it (`api/app.py`)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def login_required(request: Request, *roles: Role) -> Principal:
    """The signed-in staff member, one of `roles` (or an administrator); otherwise PageInstead: to the log-in page,
    or a 403 page naming who may see it."""
    principal = optional_principal(request)
    if principal is None or principal.role == Role.CITIZEN:
        raise PageInstead(RedirectResponse(f"/login?next={request.url.path}", status_code=303))
    if roles and principal.role not in roles and principal.role != Role.ADMIN:
        raise PageInstead(render(request, "message.html", 403, title="无权访问",
                                 message=f"此页面仅限：{'、'.join(r.label for r in roles)}。请用相应账号登录。"))
    return principal


def unit_names(app) -> dict[str, str]:
    return app.current_config().unit_names


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_response(data: bytes, name: str, fallback: str) -> Response:
    """An Excel workbook to download as `name` (Chinese allowed; `fallback`: the plain ASCII name for old
    browsers), never cached: it holds case data."""
    from urllib.parse import quote

    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store"})
