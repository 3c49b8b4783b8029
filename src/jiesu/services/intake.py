"""Intake: suggestions while the agent types, registration with an idempotency key, and the citizen's own
submission with a verification code to track and rate the case later."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from jiesu.bootstrap import App
from jiesu.domain import validation
from jiesu.domain.enums import Channel, RequestKind, Role, Satisfaction
from jiesu.domain.errors import IllegalTransition, InvalidInput, NotFound
from jiesu.domain.request import NO_MASTER, CitizenRequest
from jiesu.domain.routing import Routing
from jiesu.domain.workflow import TRANSITIONS, Action, Status
from jiesu.nlp.keywords import masked_keywords
from jiesu.nlp.places import PlaceMatch
from jiesu.nlp.rules import CategoryGuess
from jiesu.nlp.sensitivity import SensitivityGuess, sensitivity
from jiesu.nlp.urgency import UrgencyGuess, urgency
from jiesu.services import calls, notifications, publication, topics
from jiesu.services import photos as photo_store
from jiesu.services.access import check_citizen_code
from jiesu.services.cases import ActionInput, Intake, act_within, build_request
from jiesu.services.users import Principal, digest
from jiesu.storage import tables as t

log = logging.getLogger(__name__)
REPEAT_WINDOW = timedelta(days=30)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_INSERT_KEY = insert(t.idempotency_keys)


def _recent(key_matches):
    r = t.requests
    return (select(r.c.id, r.c.ticket, r.c.title, r.c.status, r.c.category, r.c.received_at)
            .where(key_matches, r.c.received_at >= bindparam("since")).order_by(r.c.id.desc()).limit(5))


_RECENT = _recent(t.requests.c.requester_key == bindparam("key"))
_RECENT_ANY_KEY = _recent(t.requests.c.requester_key.in_(bindparam("keys", expanding=True)))  # while the secret
# is being rotated: the phone's hash under each configured secret (an IN list costs a re-rendering per call)
_INSERT_ACCESS = insert(t.citizen_access)

CITIZEN = Principal("诉求人", Role.CITIZEN)  # the requester in person: portal, citizen API, 我的诉求


@dataclass
class Suggestions:
    categories: list[CategoryGuess] = field(default_factory=list)
    urgency: UrgencyGuess = UrgencyGuess(False, "")
    routing: Routing | None = None
    repeats: list[dict] = field(default_factory=list)
    source: str = "rules"
    place: PlaceMatch | None = None  # where the text says the request is, when no division was given
    similar: list[dict] = field(default_factory=list)  # 同类件: the same matter from others, nearby and recent
    personal_data: list[str] = field(default_factory=list)  # kinds of personal data found in the text
    keywords: list[str] = field(default_factory=list)
    answers: list = field(default_factory=list)  # 知识库 articles close to the text (services/knowledge.Hit)
    topic: topics.Topic | None = None  # 人民建议征集: the open topic the text answers, when it is a suggestion to one
    sensitivity: SensitivityGuess = SensitivityGuess((), "")  # 敏感诉求: 群体性, 舆情, 越级上访, 极端言行


def suggest(app: App, text: str, division: str | None = None, category: str | None = None,
            phone: str | None = None, address: str = "", topic_id: int | None = None) -> Suggestions:
    """What the intake screen shows while the agent types: the top categories (from the active model, else from
    rules), urgency with its reason, the place named in the address, else in the text, the responsible units with
    reasons (for a suggestion to a 征集主题, of its matter, the department asking first), the same caller's recent
    cases, the personal data found in the text, keywords, and the 知识库 answers that fit."""
    from jiesu.nlp import pii

    with app.uow(read_only=True) as uow:
        config = app.config(uow)
        guesses, source = _categories(app, config, text)
        place = None if division in config.directory.units else (
            config.gazetteer.locate(address or "") or config.gazetteer.locate(text or ""))
        where = division if division in config.directory.units else (place.division if place else None)
        topic = topics.open_one(uow.connection, topic_id, app.today()) if topic_id is not None else None
        chosen = category or (topic.category if topic else None) or (guesses[0].code if guesses else None)
        routing = topics.advise(app.router(uow).route(chosen, where), topic, config.directory) \
            if chosen in config.directory.categories else None
        repeats = recent_by_requester(app, uow, phone) if phone else []
        similar = similar_nearby(app, uow, config, text or "", where, chosen)
        answers = app.knowledge.search(text or "", app.today(), chosen)
    findings = pii.find(text or "")
    return Suggestions(categories=guesses, urgency=emergency(app, text or ""), routing=routing, repeats=repeats,
                       source=source, place=place, similar=similar, personal_data=sorted({f.kind for f in findings}),
                       keywords=masked_keywords(text or ""), answers=answers, topic=topic,
                       sensitivity=sensitivity(text or ""))


def urgency_reason(case: CitizenRequest) -> str | None:
    """Why the case has its urgency: the reason given with the last 调整紧急程度, else what intake read in the text
    when it made the case an emergency (`prepare`, kept in the first event); None for an urgency chosen without one."""
    for event in reversed(case.events):
        if event.action == Action.CHANGE_URGENCY:
            return event.note or None
    suggestion = case.events[0].changes.get("suggestion") if case.events else None
    applied = suggestion[1].get("applied", {}) if suggestion and isinstance(suggestion[1], dict) else {}
    return applied.get("urgency_reason") or None


def _categories(app: App, config, text: str) -> tuple[list[CategoryGuess], str]:
    """The top categories for a text and where they come from: the active model, else the rules."""
    from jiesu.services.models import active_model

    model = active_model(app, config.model_path)
    if model is not None and text:
        try:
            top = model.top(text)
        except Exception:  # a model that loads but no longer predicts (libraries upgraded under it): a request
            # must still be taken, so the rules suggest, and the log says why
            log.exception("启用的模型无法给出建议，受理改用规则建议；请重新训练并启用模型")
            top = []
        guesses = [CategoryGuess(code, config.directory.category_path(code), probability)
                   for code, probability in top if code in config.directory.categories]
        if guesses:
            return guesses, "model"
    return config.rule_suggester.categories(text or ""), "rules"


def category_guesses(app: App, case: CitizenRequest) -> tuple[list[CategoryGuess], str]:
    """The categories intake would suggest for a case now (for the dispatcher who classifies a case left
    unclassified: the model was not confident enough, or nobody chose), and their source ("model" or "rules")."""
    return _categories(app, app.current_config(), f"{case.title}\n{case.content}".strip())


GUESS_FLOOR = 0.25  # below this the first category is a guess, not a reading (one in ten of 39)


def tells(guesses: Sequence[CategoryGuess]) -> bool:
    """Whether the first of the suggested categories is a reading of the text (a list names it, the case page
    offers it as 系统建议) rather than a guess (the list names none, the page says it cannot tell)."""
    return bool(guesses) and guesses[0].confidence >= GUESS_FLOOR


def first_guesses(app: App, rows: Sequence) -> dict[int, CategoryGuess]:
    """For a list of cases (the 派单台's 待派单), the category intake would suggest first for each one left
    unclassified, by case id, so the dispatcher sees what it probably is before opening it (and which ones it
    cannot tell: those are absent)."""
    ids = [row.id for row in rows if not row.category]
    if not ids:
        return {}
    r = t.requests
    with app.uow(read_only=True) as uow:
        config = app.config(uow)
        texts = uow.connection.execute(select(r.c.id, r.c.title, r.c.content).where(r.c.id.in_(ids))).all()
    guesses = {}
    for case_id, title, content in texts:
        found, _ = _categories(app, config, f"{title}\n{content}".strip())
        if tells(found):
            guesses[case_id] = found[0]
    return guesses


@dataclass
class Reading:
    """What intake's reading offers whoever opens a case that no agent classified or answered at intake."""

    categories: list[CategoryGuess]  # a case left unclassified: the categories intake would suggest now
    source: str  # of the categories: "model" or "rules" ("" when none were asked for)
    duplicates: list[dict]  # where it may still be merged: the cases it may repeat (merge_candidates)
    answers: list  # a question that may be answered directly: the 知识库 articles that fit (knowledge.Hit)


def reading(app: App, case: CitizenRequest, allowed: Collection[str]) -> Reading:
    """Intake's reading of a stored case, for those whose `allowed` actions can use it: categories for 改类 when
    it has none, candidates for 并单, 知识库 answers for 直接办结 of a 咨询."""
    categories, source = category_guesses(app, case) if not case.category and "reclassify" in allowed else ([], "")
    duplicates = merge_candidates(app, case) if "merge" in allowed else []
    answers = (app.knowledge.search(f"{case.title}\n{case.content}", app.today(), case.category)
               if "answer_directly" in allowed and case.kind == RequestKind.INQUIRY else [])
    return Reading(categories, source, duplicates, answers)


EMERGENCY_ADVICE = ("网上反映不能代替报警：危及生命财产安全时，请立即拨打 119（火警）、110（报警）、120（急救），"
                    "燃气、供水、供电、供热故障请拨打抢修电话。")  # told to a requester whose text reads as an emergency


def emergency(app: App, text: str) -> UrgencyGuess:
    """Whether a text reads as an emergency, and why (the winter rule in the heating months), as intake judges it."""
    return urgency(text, app.today().month)


SIMILAR_THRESHOLD = 0.2  # cosine of character 1–3-gram TF-IDF; lower than for clustering (0.3): the candidates
# are already the same category in the same 街道, and the agent decides


def similar_nearby(app: App, uow, config, text: str, division: str | None, category: str | None) -> list[dict]:
    """Cases of the last year in the same 街道 (and the same category, when known) whose text is similar:
    candidate 同类件 to merge, found through the process's n-gram index (`services/repeats.py`) and scored
    exactly by cosine over character n-grams."""
    from jiesu.domain.enums import UnitKind

    area = config.directory.territorial_at(division, UnitKind.SUBDISTRICT) if division else None
    if area is None or not text.strip():
        return []
    places = [area.code, *[u.code for u in config.directory.units.values() if u.parent == area.code]]
    hits = app.repeats.search(app, uow.connection, text, places, category, SIMILAR_THRESHOLD)
    if not hits:
        return []
    scores = dict(hits)
    r = t.requests
    rows = uow.connection.execute(select(r.c.id, r.c.ticket, r.c.title, r.c.status, r.c.received_at)
                                  .where(r.c.id.in_(list(scores)),
                                         r.c.status.not_in([Status.MERGED.value, Status.WITHDRAWN.value]))).all()
    ranked = sorted(rows, key=lambda x: (-scores[x.id], -x.id))
    return [{"id": x.id, "ticket": x.ticket, "title": x.title, "status": x.status, "score": round(scores[x.id], 3),
             "received_at": x.received_at.isoformat()} for x in ranked]


def prepare(app: App, intake: Intake) -> tuple[Intake, Suggestions, dict]:
    """Fill in what the text tells and the agent left open: the category when the model is confident enough, the
    urgency when the text describes an emergency, the place when the text names one (else where its coordinates
    are, within the configured boundaries). Returns the intake to register, the suggestions to show, and what was
    suggested and applied (kept in the case's first event so that the next training can compare the suggestion
    with people's final choice)."""
    text = f"{intake.title or ''}\n{intake.content}".strip()
    s = suggest(app, text, intake.division, intake.category, intake.requester_phone, intake.address,
                intake.topic_id)
    applied: dict = {}
    changes: dict = {}
    # a suggestion to a topic about a matter is about that matter: `register` gives it, not the model
    asked = s.topic.category if s.topic is not None else None
    if intake.category is None and asked is None and s.source == "model" and s.categories \
            and s.categories[0].confidence >= app.settings.auto_classify_confidence:
        changes["category"] = applied["category"] = s.categories[0].code
    if s.urgency.urgent and (intake.urgency or "normal") in ("normal", "一般"):
        changes["urgency"] = "emergency"
        applied["urgency_reason"] = s.urgency.reason
    if s.sensitivity.sensitive and not intake.sensitive:
        changes["sensitive"] = applied["sensitive"] = s.sensitivity.reason
    if not intake.division and s.place is not None:  # what the requester says of the place, before where the
        changes["division"] = applied["division"] = s.place.division  # device was
    elif (located := located_division(app.current_config(), intake)) is not None:
        changes["division"] = applied["division"] = located
        applied["division_from"] = "coordinates"
    note = {"source": s.source, "categories": [[g.code, g.confidence] for g in s.categories],
            "urgent": s.urgency.urgent, "applied": applied}
    return replace(intake, **changes), s, note


def located_division(config, intake: Intake) -> str | None:
    """Where the intake's coordinates are (the deepest configured area), when it names no place itself; None when
    it does, has no coordinates, or they are outside every configured boundary."""
    if intake.division or intake.lat is None or intake.lon is None:
        return None
    return config.locator.locate(intake.lat, intake.lon)


def recent_by_requester(app: App, uow, phone: str) -> list[dict]:
    """The same requester's cases of the last 30 days (重复件 candidates), found by the keyed phone hash."""
    from jiesu.domain.validation import phone as check_phone

    try:
        normalised = check_phone(phone)
    except InvalidInput:
        return []
    keys, since = app.cipher.lookup_keys(normalised), app.now() - REPEAT_WINDOW
    rows = uow.connection.execute(*((_RECENT, {"key": keys[0], "since": since}) if len(keys) == 1
                                    else (_RECENT_ANY_KEY, {"keys": keys, "since": since}))).all()
    return [{"id": x.id, "ticket": x.ticket, "title": x.title, "status": x.status, "category": x.category,
             "received_at": x.received_at.isoformat()} for x in rows]


def merge_candidates(app: App, case: CitizenRequest) -> list[dict]:
    """重复件: the cases a case not yet dispatched may be merged into (并单), for the dispatcher who reads it after
    the requester sent it (no agent saw intake's suggestions): the same requester's cases of the last 30 days, then
    similar cases of the last year in its 街道; each once, never itself, never one that cannot be a master. Each
    item: id, ticket, title, status, received_at and `why` (同一诉求人, or 内容相似 with the score)."""
    with app.uow(read_only=True) as uow:
        config = app.config(uow)
        mine = recent_by_requester(app, uow, case.requester.phone) if case.requester.phone else []
        alike = similar_nearby(app, uow, config, f"{case.title}\n{case.content}", case.location.division,
                               case.category)
    found: dict[int, dict] = {}
    for item in mine:
        found.setdefault(item["id"], item | {"why": "同一诉求人近 30 天"})
    for item in alike:
        found.setdefault(item["id"], item | {"why": f"内容相似 {item['score']:.2f}"})
    return [x for x in found.values() if x["id"] != case.id and Status(x["status"]) not in NO_MASTER]


FREQUENT_CALLS = 5  # cases from one number in a year that make it a frequent caller (高频来电) on the screen


@dataclass
class CallerHistory:
    """来电弹屏: what the intake screen shows of a calling number before the agent types anything."""

    phone: str  # as normalised
    total: int  # every case ever received from the number
    last_year: int
    latest: list  # the newest cases: id, ticket, title, status, received_at

    @property
    def frequent(self) -> bool:
        return self.last_year >= FREQUENT_CALLS


def caller_history(app: App, phone: str, limit: int = 10) -> CallerHistory:
    """The cases received from `phone` (found by its keyed hash, under every configured secret), newest first;
    InvalidInput naming `phone` when it is no phone number."""
    from sqlalchemy import func

    from jiesu.domain.validation import phone as check_phone

    normalised = check_phone(phone, "phone")
    if normalised is None:
        raise InvalidInput("没有来电号码", field="phone")
    keys = app.cipher.lookup_keys(normalised)
    r = t.requests
    mine = r.c.requester_key.in_(keys)
    with app.uow(read_only=True) as uow:
        c = uow.connection
        total, last_year = c.execute(select(
            func.count(), func.count().filter(r.c.received_at >= app.now() - timedelta(days=365))).where(mine)).one()
        latest = c.execute(select(r.c.id, r.c.ticket, r.c.title, r.c.status, r.c.received_at).where(mine)
                           .order_by(r.c.id.desc()).limit(limit)).all()
    return CallerHistory(normalised, total, last_year, list(latest))


def register(app: App, principal: Principal, intake: Intake, idempotency_key: str | None = None,
             photos: Sequence[bytes] = (), suggestion: dict | None = None,
             keywords: list[str] | None = None, media_url: str | None = None,
             then: Sequence[tuple[Action, ActionInput]] = ()) -> tuple[CitizenRequest, bool, str | None]:
    """Register a case in one transaction. Returns (case, created, the citizen's verification code). With an
    idempotency key, a retried submission returns the case of the first one (created=False, no code) instead of
    making a second. `keywords` are those already shown to the agent; without them they are taken from the text.
    `then`: the agent's next steps on the phone (通报紧急热线 and 派单, 直接办结, 转紧急热线), in the same transaction:
    if one is refused, nothing is registered, so the corrected form can be sent again without making a second case. `photos`: the
    requester's 现场照片 (JPEG/PNG, at most photos.MAX_PER_STEP), stored encrypted with the 受理 step."""
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 200:
        raise InvalidInput("Idempotency-Key 长度应为 1–200", field="Idempotency-Key")
    pictures = photo_store.checked(photos)
    linked_call = validation.reference(intake.call_ref, "call_ref", "通话编号")  # the softphone's call id
    if keywords is None:
        keywords = masked_keywords(f"{intake.title or ''}\n{intake.content or ''}")
    if intake.topic_id is not None:  # an answer to a 征集主题 is a 建议 through 人民建议征集, whoever took it
        intake = replace(intake, kind=RequestKind.SUGGESTION.value, channel=Channel.SUGGESTION.value)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))  # told to the citizen to track the case
    sealed_code = notifications.seal_code(app, intake.requester_phone, code)  # for the 受理 text message
    try:
        with app.uow() as uow:
            config = app.config(uow)
            located = located_division(config, intake)  # a case with coordinates and no place: placed by them
            if located is not None:
                intake = replace(intake, division=located)
            topic = topics.taking(uow.connection, intake.topic_id, app.today()) if intake.topic_id is not None \
                else None
            asked = topic.category if topic is not None and intake.category is None else None
            if asked is not None:  # what the topic asks about, unless whoever took the suggestion chose otherwise
                intake = replace(intake, category=asked)
            request = build_request(config.directory, principal.actor, app.now(), intake)
            if located is not None:
                request.events[0].changes["division_from"] = [None, "coordinates"]
            if asked is not None:
                request.events[0].changes["category_from"] = [None, "topic"]
            request.keywords = list(keywords)
            if suggestion is not None:
                request.events[0].changes["suggestion"] = [None, suggestion]
            if pictures:
                photo_store.mark(request.events[0], pictures)
            uow.requests.add(request)
            if linked_call:
                calls.link(uow.connection, linked_call, request.stored_id)
            if topic is not None:
                topics.link(uow.connection, request.stored_id, topic)
            if intake.publish_consent:
                publication.consent(uow.connection, request.stored_id, app.now())
            uow.connection.execute(_INSERT_ACCESS, {"request_id": request.id, "code_hash": digest(code),
                                                    "open311_token": secrets.token_hex(12)})
            notifications.on_registered(app, uow.connection, request, sealed_code)
            for step in then:
                act_within(app, uow, request, principal.actor, *step)
            if idempotency_key:
                uow.connection.execute(_INSERT_KEY, {"principal": principal.name, "key": idempotency_key,
                                                     "request_id": request.id, "created_at": app.now()})
            photo_store.attach(uow.connection, app.cipher, request.stored_id, request.events[0], pictures, app.now())
            if media_url:  # a picture hosted by the client (Open311 media_url): its address only, never fetched
                photo_store.attach_media_url(uow.connection, request.stored_id, request.events[0], media_url, app.now())
            uow.commit()
    except IntegrityError:
        if idempotency_key:  # a retry: the key is taken by the first submission (the unique key decides races too)
            existing = _by_key(app, principal, idempotency_key)
            if existing is not None:
                return existing, False, None
        raise
    return request, True, code


