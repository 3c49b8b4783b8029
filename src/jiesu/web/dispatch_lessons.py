"""改派经验: the matters that recent re-dispatches show the duty lists send to the wrong lead, for the dispatchers
who see the advice at intake and the administrators who keep the duty lists."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from jiesu.api.deps import jiesu_app
from jiesu.domain.dispatch_lessons import RULES
from jiesu.domain.enums import Role
from jiesu.services.dispatch_lessons import lesson_lines
from jiesu.web.rendering import login_required, render

router = APIRouter(include_in_schema=False)

LESSON_READERS = (Role.DISPATCHER, Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


@router.get("/lessons")
def lessons(request: Request) -> Response:
    login_required(request, *LESSON_READERS)
    app = jiesu_app(request)
    return render(request, "dispatch_lessons.html", lines=lesson_lines(app), rules=RULES)
