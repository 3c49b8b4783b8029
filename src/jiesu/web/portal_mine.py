"""我的诉求 on the portal: a requester proves their mobile number with a texted code and sees every case of it — and
urges or rates each from there — without the ticket and tracking code of each (`services/citizen_login.py`)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from jiesu.api.deps import jiesu_app
from jiesu.api.limits import client_key
from jiesu.domain.errors import DomainError
from jiesu.domain.notices import LOGIN_CODE_MINUTES
from jiesu.domain.validation import mask_phone
from jiesu.domain.workflow import Status
from jiesu.services import citizen_login
from jiesu.services.intake import citizen_case
from jiesu.web.rendering import error_text, posted_form, render
from jiesu.web.track import render_track

router = APIRouter(include_in_schema=False)


def citizen_keys(request: Request) -> list[str]:
    """The phone lookup keys of the requester signed in on this browser (我的诉求: the app's token, kept in the
    session), or none once it has expired."""
    held = request.session.get("citizen")
    keys = citizen_login.keys_of_token(jiesu_app(request), held["token"]) if held else []
    if held and not keys:
        request.session.pop("citizen", None)
    return keys


def _page(request: Request, status_code: int = 200, **context) -> Response:
    keys = citizen_keys(request)
    app = jiesu_app(request)
    held = request.session.get("citizen") if keys else None
    return render(request, "portal_mine.html", status_code, cases=citizen_login.own_cases(app, keys) if keys else None,
                  held=held, until=datetime.fromisoformat(held["until"]) if held else None, Status=Status,
                  names=app.current_config().unit_names, minutes=LOGIN_CODE_MINUTES, **context)


@router.get("/portal/mine")
def mine(request: Request) -> Response:
    return _page(request, phone="")


@router.post("/portal/mine/code")
async def send_code(request: Request) -> Response:
    form = await posted_form(request)
    phone = str(form.get("phone", "")).strip()
    app = jiesu_app(request)
    try:
        number = citizen_login.mobile(phone)
        request.app.state.track_limiter.check(client_key(request))
        citizen_login.request_code(app, number)
    except DomainError as error:
        status = {"rate_limited": 429}.get(error.code, 400)
        return _page(request, status, phone=phone, error=error_text(error))
    return _page(request, phone=number, sent_to=mask_phone(number))


@router.post("/portal/mine/verify")
async def verify(request: Request) -> Response:
    form = await posted_form(request)
    phone, code = str(form.get("phone", "")).strip(), str(form.get("code", "")).strip()
    app = jiesu_app(request)
    try:
        request.app.state.track_limiter.check(client_key(request))
        opened = citizen_login.verify(app, phone, code)
    except DomainError as error:
        status = {"rate_limited": 429}.get(error.code, 400)
        return _page(request, status, phone=phone, sent_to=mask_phone(phone), error=error_text(error))
    request.session["citizen"] = {"token": citizen_login.token_for(app, opened), "until": opened.until.isoformat(),
                                  "phone": opened.phone_masked}  # the last two for the page to show
    return RedirectResponse("/portal/mine", status_code=303)


@router.post("/portal/mine/logout")
async def logout(request: Request) -> Response:
    await posted_form(request)
    request.session.pop("citizen", None)
    return RedirectResponse("/portal/mine", status_code=303)


@router.get("/portal/mine/{ticket}")
def own_case(request: Request, ticket: str) -> Response:
    keys = citizen_keys(request)
    if not keys:
        return RedirectResponse("/portal/mine", status_code=303)
    try:
        case = citizen_case(jiesu_app(request), ticket, "", keys)
    except DomainError as error:
        return render_track(request, 404, ticket=ticket, error=error_text(error))
    return render_track(request, ticket=ticket, case=case, mine=True)