def submit(app: App, principal: Principal, intake: Intake, idempotency_key: str | None = None,
           photos: Sequence[bytes] = (), media_url: str | None = None
           ) -> tuple[CitizenRequest, bool, str | None, dict]:
    """A request sent by the requester or another system (portal, app, Open311), which no agent has read: understood
    as an agent's intake is (`prepare`: the category when the model is confident, 紧急 when the text describes an
    emergency, the place it names), then registered with what was suggested and applied. Returns `register`'s
    (case, created, code) and what was applied (`urgency_reason` when the text made it an emergency)."""
    prepared, shown, note = prepare(app, intake)
    case, created, code = register(app, principal, prepared, idempotency_key, photos=photos, suggestion=note,
                                   keywords=shown.keywords, media_url=media_url)
    return case, created, code, note["applied"]


def _by_key(app: App, principal: Principal, key: str) -> CitizenRequest | None:
    with app.uow(read_only=True) as uow:
        row = uow.connection.execute(select(t.idempotency_keys.c.request_id).where(
            t.idempotency_keys.c.principal == principal.name, t.idempotency_keys.c.key == key)).first()
        return uow.requests.get(row.request_id) if row else None


def citizen_case(app: App, ticket: str, code: str, keys: Sequence[str] = ()) -> CitizenRequest:
    """The case behind a ticket, only with its verification code, or for the requester whose phone's lookup `keys`
    a texted code proved (我的诉求, `services/citizen_login.py`); otherwise 'not found' either way."""
    with app.uow(read_only=True) as uow:
        try:
            request = uow.requests.get_by_ticket((ticket or "").strip())
        except NotFound:
            raise NotFound("工单号或查询码不正确", field="ticket") from None
        own = bool(keys) and bool(set(keys) & set(app.cipher.lookup_keys(request.requester.phone)))
        if not own and not check_citizen_code(uow.connection, request.stored_id, code):
            raise NotFound("工单号或查询码不正确", field="ticket")
        return request


