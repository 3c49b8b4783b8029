"""Open311 GeoReport v2 under /open311/v2, in JSON and XML (`.json` / `.xml` suffix, JSON by default).

Services are the leaf categories of the catalogue. jiesu's statuses map to open/closed: a case is closed once it
is answered directly, called back, withdrawn, merged into another, handed over to an emergency line or
archived. Errors follow the spec: a list of
{code, description} with 400, 403 or 404. No personal data is ever returned.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import select

from jiesu.api.deps import jiesu_app
from jiesu.domain.calendar import SHANGHAI
from jiesu.domain.errors import DomainError, NotFound
from jiesu.domain.workflow import Status
from jiesu.nlp import pii
from jiesu.services import intake, photos
from jiesu.services.cases import Intake
from jiesu.services.users import open311_client
from jiesu.storage import tables as t


class Open311ErrorItem(BaseModel):
    code: int
    description: str


router = APIRouter(prefix="/open311/v2", tags=["open311"], responses={
    status: {"model": list[Open311ErrorItem], "description": description}
    for status, description in ((400, "bad request"), (403, "invalid api_key"), (404, "not found"),
                                (500, "internal server error"))})
CLOSED = {Status.ANSWERED, Status.CLOSED, Status.WITHDRAWN, Status.MERGED, Status.ARCHIVED, Status.HANDED_OVER}
STATUS_NOTES = {s: s.label for s in Status}
_90_DAYS = timedelta(days=90)


class Open311Error(Exception):
    def __init__(self, status: int, code: int, description: str) -> None:
        self.status, self.code, self.description = status, code, description


def _format(name: str) -> tuple[str, str]:
    if name.endswith(".xml"):
        return name[:-4], "xml"
    if name.endswith(".json"):
        return name[:-5], "json"
    return name, "json"


def _to_xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ElementTree.Element(root)
    for row in rows:
        element = ElementTree.SubElement(top, item)
        for key, value in row.items():
            child = ElementTree.SubElement(element, key)
            if isinstance(value, list):
                for entry in value:
                    ElementTree.SubElement(child, "item").text = str(entry)
            elif value is not None:
                child.text = str(value).lower() if isinstance(value, bool) else str(value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(top, encoding="unicode").encode()


def respond(fmt: str, root: str, item: str, rows: list[dict], status: int = 200) -> Response:
    if fmt == "xml":
        return Response(_to_xml(root, item, rows), status_code=status, media_type="text/xml; charset=utf-8")
    return JSONResponse(rows, status_code=status)


def error(fmt: str, status: int, code: int, description: str) -> Response:
    return respond(fmt, "errors", "error", [{"code": code, "description": description}], status)


def error_at(path: str, status: int, description: str) -> Response:
    """An error answered outside the routes (`web/error_pages.py`), in the format the address asks for."""
    return error("xml" if path.endswith(".xml") else "json", status, status, description)


def _time(moment: datetime | None) -> str | None:
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds") if moment else None


def _services(app) -> list[dict]:
    directory = app.current_config().directory
    rows = []
    for category in directory.leaves():
        ancestry = directory.category_ancestry(category.code)
        group = directory.categories[ancestry[-1]].name
        rows.append({"service_code": category.code, "service_name": category.name,
                     "description": directory.category_path(category.code), "metadata": False, "type": "realtime",
                     "keywords": "", "group": group})
    return rows


def handled(func):
    import functools

    @functools.wraps(func)
    async def wrapper(request: Request, *args, **kwargs):
        fmt = _format(request.url.path.rsplit("/", 1)[-1])[1]
        try:
            return await func(request, *args, **kwargs)
        except Open311Error as e:
            return error(fmt, e.status, e.code, e.description)
        except NotFound as e:
            return error(fmt, 404, 404, e.message)
        except DomainError as e:
            return error(fmt, 400, 400, f"{e.field}: {e.message}" if e.field else e.message)

    return wrapper


@router.get("/discovery{suffix:path}")
@handled
async def discovery(request: Request, suffix: str = "") -> Response:
    fmt = _format("discovery" + suffix)[1]
    base = str(request.base_url).rstrip("/") + "/open311/v2/"
    data: dict[str, Any] = {"changeset": "2026-11-29T00:00:00+08:00", "contact": "12345 市民服务热线",
            "key_service": "jiesu open311 key create --name NAME",
            "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                           "changeset": "2026-11-29T00:00:00+08:00", "type": "production",
                           "formats": ["application/json", "text/xml"]}]}
    if fmt == "xml":
        top = ElementTree.Element("discovery")
        for key in ("changeset", "contact", "key_service"):
            ElementTree.SubElement(top, key).text = data[key]
        endpoints = ElementTree.SubElement(top, "endpoints")
        endpoint = ElementTree.SubElement(endpoints, "endpoint")
        for key in ("specification", "url", "changeset", "type"):
            ElementTree.SubElement(endpoint, key).text = data["endpoints"][0][key]
        formats = ElementTree.SubElement(endpoint, "formats")
        for f in data["endpoints"][0]["formats"]:
            ElementTree.SubElement(formats, "format").text = f
        xml = b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(top, encoding="unicode").encode()
        return Response(xml, media_type="text/xml; charset=utf-8")
    return JSONResponse(data)


@router.get("/services{suffix:path}")
@handled
async def services(request: Request, suffix: str = "") -> Response:
    app = jiesu_app(request)
    name, fmt = _format("services" + suffix)
    if name == "services":
        return respond(fmt, "services", "service", _services(app))
    code = name[len("services/"):]
    if not code or "/" in code or not any(s["service_code"] == code for s in _services(app)):
        raise Open311Error(404, 404, f"service_code {code} not found")
    return _definition(fmt, code)


def _definition(fmt: str, code: str) -> Response:
    data = {"service_code": code, "attributes": []}
    if fmt == "xml":
        top = ElementTree.Element("service_definition")
        ElementTree.SubElement(top, "service_code").text = code
        ElementTree.SubElement(top, "attributes")
        return Response(b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(top, encoding="unicode").encode(),
                        media_type="text/xml; charset=utf-8")
    return JSONResponse(data)


MEDIA_URL = re.compile(r"https?://[^\s<>\"']{1,490}")


def _request_row(app, row, names: dict[str, str], service_names: dict[str, str]) -> dict:
    status = Status(row.status)
    return {
        "service_request_id": row.ticket, "status": "closed" if status in CLOSED else "open",
        "status_notes": STATUS_NOTES[status], "service_name": service_names.get(row.category or "", ""),
        "service_code": row.category, "description": pii.mask(row.content),
        "agency_responsible": names.get(row.lead_unit or "", ""), "service_notice": "",
        "requested_datetime": _time(row.received_at), "updated_datetime": _time(row.updated_at),
        "expected_datetime": _time(row.resolve_due), "address": row.address, "address_id": None,
        "zipcode": None, "lat": row.lat, "long": row.lon, "media_url": None,
    }


def _parse_date(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, 400, f"{field}: not a w3 datetime: {value}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


@router.get("/requests{suffix:path}")
@handled
async def get_requests(request: Request, suffix: str = "") -> Response:
    app = jiesu_app(request)
    name, fmt = _format("requests" + suffix)
    params = request.query_params
    r = t.requests
    query = select(r.c.id, r.c.ticket, r.c.status, r.c.category, r.c.content, r.c.lead_unit, r.c.received_at,
                   r.c.updated_at, r.c.resolve_due, r.c.address, r.c.lat, r.c.lon)
    if name != "requests":
        ticket = name[len("requests/"):]
        query = query.where(r.c.ticket == ticket)
    else:
        ids = [i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip()]
        if ids:
            query = query.where(r.c.ticket.in_(ids))
        codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
        if codes:
            query = query.where(r.c.category.in_(codes))
        start = _parse_date(params.get("start_date"), "start_date")
        end = _parse_date(params.get("end_date"), "end_date")
        if start and end and end < start:
            raise Open311Error(400, 400, "end_date is before start_date")
        if start:
            query = query.where(r.c.received_at >= start)
        if end:
            query = query.where(r.c.received_at <= end)
        status = params.get("status")
        if status:
            wanted = {s.strip() for s in status.split(",")}
            if not wanted <= {"open", "closed"}:
                raise Open311Error(400, 400, "status must be open or closed")
            closed = [s.value for s in CLOSED]
            if wanted == {"open"}:
                query = query.where(r.c.status.not_in(closed))
            elif wanted == {"closed"}:
                query = query.where(r.c.status.in_(closed))
        if not (ids or start or end):
            query = query.where(r.c.received_at >= app.now() - _90_DAYS)
        query = query.order_by(r.c.id.desc()).limit(1000)
    with app.uow(read_only=True) as uow:
        directory = app.config(uow).directory
        rows = uow.connection.execute(query).all()
        media = photos.media_urls(uow.connection, [row.id for row in rows])  # kept as given, never fetched
    names = {code: unit.name for code, unit in directory.units.items()}
    service_names = {code: c.name for code, c in directory.categories.items()}
    if name != "requests" and not rows:
        raise Open311Error(404, 404, f"service_request_id {name[len('requests/'):]} not found")
    return respond(fmt, "service_requests", "request",
                   [_request_row(app, row, names, service_names) | {"media_url": media.get(row.id)} for row in rows])


@router.post("/requests{suffix:path}")
@handled
async def post_request(request: Request, suffix: str = "") -> Response:
    app = jiesu_app(request)
    name, fmt = _format("requests" + suffix)
    if name != "requests":
        raise Open311Error(404, 404, "not found")
    posted = await request.form()

    def field(name: str) -> str:  # a form field as text ("" for a file sent in its place)
        value = posted.get(name)
        return value.strip() if isinstance(value, str) else ""

    client = open311_client(app, field("api_key") or None)
    if client is None:
        raise Open311Error(403, 403, "api_key is missing or not valid")
    request.app.state.submit_limiter.check(f"open311:{client.name}")
    code = field("service_code")
    if not code:
        raise Open311Error(400, 400, "service_code is required")
    if not any(s["service_code"] == code for s in _services(app)):
        raise Open311Error(404, 404, f"service_code {code} not found")
    lat, lon, address = field("lat"), field("long"), field("address_string")
    if not ((lat and lon) or address or field("address_id")):
        raise Open311Error(400, 400, "a location is required: lat and long, address_string or address_id")
    try:
        lat_value = float(lat) if lat else None
        lon_value = float(lon) if lon else None
    except ValueError:
        raise Open311Error(400, 400, "lat and long must be numbers") from None
    name_parts = " ".join(p for p in (field("last_name"), field("first_name")) if p)
    media_url = field("media_url") or None
    if media_url is not None and not MEDIA_URL.fullmatch(media_url):
        raise Open311Error(400, 400, "media_url must be an http or https URL of at most 500 characters")
    case, _, _, applied = intake.submit(app, client, Intake(
        content=field("description"), kind="report", channel="open311", requester_name=name_parts,
        requester_phone=field("phone") or None, address=address, lat=lat_value, lon=lon_value,
        category=code), media_url=media_url)
    with app.uow(read_only=True) as uow:
        token = uow.connection.execute(select(t.citizen_access.c.open311_token)
                                       .where(t.citizen_access.c.request_id == case.id)).scalar()
    return respond(fmt, "service_requests", "request",
                   [{"service_request_id": case.ticket, "token": token, "service_notice": notice(applied),
                     "account_id": None}])


def notice(applied: dict) -> str:
    """Open311's service_notice: received, and for a text read as an emergency, that it was taken as one and that
    the requester should call the emergency services too (the client shows it to them)."""
    if applied.get("urgency_reason"):
        return f"已按紧急件受理（{applied['urgency_reason']}）。{intake.EMERGENCY_ADVICE}"
    return "已受理"


@router.get("/tokens/{token_name:path}")
@handled
async def tokens(request: Request, token_name: str) -> Response:
    app = jiesu_app(request)
    token, fmt = _format(token_name)
    with app.uow(read_only=True) as uow:
        row = uow.connection.execute(
            select(t.requests.c.ticket).join(t.citizen_access, t.citizen_access.c.request_id == t.requests.c.id)
            .where(t.citizen_access.c.open311_token == token)).first()
    if row is None:
        raise Open311Error(404, 404, f"token {token} not found")
    return respond(fmt, "service_requests", "request", [{"service_request_id": row.ticket, "token": token}])

