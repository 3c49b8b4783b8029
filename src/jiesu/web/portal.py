"""The citizen portal: submit a request (with photos, if any), track it with the ticket and code, urge the unit (催办)
while it handles the case, rate the reply. (我的诉求, every case of a mobile number: `web/portal_mine.py`.)"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from jiesu.api.deps import OptionalRecordId, jiesu_app
from jiesu.api.limits import client_key
from jiesu.api.views import photo_response
from jiesu.domain.enums import RequestKind
from jiesu.domain.errors import DomainError, InvalidInput
from jiesu.services import intake, photos, publication, topics
from jiesu.services.cases import Intake
from jiesu.web.portal_mine import citizen_keys
from jiesu.web.rendering import error_text, posted_form, posted_id, render, uploaded
from jiesu.web.track import render_track

router = APIRouter(include_in_schema=False)


def _portal(request: Request, status_code: int = 200, form: dict | None = None, error: str | None = None,
            topic_id: int | None = None) -> Response:
    """The form, with the 人民建议征集 topics open today; on a topic's own form (`?topic=ID`), that topic."""
    app = jiesu_app(request)
    open_topics = topics.listed(app, open_only=True)
    topic = next((x for x in open_topics if x.id == topic_id), None)
    return render(request, "portal.html", status_code, form=form or {}, kinds=list(RequestKind), error=error,
                  texts=app.settings.notify_citizens, topics=open_topics, topic=topic,
                  results=topics.results(app) if topic_id is None else [],
                  topic_missing=topic_id is not None and topic is None)


@router.get("/portal")
def portal(request: Request, topic: OptionalRecordId = None) -> Response:
    return _portal(request, topic_id=topic)


@router.post("/portal")
async def portal_submit(request: Request) -> Response:
    form = await posted_form(request)
    app = jiesu_app(request)
    fields = {k: str(form.get(k, "")).strip() for k in ("content", "title", "requester_name", "requester_phone",
                                                         "address", "kind", "lat", "lon", "topic_id", "publish")}
    topic_id = None
    sent = await uploaded(form, "photos") + await uploaded(form, "photo")  # "photo": the field's name until 0015
    try:
        topic_id = posted_id(fields["topic_id"], "topic_id")
        if not fields["requester_phone"]:
            raise InvalidInput("请留下联系电话，以便承办单位联系和回访", field="requester_phone")
        request.app.state.submit_limiter.check(client_key(request))
        case, _, code, applied = intake.submit(app, intake.CITIZEN, Intake(
            content=fields["content"], title=fields["title"] or None, kind=fields["kind"] or "complaint",
            channel="web", requester_name=fields["requester_name"],
            requester_phone=fields["requester_phone"] or None, address=fields["address"],
            lat=posted_coordinate(fields["lat"], "lat"), lon=posted_coordinate(fields["lon"], "lon"),
            topic_id=topic_id, publish_consent=fields["publish"] == "yes"), photos=sent)
    except DomainError as error:
        return _portal(request, 400, form=fields, error=error_text(error, photos=bool(sent)), topic_id=topic_id)
    return render(request, "portal_done.html", ticket=case.ticket, code=code, urgent=applied.get("urgency_reason"))


def posted_coordinate(text: str, field: str) -> float | None:
    """A coordinate the page's 使用当前位置 filled in (none when the citizen did not use it)."""
    try:
        return float(text) if text else None
    except ValueError:
        raise InvalidInput("位置不是数字：请重新点击“使用当前位置”，或只填写地点", field=f"location.{field}") from None


@router.get("/portal/track")
def track_page(request: Request, ticket: str = "") -> Response:
    return render_track(request, ticket=ticket)


@router.post("/portal/track")
async def track(request: Request) -> Response:
    form = await posted_form(request)
    ticket, code = str(form.get("ticket", "")).strip(), str(form.get("code", "")).strip()
    try:
        request.app.state.track_limiter.check(client_key(request))
        case = intake.citizen_case(jiesu_app(request), ticket, code)
    except DomainError as error:
        return render_track(request, 404 if error.code == "not_found" else 429, ticket=ticket,
                            error=error_text(error))
    return render_track(request, ticket=ticket, code=code, case=case)


async def _on_own_case(request: Request, step, **done) -> Response:
    """A requester's step on their own case from the track page (催办, 补充, 评价): `step(app, ticket, code, form, keys,
    photos)`
    after the form's CSRF token and the rate limit, the case opened by its code or, for a requester signed in to
    我的诉求, by their phone (`keys`); a refusal shows the case again with the reason — unless the ticket and code
    did not open it, or the rate limit refused before they were tried (showing the case then would let codes be
    guessed past the limit)."""
    form = await posted_form(request)
    ticket, code = str(form.get("ticket", "")).strip(), str(form.get("code", "")).strip()
    app, keys = jiesu_app(request), citizen_keys(request)
    sent = await uploaded(form, "photos")
    try:
        request.app.state.track_limiter.check(client_key(request))
        case = step(app, ticket, code, form, keys, sent)
    except DomainError as error:
        case = None
        if error.code not in ("not_found", "rate_limited"):  # the ticket and code were right: show the case
            try:
                case = intake.citizen_case(app, ticket, code, keys)
            except DomainError:
                case = None
        status = {"not_found": 404, "rate_limited": 429}.get(error.code, 400)
        return render_track(request, status, ticket=ticket, code=code, case=case,
                            error=error_text(error, photos=bool(sent)), mine=bool(keys))
    return render_track(request, ticket=ticket, code=code, case=case, mine=bool(keys), **done)


@router.get("/portal/photos/{token}")
def requester_photo(request: Request, token: str) -> Response:
    """A photo shown to the requester on the track page, by the sealed link given there (it expires)."""
    try:
        data, content_type = photos.for_requester_link(jiesu_app(request), token)
    except DomainError as error:
        return render(request, "message.html", 404, title="照片不存在", message=error_text(error))
    return photo_response(data, content_type)


@router.post("/portal/urge")
async def urge(request: Request) -> Response:
    """催办: the requester asks the unit to hurry, once a day."""
    return await _on_own_case(request, lambda app, ticket, code, form, keys, _photos: intake.citizen_urge(
        app, ticket, code, str(form.get("note", "")), keys), urged=True)


@router.post("/portal/supplement")
async def supplement(request: Request) -> Response:
    """补充诉求: the requester adds a detail or photos until the unit has answered."""
    return await _on_own_case(request, lambda app, ticket, code, form, keys, photos: intake.citizen_supplement(
        app, ticket, code, str(form.get("note", "")), photos, keys), supplemented=True)


@router.post("/portal/unpublish")
async def unpublish(request: Request) -> Response:
    """不再公开: the requester takes back their consent to 办件公开."""
    return await _on_own_case(request, lambda app, ticket, code, form, keys, _photos: publication.withdraw_consent(
        app, ticket, code, keys), unpublished=True)


@router.post("/portal/rate")
async def rate(request: Request) -> Response:
    """评价: the requester says whether it was solved and how satisfied they are."""
    return await _on_own_case(request, lambda app, ticket, code, form, keys, _photos: intake.citizen_rating(
        app, ticket, code, form.get("solved") == "yes", str(form.get("satisfaction", "")),
        str(form.get("note", "")), keys), rated=True)