SUPPLEMENTABLE = frozenset(status for status, action in TRANSITIONS if action == Action.SUPPLEMENT)  # until answered
URGEABLE = frozenset(status for status, action in TRANSITIONS if action == Action.URGE)  # with a unit: someone
# to urge (read off the workflow table, the one place that says so)


def handling(app: App, case: CitizenRequest) -> dict | None:
    """What the requester is told of who has their case and by when it is to be answered, while a unit has it:
    the unit's name, the 办结时限 and whether it has passed."""
    if not case.lead_unit or case.status not in URGEABLE:
        return None
    unit = app.current_config().directory.units.get(case.lead_unit)
    return {"unit": unit.name if unit else case.lead_unit, "due": case.resolve_due,
            "late": case.resolve_due is not None and case.resolve_due < app.now()}


def citizen_urge(app: App, ticket: str, code: str, note: str = "", keys: Sequence[str] = ()) -> CitizenRequest:
    """催办 from the portal, with the ticket and its code (or as the requester, `keys`: see `citizen_case`); once a
    day (`domain/request.URGE_EVERY`)."""
    from jiesu.services.cases import perform

    request = citizen_case(app, ticket, code, keys)
    if request.status not in URGEABLE:
        raise IllegalTransition(f"工单当前为「{request.status.label}」，承办单位办理期间才能催办", field="status")
    updated, _ = perform(app, CITIZEN.actor, request.stored_id, Action.URGE,
                         ActionInput(note=note))  # no version: what the unit did meanwhile changes nothing of it
    return updated


