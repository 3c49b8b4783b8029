"""我的诉求 for a citizen's app (a mini-program, a city app): a code texted to the mobile number, exchanged for a token
that lists, shows, urges and rates every case of the number (`services/citizen_login.py`; the portal's pages are
`web/portal_mine.py`). The token goes in `X-Citizen-Token`, apart from the staff's bearer tokens."""

from __future__ import annotations

from fastapi import APIRouter, Header, Request

from jiesu.api.deps import jiesu_app
from jiesu.api.limits import client_key
from jiesu.api.requests import token_keys, tracked_view
from jiesu.api.schemas import ERRORS, MineCodeBody, MineTokenBody
from jiesu.api.views import iso
from jiesu.domain.errors import NotFound
from jiesu.domain.notices import LOGIN_CODE_MINUTES
from jiesu.domain.validation import mask_phone
from jiesu.domain.workflow import Status
from jiesu.services import citizen_login, intake

mine = APIRouter(prefix="/api/v1/public/mine", tags=["citizen"], responses=ERRORS)


@mine.post("/code", status_code=202)
def send_code(body: MineCodeBody, request: Request) -> dict:
    """Text a one-time code to the number. The answer is the same whether or not the number has called the hotline
    (only a number some case has is texted); one code a minute and five a day per number (429 otherwise)."""
    app = jiesu_app(request)
    number = citizen_login.mobile(body.phone)
    request.app.state.track_limiter.check(client_key(request))
    citizen_login.request_code(app, number)
    return {"sent_to": mask_phone(number), "valid_minutes": LOGIN_CODE_MINUTES,
            "message": f"如该号码在本热线反映过诉求，验证码已发送至 {mask_phone(number)}，{LOGIN_CODE_MINUTES} 分钟内有效"}


@mine.post("/token")
def token(body: MineTokenBody, request: Request) -> dict:
    """The texted code for a token (valid 30 minutes): send it as X-Citizen-Token."""
    app = jiesu_app(request)
    request.app.state.track_limiter.check(client_key(request))
    opened = citizen_login.verify(app, body.phone, body.code)
    return {"token": citizen_login.token_for(app, opened), "expires_at": iso(opened.until),
            "phone": opened.phone_masked}


@mine.get("")
def own_cases(request: Request, citizen_token: str = Header(..., alias="X-Citizen-Token")) -> dict:
    """Every case of the number, newest first."""
    app = jiesu_app(request)
    names = app.current_config().unit_names
    return {"items": [{"ticket": x.ticket, "title": x.title, "status": x.status,
                       "status_label": Status(x.status).label, "received_at": iso(x.received_at),
                       "unit": names.get(x.lead_unit, x.lead_unit) if x.lead_unit else None}
                      for x in citizen_login.own_cases(app, token_keys(app, citizen_token))]}


@mine.get("/{ticket}")
def own_case(ticket: str, request: Request, citizen_token: str = Header(..., alias="X-Citizen-Token")) -> dict:
    """One of the number's cases, as the track endpoint shows it (another number's: 404)."""
    app = jiesu_app(request)
    keys = token_keys(app, citizen_token)
    if not keys:
        raise NotFound("工单号不正确", field="ticket")
    return tracked_view(app, intake.citizen_case(app, ticket, "", keys))
