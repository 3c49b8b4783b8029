"""/api/v1: cases, actions, suggestions, the citizen's public endpoints."""

from __future__ import annotations

import base64
from datetime import datetime

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from jiesu.api.deps import RecordId, check_csrf, jiesu_app, require_role, staff
from jiesu.api.limits import client_key
from jiesu.api.schemas import (
    ERRORS,
    ActionBody,
    CreateBody,
    PublicIntakeBody,
    RatingBody,
    SuggestBody,
    SupplementBody,
    UrgeBody,
    decoded_photos,
)
from jiesu.api.views import actions_for, case_view, iso, photo_response, standing_view
from jiesu.bootstrap import App
from jiesu.domain.enums import Adoption, Channel, EmergencyLine, LabelledEnum, RequestKind, Role, Urgency
from jiesu.domain.errors import InvalidInput, NotFound
from jiesu.domain.routing import Directory
from jiesu.domain.workflow import Action, Status
from jiesu.nlp import pii
from jiesu.services import (
    access,
    assessment,
    calls,
    cases,
    intake,
    notifications,
    photos,
    publication,
    reply_references,
    topics,
    workload,
)
from jiesu.services.access import require_read
from jiesu.services.cases import Intake
from jiesu.services.users import Principal
from jiesu.storage.tables import MAX_ID

router = APIRouter(prefix="/api/v1", tags=["cases"], responses=ERRORS)


def names(app: App) -> tuple[dict[str, str], Directory]:
    config = app.current_config()
    return config.unit_names, config.directory


def view(app: App, request, principal: Principal, events: bool = True, revealed: bool = False) -> dict:
    unit_names, directory = names(app)
    path = directory.category_path(request.category) if request.category in directory.categories else None
    result = case_view(request, principal, events=events, category_path=path, unit_names=unit_names,
                       revealed=revealed, now=app.now())
    if events:
        result["photos"] = [{"id": p.id, "seq": p.seq, "content_type": p.content_type, "size": p.size,
                             "at": iso(p.at), "url": f"/api/v1/requests/{request.id}/photos/{p.id}"}
                            for p in photos.listed(app, request)]
    if "delegate" in result["allowed_actions"]:  # 下派: to which units under it, as the duty lists allow
        with app.uow(read_only=True) as uow:
            units = cases.delegable(app.router(uow), request, principal.area)
        result["delegable_units"] = [{"unit": u.code, "name": u.name} for u in units]
        if not units:
            result["allowed_actions"].remove("delegate")
    with app.uow(read_only=True) as uow:  # 办件公开: whether the requester agreed, and where it stands
        consent = publication.of_case(uow.connection, request.stored_id)
        result["publication"] = None if consent is None else {
            "consented": True, "withheld": consent.withheld_at is not None,
            "published": publication.published(app, uow.connection, request.stored_id)}
    if "assign_owner" in result["allowed_actions"]:  # 分办: to whom in the unit (no one else: no 分办)
        with app.uow(read_only=True) as uow:
            staff = cases.assignable(uow.connection, request, principal.unit)
        result["unit_staff"] = staff
        if not staff:
            result["allowed_actions"].remove("assign_owner")
    return result


def suggestions_view(s: intake.Suggestions) -> dict:
    routing = s.routing
    return {
        "source": s.source,
        "categories": _categories(s.categories),
        "urgency": {"urgent": s.urgency.urgent, "reason": s.urgency.reason, "line": s.urgency.line,
                    "line_label": EmergencyLine.label_of(s.urgency.line)},
        "sensitivity": {"sensitive": s.sensitivity.sensitive, "kinds": list(s.sensitivity.kinds),
                        "reason": s.sensitivity.reason},
        "routing": None if routing is None else {
            "leads": [{"unit": c.unit.code, "name": c.unit.name, "reason": c.reason, "score": c.score}
                      for c in routing.leads],
            "co_handlers": [{"unit": c.unit.code, "name": c.unit.name, "reason": c.reason} for c in routing.co_handlers],
            "notes": routing.notes},
        "repeats": [{**x, "title": pii.mask(x["title"]), "status_label": Status(x["status"]).label}
                    for x in s.repeats],  # other cases: masked as in lists
        "similar": [{**x, "title": pii.mask(x["title"])} for x in s.similar],
        "place": None if s.place is None else {"division": s.place.division, "name": s.place.name,
                                               "matched": s.place.matched},
        "personal_data": s.personal_data,
        "keywords": s.keywords,
        "knowledge": _knowledge(s.answers),
    }