def citizen_supplement(app: App, ticket: str, code: str, note: str, photos: Sequence[bytes] = (),
                       keys: Sequence[str] = ()) -> CitizenRequest:
    """补充诉求 from the portal (a detail, photos), with the ticket and its code or as the requester (`keys`), until
    the unit has answered; at most `domain/request.SUPPLEMENTS` times."""
    from jiesu.services.cases import perform

    request = citizen_case(app, ticket, code, keys)
    if request.status not in SUPPLEMENTABLE:
        raise IllegalTransition(f"工单当前为「{request.status.label}」，办结答复之前才能补充", field="status")
    updated, _ = perform(app, CITIZEN.actor, request.stored_id, Action.SUPPLEMENT,
                         ActionInput(note=note), photos=photos)  # no version: an addition, whatever the unit did
    return updated


def citizen_rating(app: App, ticket: str, code: str, solved: bool, satisfaction: str, note: str = "",
                   keys: Sequence[str] = ()) -> CitizenRequest:
    from jiesu.domain.workflow import Action
    from jiesu.services.cases import ActionInput, perform

    request = citizen_case(app, ticket, code, keys)
    if request.status != Status.AWAITING_FOLLOW_UP:
        raise IllegalTransition(f"工单当前为「{request.status.label}」，办结并审核后才能评价", field="status")
    Satisfaction.parse(satisfaction, "satisfaction")
    actor = CITIZEN.actor
    updated, _ = perform(app, actor, request.stored_id, Action.FOLLOW_UP,
                         ActionInput(solved=solved, satisfaction=satisfaction, note=note), request.version)
    return updated
