"""坐席质检 page: per agent, the cases they registered in a month and what of them the rest of the workflow had to
correct (`services/agent_quality.py`), for supervisors and administrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from jiesu.api.deps import jiesu_app
from jiesu.domain.calendar import months_around
from jiesu.domain.enums import Role
from jiesu.domain.errors import DomainError
from jiesu.services.agent_quality import FINDINGS, SHOWN_TICKETS, month_report
from jiesu.web.rendering import error_text, login_required, render

router = APIRouter(include_in_schema=False)


@router.get("/quality")
def quality(request: Request, month: str = "") -> Response:
    login_required(request, Role.SUPERVISOR, Role.ADMIN)
    app = jiesu_app(request)
    month = month or f"{app.today():%Y-%m}"
    try:
        report = month_report(app, month)
    except DomainError as error:
        return render(request, "quality.html", 400, report=[], month=month, findings=FINDINGS, error=error_text(error))
    before, after = months_around(month)
    return render(request, "quality.html", report=report, month=month, findings=FINDINGS, shown=SHOWN_TICKETS,
                  before=before, after=after, total=sum(q.registered for q in report))
