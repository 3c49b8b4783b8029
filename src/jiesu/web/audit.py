"""审计日志 for administrators: who changed accounts, keys, the 知识库, 信访 steps, backups, who saw personal data in
full; filtered by account, action, object and Beijing dates, newest first, and exported as CSV (the export is
itself recorded). The steps of a case are on the case's own page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from jiesu.api.deps import jiesu_app
from jiesu.domain.enums import Role
from jiesu.domain.errors import DomainError, InvalidInput
from jiesu.services import audit
from jiesu.web.pages import day_span
from jiesu.web.rendering import error_text, login_required, render

router = APIRouter(include_in_schema=False)
PAGE = "/admin/audit"


def _query(actor: str, action: str, target: str, since: str, until: str, page: int, size: int) -> audit.AuditQuery:
    if page < 1:
        raise InvalidInput("页码从 1 开始", field="page")
    first = day_span(since, "since", "起始日期")[0].date() if since else None
    last = day_span(until, "until", "截止日期")[0].date() if until else None
    return audit.AuditQuery(actor=actor, action=action, target=target, since=first, until=last, limit=size,
                            offset=(page - 1) * size)


@router.get(PAGE)
def audit_page(request: Request, actor: str = "", action: str = "", target: str = "", since: str = "",
               until: str = "", page: int = 1) -> Response:
    login_required(request, Role.ADMIN)
    search = {"actor": actor, "action": action, "target": target, "since": since, "until": until}
    try:
        found, total = audit.entries(jiesu_app(request), _query(actor, action, target, since, until, page,
                                                                audit.PAGE_SIZE))
    except DomainError as error:
        return render(request, "audit.html", 400, search=search, error=error_text(error), entries=[], total=0,
                      page=1, pages=1, actions=audit.ACTIONS, reveals=[])
    pages = max(1, -(-total // audit.PAGE_SIZE))
    return render(request, "audit.html", search=search, entries=found, total=total, page=page, pages=pages,
                  actions=audit.ACTIONS, reveals=audit.reveals_by_account(jiesu_app(request)))


@router.get(PAGE + ".csv")
def audit_export(request: Request, actor: str = "", action: str = "", target: str = "", since: str = "",
                 until: str = "") -> Response:
    principal = login_required(request, Role.ADMIN)
    try:
        query = _query(actor, action, target, since, until, 1, audit.PAGE_SIZE)
    except DomainError as error:
        return render(request, "message.html", 400, title="导出条件有误", message=error_text(error))
    text = audit.export_csv(jiesu_app(request), query, principal.name)
    return Response("\ufeff" + text, media_type="text/csv; charset=utf-8",  # the BOM: Excel reads it as UTF-8
                    headers={"Content-Disposition": 'attachment; filename="audit.csv"', "Cache-Control": "no-store"})