def _categories(guesses) -> list[dict]:
    return [{"code": g.code, "path": g.path, "confidence": g.confidence} for g in guesses]


def _knowledge(hits) -> list[dict]:
    return [{"id": h.article.id, "title": h.article.title, "answer": h.article.answer, "source": h.article.source,
             "score": h.score} for h in hits]


@router.post("/suggest")
async def suggest(body: SuggestBody, request: Request, principal: Principal = Depends(staff)) -> dict:
    check_csrf(request)
    app = jiesu_app(request)
    return suggestions_view(intake.suggest(app, body.content, body.division, body.category, body.requester_phone,
                                           body.address, body.topic_id))


@router.post("/requests", status_code=201, response_class=JSONResponse, responses={
    200: {"description": "同一 Idempotency-Key 的重试：不再受理，返回第一次受理的工单"}})
async def create(body: CreateBody, request: Request, principal: Principal = Depends(staff),
                 idempotency_key: str | None = Header(None, alias="Idempotency-Key")) -> JSONResponse:
    """Register a case (受理). The response carries the case and the intake suggestions (category, urgency,
    responsible unit with its reason, the same requester's recent cases). Send an `Idempotency-Key` header so
    that a retried submission creates one case. `photos`: the requester's 现场照片, base64."""
    check_csrf(request)
    app = jiesu_app(request)
    pictures = decoded_photos(body.photos)
    prepared, suggestions, note = intake.prepare(app, body)
    case, created, code = intake.register(app, principal, prepared, idempotency_key, suggestion=note,
                                          keywords=suggestions.keywords, photos=pictures)
    result = view(app, case, principal)
    result["citizen_code"] = code  # to tell the citizen (only on the first response)
    result["suggestions"] = suggestions_view(suggestions) | {"applied": note["applied"]}
    return JSONResponse(result, status_code=201 if created else 200)


