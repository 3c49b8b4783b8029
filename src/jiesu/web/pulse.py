"""新工单提醒: an open 承办箱, 派单台 or 督办台 asks every half minute which cases its lists of arriving work hold now
(`static/pulse.js`), and says so when new ones came — how many, how many of them emergencies — without reloading
the page under the reader's hands. Each answer is the same lists the page shows, for the same reader: a handler
hears only of their own unit's cases."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from jiesu.api.deps import jiesu_app, optional_principal
from jiesu.domain.enums import Role
from jiesu.web.pages import QUEUE_ROLES, arrivals, desk_sections, inbox_arrivals, queue_sections
from jiesu.web.rendering import login_required

router = APIRouter(include_in_schema=False)


def _signed_out() -> JSONResponse:  # a new response each time: middleware adds its headers to the one it sends
    return JSONResponse({"code": "unauthenticated", "message": "登录已过期，请刷新页面重新登录", "field": None},
                        status_code=401)


def _answer(keys: tuple[list[str], list[str]]) -> dict:
    return {"keys": keys[0], "urgent": keys[1]}


@router.get("/inbox/pulse")
def inbox_pulse(request: Request):
    if optional_principal(request) is None:  # the page's session ended: the script says so instead of polling on
        return _signed_out()
    principal = login_required(request, Role.HANDLER)
    return _answer(arrivals(inbox_arrivals(jiesu_app(request), principal)))


@router.get("/queue/pulse")
def queue_pulse(request: Request):
    if optional_principal(request) is None:
        return _signed_out()
    login_required(request, *QUEUE_ROLES)
    return _answer(arrivals(queue_sections(jiesu_app(request))))


@router.get("/desk/pulse")
def desk_pulse(request: Request):
    if optional_principal(request) is None:
        return _signed_out()
    login_required(request, Role.SUPERVISOR)
    return _answer(arrivals(desk_sections(jiesu_app(request))))