def _encode(value: int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        position = int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        position = 0
    if not 1 <= position <= MAX_ID:
        raise InvalidInput("cursor 无效", field="cursor")
    return position


def one_of(choices: type[LabelledEnum] | tuple[str, ...], description: str):
    """A query parameter taking one of a set of values, listed in the OpenAPI document (the label of an enum's
    member is accepted too; anything else is a 400 naming the parameter and the choices)."""
    values = [m.value for m in choices] if isinstance(choices, type) else list(choices)
    return Query(None, description=description, json_schema_extra={"enum": values})


def moment(name: str, value: str | None) -> datetime | None:
    """A time given in the query: ISO 8601 with its offset (pydantic would also take a bare number of seconds since
    1970, so `0.5` silently meant the first second of 1970)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"时间 {value!r} 应为 ISO 8601 格式，例如 2026-11-01T00:00:00+08:00", field=name) from None
    if parsed.tzinfo is None:
        raise InvalidInput("时间必须带时区，例如 2026-11-01T00:00:00+08:00", field=name)
    return parsed


def _time(description: str):
    return Query(None, description=description, json_schema_extra={"format": "date-time"})


@router.get("/requests")
def list_requests(request: Request, principal: Principal = Depends(staff),
                  status: str | None = Query(None, description="状态，可多个，以逗号分隔：" + "、".join(
                      s.value for s in Status)),
                  unit: str | None = Query(None, description="主办单位代码（精确）"),
                  category: str | None = Query(None, description="事项分类代码（精确，含已停用的）"),
                  q: str | None = Query(None, description="标题、内容或关键词包含；或工单号；或诉求人电话"),
                  category_tree: str | None = Query(None, description="某级分类及其下级分类"),
                  area: str | None = Query(None, description="区、街道/乡镇或社区/村代码（含下级）"),
                  channel: str | None = one_of(Channel, "渠道"), kind: str | None = one_of(RequestKind, "诉求类型"),
                  urgency: str | None = one_of(Urgency, "紧急程度"),
                  keyword: str | None = Query(None, description="工单关键词之一"),
                  slot: str | None = Query(None, description="受理时段（北京时间）星期-小时，例如 1-09 为周一 9 时"),
                  received_from: str | None = _time("受理时间起（含，ISO 8601，带时区）"),
                  received_to: str | None = _time("受理时间止（不含，ISO 8601，带时区）"),
                  unreasonable: str | None = one_of(cases.UNREASONABLE_STATES,
                                                    "不合理诉求：none/pending（待认定）/approved"),
                  topic: int | None = Query(None, ge=1, le=MAX_ID, description="人民建议征集：某个征集主题收到的建议"),
                  scope: str = Query("", description="承办人：不填为本单位工单，area 为辖区工单（下辖单位主办或协办的：可查看、可督办）"),
                  owner: str | None = Query(None, max_length=100, description="承办人员：分办给此账号的工单"),
                  sensitive: bool = Query(False, description="只列敏感诉求（群体性、舆情、越级上访、极端言行）"),
                  overdue: bool = False, cursor: str | None = None,
                  limit: int = Query(50, ge=1, le=200)) -> dict:
    """Cases newest first with filters and cursor pagination. A handler sees its own unit's cases, or with
    `scope=area` those of the units under it."""
    app = jiesu_app(request)
    if category_tree:
        app.current_config().directory.category(category_tree, field="category_tree")
    visible_to_unit, visible_to_area = access.list_scope(principal, scope)
    rows = cases.list_cases(app, cases.CaseFilter(
        statuses=status.split(",") if status else [],
        visible_to_unit=visible_to_unit, visible_to_area=visible_to_area,
        lead_unit=unit, category=category, text=q, overdue_at=app.now() if overdue else None,
        category_tree=category_tree, area=area, channel=channel, kind=kind, urgency=urgency, keyword=keyword,
        slot=cases.parse_slot(slot) if slot else None, received_from=moment("received_from", received_from),
        received_to=moment("received_to", received_to),
        unreasonable=unreasonable, topic_id=topic, owner=owner or None, sensitive=sensitive, before_id=_decode(cursor) if cursor else None,
        limit=limit + 1))
    items = [{"id": x.id, "ticket": x.ticket, "title": pii.mask(x.title), "status": x.status,
              "status_label": Status(x.status).label, "kind": x.kind, "category": x.category, "urgency": x.urgency,
              "lead_unit": x.lead_unit, "owner": x.owner, "sensitive": x.sensitive, "received_at": iso(x.received_at),
              "resolve_due": iso(x.resolve_due), "version": x.version} for x in rows[:limit]]
    return {"items": items, "next_cursor": _encode(rows[limit - 1].id) if len(rows) > limit else None}


@router.get("/requests/{request_id}")
def get_request(request_id: RecordId, request: Request, principal: Principal = Depends(staff), reveal: bool = False) -> dict:
    """The case with personal data masked; `reveal=true` shows it in full to the roles that may see it, and the
    audit trail records who asked (403 for the others)."""
    app = jiesu_app(request)
    if reveal:
        result = view(app, access.reveal(app, principal, request_id), principal, revealed=True)
    else:
        result = view(app, require_read(principal, cases.show(app, request_id)), principal)
    with app.uow(read_only=True) as uow:
        result["notices"] = [{"kind": n.kind.value, "kind_label": n.kind.label, "status": n.status.value,
                              "status_label": n.status.label, "attempts": n.attempts, "last_error": n.last_error,
                              "created_at": iso(n.created_at), "sent_at": iso(n.sent_at) if n.sent_at else None}
                             for n in notifications.for_case(uow.connection, request_id)]
        if principal.role in calls.SHOWN_TO:  # 话务记录: the call it was registered on (the centre's staff only)
            result["calls"] = [{"ref": c.ref, "offered_at": iso(c.offered_at) if c.offered_at else None,
                                "wait_seconds": c.wait_seconds, "talk_seconds": c.talk_seconds, "agent": c.agent}
                               for c in calls.of_case(uow.connection, request_id)]
    return result


@router.get("/requests/{request_id}/reading")
def get_reading(request_id: RecordId, request: Request, principal: Principal = Depends(staff)) -> dict:
    """Intake's reading of a stored case, for what the caller may do with it (the case page shows the same): for a
    case left unclassified, `categories` intake suggests now (with `source`); where it may be merged (并单),
    `duplicates` — the same requester's recent cases and similar ones in its 街道 (`why`); for a 咨询 that may be
    answered directly, the 知识库 `answers` that fit. Empty lists where none applies."""
    app = jiesu_app(request)
    case = require_read(principal, cases.show(app, request_id))
    read = intake.reading(app, case, actions_for(principal, case))
    return {"categories": _categories(read.categories), "source": read.source,
            "duplicates": [{**x, "title": pii.mask(x["title"]), "status_label": Status(x["status"]).label}
                           for x in read.duplicates],
            "answers": _knowledge(read.answers)}


@router.get("/requests/{request_id}/reply-references")
def get_reply_references(request_id: RecordId, request: Request, principal: Principal = Depends(staff)) -> dict:
    """答复参考, for whoever may write the case's 办结答复 now: the replies to the lead unit's earlier cases of the
    same category whose requesters called them solved and satisfied, most similar first (`similarity`), masked.
    Empty for anyone else (the case page shows the same)."""
    app = jiesu_app(request)
    case = require_read(principal, cases.show(app, request_id))
    found = reply_references.references(app, case) if "resolve" in actions_for(principal, case) else []
    return {"items": [{"id": x.id, "ticket": x.ticket, "title": x.title, "reply": x.reply,
                       "similarity": x.similarity} for x in found]}


@router.post("/requests/{request_id}/actions/{action}")
async def act(request_id: RecordId, body: ActionBody, request: Request,
              action: str = Path(description="工作流操作（docs/workflow.md）", json_schema_extra={
                  "enum": [a.value for a in Action]}),
              principal: Principal = Depends(staff), if_match: str | None = Header(None, alias="If-Match")) -> dict:
    """Perform one workflow action. The version (body `version` or `If-Match`) guards against lost updates."""
    check_csrf(request)
    app = jiesu_app(request)
    the_action = Action.parse(action, "action")
    version = body.version
    if version is None and if_match:
        try:
            version = int(if_match.strip('"'))
        except ValueError:
            raise InvalidInput("If-Match 应为版本号", field="If-Match") from None
    updated, warnings = cases.perform(app, principal.actor, request_id, the_action, body, version,
                                      guard=lambda case: require_read(principal, case),
                                      photos=decoded_photos(body.photos))
    result = view(app, updated, principal)
    result["warnings"] = warnings
    return result


@router.get("/requests/{request_id}/photos/{photo_id}")
def get_photo(request_id: RecordId, photo_id: RecordId, request: Request, principal: Principal = Depends(staff)) -> Response:
    """One 现场照片 of a case the caller may read, as image/jpeg or image/png."""
    return photo_response(*photos.for_staff(jiesu_app(request), principal, request_id, photo_id))


@router.get("/routing")
def routing(request: Request, category: str = Query(min_length=1, description="事项分类代码"),
            division: str | None = Query(None, description="所在社区/村、街道/乡镇或区的代码"),
            principal: Principal = Depends(staff)) -> dict:
    app = jiesu_app(request)
    return suggestions_view(intake.Suggestions(routing=cases.suggest_routing(app, category, division)))["routing"]


@router.get("/units")
def units(request: Request, principal: Principal = Depends(staff)) -> list[dict]:
    _, directory = names(jiesu_app(request))
    return [{"code": u.code, "name": u.name, "kind": u.kind.value, "parent": u.parent}
            for u in directory.units.values()]


@router.get("/units/{code}/standing")
def unit_standing(code: str, request: Request, month: str | None = None,
                  principal: Principal = Depends(staff)) -> dict:
    """本单位考核: the unit's 三率 for `month` (this month so far by default), its rank among its kind and the cases
    that lowered it. A handler asks for their own unit or one under it (another: 404)."""
    require_role(principal, *assessment.STANDING_VIEWERS)
    if principal.role == Role.HANDLER and principal.unit != code and code not in principal.area:
        raise NotFound("没有这个单位，或你无权查看", field="unit")
    app = jiesu_app(request)
    found = assessment.unit_standing(app, month or f"{app.today():%Y-%m}", code)
    bounds = assessment.month_bounds(found.month)
    return standing_view(found) | {"staff": [  # 承办人员, where the unit gives its cases out (分办)
        {"owner": x.owner, "in_hand": x.in_hand, "overdue": x.overdue, "answered": x.answered}
        for x in workload.staff_load(app, code, *bounds)], "co_staff": [  # and its parts of others' cases (协办)
        {"owner": x.owner, "owed": x.owed, "overdue": x.overdue, "reported": x.reported}
        for x in workload.co_load(app, code, *bounds)]}


@router.get("/categories")
def categories(request: Request, principal: Principal = Depends(staff)) -> list[dict]:
    _, directory = names(jiesu_app(request))
    return [{"code": c.code, "name": c.name, "parent": c.parent} for c in directory.categories.values()]


@router.get("/me")
def me(principal: Principal = Depends(staff)) -> dict:
    return {"name": principal.name, "role": principal.role.value, "unit": principal.unit}


# --- the citizen's own endpoints (no login: ticket + verification code) --------------------------------------
public = APIRouter(prefix="/api/v1/public", tags=["citizen"], responses=ERRORS)


@public.post("/requests", status_code=201)
def public_submit(body: PublicIntakeBody, request: Request,
                  idempotency_key: str | None = Header(None, alias="Idempotency-Key")) -> dict:
    """A citizen submits a request; the answer carries the ticket number and a verification code to track it, and
    `emergency`: why the text was taken as an emergency (the case is then 紧急), or null — an app should then tell
    its user to call 119, 110 or 120 as well."""
    app = jiesu_app(request)
    request.app.state.submit_limiter.check(client_key(request))
    case, created, code, applied = intake.submit(
        app, intake.CITIZEN, Intake(channel="app", **body.model_dump()),
        f"{client_key(request)}:{idempotency_key}" if idempotency_key else None)
    return {"ticket": case.ticket, "code": code, "created": created, "status": case.status.value,
            "emergency": applied.get("urgency_reason")}


@public.get("/topics")
def public_topics(request: Request) -> dict:
    """人民建议征集: the topics open for suggestions today, newest first; send a suggestion to one with `topic_id` in
    `POST /public/requests` (it is then a 建议 through the 人民建议征集 channel)."""
    return {"items": [{"id": x.id, "title": x.title, "description": x.description, "closes_on": x.closes_on.isoformat()}
                      for x in topics.listed(jiesu_app(request), open_only=True)]}


@public.get("/topics/results")
def public_topic_results(request: Request) -> dict:
    """征集结果: the topics ended in the last 180 days, newest first, with how many suggestions each took and how many
    the department adopted in whole (`adopted`) or in part (`partly`) — counts only."""
    return {"items": [{"id": o.topic.id, "title": o.topic.title, "ended_on": topics.ended_on(o.topic).isoformat(),
                       "suggestions": o.topic.suggestions, "adopted": o.adopted, "partly": o.partly}
                      for o in topics.results(jiesu_app(request))]}


@public.get("/cases")
def public_cases(request: Request, q: str = Query("", max_length=50), category: str = Query("", max_length=64),
                 area: str = Query("", max_length=64), before_id: int | None = Query(None, ge=1, le=MAX_ID)) -> dict:
    """办件公开: the cases whose requesters agreed to publication, called back or answered on the phone (the unit then
    the hotline), newest first (`before_id`: the next page); `q` words in the title or text, `category` (any level),
    `area` (区, 街道 or 社区). What was asked and answered, with numbers, ID numbers, cards, e-mail addresses and
    plates masked; the 街道, never the address; never the requester."""
    request.app.state.track_limiter.check(client_key(request))
    found = publication.listed(jiesu_app(request), q, category, area, before_id)
    return {"cases": [{"id": c.id, "title": c.title, "content": c.content, "category": c.category, "area": c.area,
                       "unit": c.unit, "received_on": c.received_on.isoformat(),
                       "answered_on": c.answered_on.isoformat() if c.answered_on else None, "reply": c.reply,
                       "solved": c.solved} for c in found],
            "next_before_id": found[-1].id if len(found) == publication.PAGE else None}


@public.get("/answers")
def public_answers(request: Request, q: str = Query(..., min_length=2, max_length=2000)) -> dict:
    """智能问答: the 知识库 answers that fit what a citizen is about to submit (the portal shows them while they
    type; many questions need no case at all), the published cases most like it (`published`: 办件公开, masked), and
    `emergency`: why the text reads as an emergency, or null (the
    portal then tells them to call 119, 110 or 120 now: a message on the web is not an emergency call)."""
    request.app.state.answers_limiter.check(client_key(request))
    app = jiesu_app(request)
    hits = app.knowledge.search(q, app.today())
    found = intake.emergency(app, q)
    return {"items": [{"title": h.article.title, "answer": h.article.answer, "source": h.article.source}
                      for h in hits],
            "published": [{"id": c.id, "title": c.title, "unit": c.unit, "reply": c.reply,
                           "answered_on": c.answered_on.isoformat() if c.answered_on else None}
                          for c in publication.similar(app, q)],
            "emergency": found.reason if found.urgent else None}


def citizen_view(case) -> dict:
    return {"ticket": case.ticket, "status": case.status.value, "status_label": case.status.label,
            "title": case.title, "received_at": iso(case.received_at), "reply": case.reply,
            "adoption": case.adoption, "adoption_label": Adoption.label_of(case.adoption) or None,
            "can_rate": case.status == Status.AWAITING_FOLLOW_UP, "can_urge": case.status in intake.URGEABLE,
            "can_supplement": case.status in intake.SUPPLEMENTABLE, "question": case.open_question(),
            "timeline": [{"at": iso(e.at), "action_label": e.action.label,
                          "line_label": e.line.label if e.line else None}  # 转紧急热线: to which line
                         for e in case.requester_steps]}


@public.get("/requests/{ticket}")
def public_track(ticket: str, request: Request, code: str = Query(...)) -> dict:
    request.app.state.track_limiter.check(client_key(request))
    app = jiesu_app(request)
    return tracked_view(app, intake.citizen_case(app, ticket, code))


def tracked_view(app: App, case) -> dict:
    """A case as its requester tracks it: the citizen view, the photos they may see, who has it until when, and
    whether they agreed to 办件公开 (`publish_consent`; they may take it back: `POST …/unpublish`)."""
    held = intake.handling(app, case)
    with app.uow(read_only=True) as uow:
        consent = publication.of_case(uow.connection, case.stored_id)
    return citizen_view(case) | {"photos": [{"step": step.value, "url": link}
                                            for step, link in photos.for_requester(app, case)],
                                 "handling": held and {"unit": held["unit"], "resolve_due": iso(held["due"]),
                                                       "overdue": held["late"]},
                                 "publish_consent": consent is not None}


@public.post("/requests/{ticket}/urge")
def public_urge(ticket: str, body: UrgeBody, request: Request,
                citizen_token: str | None = Header(None, alias="X-Citizen-Token")) -> dict:
    """催办 while a unit handles the case, once a day (409 with the reason before then); with the tracking code, or
    as the requester (a 我的诉求 token in X-Citizen-Token)."""
    request.app.state.track_limiter.check(client_key(request))
    app = jiesu_app(request)
    return citizen_view(intake.citizen_urge(app, ticket, body.code, body.note, token_keys(app, citizen_token)))


@public.post("/requests/{ticket}/unpublish")
def public_unpublish(ticket: str, body: UrgeBody, request: Request,
                     citizen_token: str | None = Header(None, alias="X-Citizen-Token")) -> dict:
    """不再公开: the requester takes back their consent to 办件公开 (400 naming `publication` when none was given);
    with the tracking code, or as the requester (X-Citizen-Token). `note` is not read."""
    request.app.state.track_limiter.check(client_key(request))
    app = jiesu_app(request)
    return citizen_view(publication.withdraw_consent(app, ticket, body.code, token_keys(app, citizen_token)))


@public.post("/requests/{ticket}/supplement")
def public_supplement(ticket: str, body: SupplementBody, request: Request,
                      citizen_token: str | None = Header(None, alias="X-Citizen-Token")) -> dict:
    """补充诉求 with the code (or a 我的诉求 token) until the unit has answered: `note`, and `photos` if any."""
    request.app.state.track_limiter.check(client_key(request))
    app = jiesu_app(request)
    return citizen_view(intake.citizen_supplement(app, ticket, body.code, body.note, decoded_photos(body.photos),
                                                  token_keys(app, citizen_token)))


@public.post("/requests/{ticket}/rating")
def public_rate(ticket: str, body: RatingBody, request: Request,
                citizen_token: str | None = Header(None, alias="X-Citizen-Token")) -> dict:
    request.app.state.track_limiter.check(client_key(request))
    app = jiesu_app(request)
    case = intake.citizen_rating(app, ticket, body.code, body.solved, body.satisfaction, body.note,
                                 token_keys(app, citizen_token))
    return citizen_view(case)


def token_keys(app: App, token: str | None) -> list[str]:
    """The requester's phone keys from a 我的诉求 token; a token sent that no longer opens anything is 401."""
    from jiesu.api.errors import Unauthenticated
    from jiesu.services.citizen_login import keys_of_token

    if not token:
        return []
    keys = keys_of_token(app, token)
    if not keys:
        raise Unauthenticated("我的诉求登录已过期或无效，请重新获取验证码", field="X-Citizen-Token")
    return keys


