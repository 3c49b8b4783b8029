"""Registering a request and performing the actions of its workflow."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from jiesu.bootstrap import App
from jiesu.domain import workflow
from jiesu.domain.calendar import Duration
from jiesu.domain.enums import Channel, RequestKind, Satisfaction, UnitKind, Urgency
from jiesu.domain.errors import ConflictError, DomainError, InvalidInput
from jiesu.domain.request import Actor, CitizenRequest, Location, Requester, SlaClock, unanswered_call
from jiesu.domain.routing import Directory, Router, Routing, Unit
from jiesu.domain.workflow import TRANSITIONS, Action
from jiesu.nlp.search_terms import terms
from jiesu.services import access, notifications, publication, topics
from jiesu.services import photos as photo_store
from jiesu.services.users import unit_staff
from jiesu.storage import text_index
from jiesu.storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


@dataclass
class Intake:
    """What an agent, a portal or an API client submits."""

    content: str
    kind: str = "complaint"
    channel: str = "phone"
    title: str | None = None
    requester_name: str = ""
    requester_phone: str | None = None
    address: str = ""
    division: str | None = None
    lat: float | None = None
    lon: float | None = None
    category: str | None = None
    urgency: str = "normal"
    received_at: datetime | None = None
    topic_id: int | None = None  # 人民建议征集: the topic a suggestion answers (it is then a 建议 through that channel)
    publish_consent: bool = False  # 办件公开: the requester agrees that the case and its answer be published
    sensitive: str = ""  # 敏感诉求: why (set by intake from the text, or by the agent); "" when it is not one
    source_ref: str = ""  # 来源单号: the number another system gave it (110's 警情编号 for a case 110 passed on)
    call_ref: str = ""  # the telephony's id of the call it was registered on (the softphone passes it to the intake)


@dataclass
class ActionInput:
    """The parameters an action may take; each action reads the ones it needs."""

    reason: str = ""
    note: str = ""
    unit: str | None = None
    co_units: list[str] = field(default_factory=list)
    duration: str | None = None
    reply: str = ""
    solved: bool | None = None
    satisfaction: str | None = None
    requester_ref: int | None = None
    master: int | None = None
    category: str | None = None
    urgency: str | None = None  # 调整紧急程度: the new one
    proposed_unit: str | None = None  # 退单: the unit the returning lead says the case belongs to
    adoption: str | None = None  # 办结 of a 建议: 采纳情况 (enums.Adoption)
    owner: str | None = None  # 分办: the user name of the unit's staff member given the case
    sensitive: bool | None = None  # 调整敏感标记: mark (True) or clear (False) 敏感诉求
    line: str | None = None  # 转紧急热线, 通报紧急热线: 110, 119, 120 or 122 (enums.EmergencyLine)
    reference: str = ""  # … and who took it there: the call-taker's number or the line's incident number


def build_request(directory: Directory, actor: Actor, at: datetime, intake: Intake) -> CitizenRequest:
    """Validate an intake against the configuration and create the aggregate (no I/O)."""
    kind = RequestKind.parse(intake.kind, "kind")
    channel = Channel.parse(intake.channel, "channel")
    urgency = Urgency.parse(intake.urgency, "urgency")
    if intake.category is not None:
        directory.category(intake.category, field="category")
    if intake.division:
        unit = directory.units.get(intake.division)
        if unit is None or not unit.kind.is_territorial:
            raise InvalidInput(f"未知行政区划代码 {intake.division!r}（应为区、街道/乡镇或社区/村的代码）",
                               field="location.division")
    return CitizenRequest.register(
        actor=actor, at=at, kind=kind, channel=channel, title=intake.title, content=intake.content,
        requester=Requester(intake.requester_name, intake.requester_phone),
        location=Location(intake.address, intake.division, intake.lat, intake.lon),
        category=intake.category, urgency=urgency, received_at=intake.received_at, sensitive=intake.sensitive,
        source_ref=intake.source_ref)


def register(app: App, actor: Actor, intake: Intake) -> CitizenRequest:
    """Register a case as `actor` (the whole intake transaction is `services.intake.register`: the case, its
    event and the citizen's verification code together)."""
    from jiesu.services.intake import register as register_intake
    from jiesu.services.users import Principal

    return register_intake(app, Principal(actor.name, actor.role, actor.unit), intake)[0]


@dataclass(frozen=True)
class BatchOutcome:
    done: list[tuple[str, str]]  # (ticket, lead unit code)
    refused: list[tuple[str, str]]  # (ticket or id, why)


def suggested_routings(connection, router: Router, cases: Sequence[tuple[int, str | None, str | None]]
                       ) -> dict[int, Routing]:
    """The units suggested for dispatching each of these cases (id, category, division), by id: the duty lists'
    for its matter and place (advised by 改派经验), and before them, for a suggestion to a 征集主题 that names the
    department asking, that department. Cases without a category get none: they are classified first."""
    asked = topics.asking(connection, [case_id for case_id, category, _ in cases if category])
    return {case_id: topics.advise(router.route(category, division), asked.get(case_id), router.directory)
            for case_id, category, division in cases if category}


def suggested_routing(connection, router: Router, request: CitizenRequest) -> Routing | None:
    """`suggested_routings` of one loaded case."""
    return suggested_routings(connection, router, [(request.stored_id, request.category,
                                                    request.location.division)]).get(request.stored_id)


def _to_suggested_unit(request: CitizenRequest, router: Router, connection) -> ActionInput:
    if not request.category:
        raise InvalidInput("未分类：请先改类或逐件派单", field="category")
    routing = suggested_routing(connection, router, request)
    best = routing.best if routing else None
    if best is None:
        raise InvalidInput("派单目录没有建议的主办单位：请逐件派单", field="unit")
    return ActionInput(unit=best.unit.code)


def perform_each(app: App, actor: Actor, choices: dict[int, int], action: Action,
                 params: ActionInput | Callable[[CitizenRequest, Router, Connection], ActionInput],
                 guard: Callable[[CitizenRequest], object] | None = None) -> BatchOutcome:
    """One action on each chosen case (id → the version the user saw), each in its own transaction: a case changed
    since it was seen, or that refuses the action, is left out with the reason and the others go ahead."""
    done, refused = [], []
    for request_id, version in choices.items():
        seen: list[str] = []  # the case's ticket, once loaded, to name it if refused

        def check(loaded: CitizenRequest, seen: list[str] = seen) -> None:
            if guard is not None:
                guard(loaded)  # before the ticket is known: a case the user may not see stays unnamed
            seen.append(loaded.ticket or str(loaded.id))

        try:
            case, _ = perform(app, actor, request_id, action, params, expected_version=version, guard=check)
            done.append((case.ticket or str(case.id), case.lead_unit or ""))
        except DomainError as error:
            refused.append((seen[0] if seen else str(request_id), error.message))
    return BatchOutcome(done, refused)


def dispatch_as_suggested(app: App, actor: Actor, choices: dict[int, int]) -> BatchOutcome:
    """批量派单: each chosen case to the lead unit suggested for it (duty lists, 改派经验). A case without a category
    or a suggested unit is left for one-by-one dispatch, with the reason."""
    return perform_each(app, actor, choices, Action.DISPATCH, _to_suggested_unit)


def suggest_routing(app: App, category: str, division: str | None) -> Routing:
    with app.uow(read_only=True) as uow:
        return app.router(uow).route(category, division)


def sla_clock(app: App, uow: UnitOfWork, request: CitizenRequest, urgency: Urgency | None = None) -> SlaClock:
    """The limits that apply to the case (to it at `urgency`, when given) and the calendar to count them on."""
    config = app.config(uow)
    ancestry = config.directory.category_ancestry(request.category) if request.category else []
    policy = config.sla.select(request.kind, urgency or request.urgency, ancestry)
    return SlaClock(policy, config.calendar())


def perform(app: App, actor: Actor, request_id: int, action: Action,
            params: ActionInput | Callable[[CitizenRequest, Router, Connection], ActionInput],
            expected_version: int | None = None,
            guard: Callable[[CitizenRequest], object] | None = None,
            photos: Sequence[bytes] = ()) -> tuple[CitizenRequest, list[str]]:
    """Perform one action on one case in one transaction. Returns the case and any calendar warnings.
    `params`: the action's parameters, or a function of the case (as loaded in this transaction), the router and
    the connection that gives them (批量派单: the suggested unit). `expected_version`: the version the user saw; if the case
    changed since, ConflictError. `guard`: called with the loaded case before anything else (access control raises
    NotFound there). `photos`: 现场照片 sent with the step (补充诉求, 办理进展, 办结答复), stored with it,
    encrypted."""
    pictures = photo_store.checked(photos)
    with app.uow() as uow:
        request = uow.requests.get(request_id)
        if guard is not None:
            guard(request)
        if expected_version is not None and expected_version != request.version:
            raise ConflictError(f"诉求 {request.ticket} 已被他人修改（版本 {request.version}，你看到的是 "
                                f"{expected_version}），请刷新后重试", field="version")
        if callable(params):
            params = params(request, app.router(uow), uow.connection)
        clock = act_within(app, uow, request, actor, action, params, pictures)
        uow.commit()
    return request, clock.calendar.warnings()


def act_within(app: App, uow: UnitOfWork, request: CitizenRequest, actor: Actor, action: Action,
               params: ActionInput, photos: Sequence[tuple[bytes, str]] = ()) -> SlaClock:
    """One action on a loaded case inside the caller's unit of work: the action on the clock it counts on (for
    调整紧急程度, the new urgency's), the cases it touched saved, the photos sent with it (checked by
    `photos.checked`) stored, the text messages it causes queued. Returns the clock (its calendar's warnings are the
    caller's to show)."""
    if photos:
        photo_store.check_step(action)
    urgency = _new_urgency(params) if action == Action.CHANGE_URGENCY else None
    clock, before = sla_clock(app, uow, request, urgency), request.status
    steps_before = len(request.events)
    for changed in apply_action(uow, app.router(uow), request, actor, app.now(), action, params, clock):
        if photos and changed is request:
            photo_store.mark(request.events[steps_before], photos)
        uow.requests.save(changed)
    if photos:
        photo_store.attach(uow.connection, app.cipher, request.stored_id, request.events[steps_before], photos,
                           app.now())
    notifications.on_changed(app, uow.connection, before, request, action, app.config(uow).directory)
    return clock


def _new_urgency(p: ActionInput) -> Urgency:
    """调整紧急程度's target: the clock it counts on and the case's new urgency."""
    return Urgency.parse(_required(p.urgency, "urgency"), "urgency")


def delegable(router: Router, request: CitizenRequest, area: Iterable[str]) -> list[Unit]:
    """The units of `area` (the lead's 辖区) the case may be 下派 to: those the admission list and the dispatch
    catalogue let its matter go down to and not on it already; the one where the case is (its 社区) first, then by
    code."""
    here = {u.code for u in router.directory.unit_chain(request.location.division)} if request.location.division \
        else set()
    found = []
    for code in sorted(set(area) - {request.lead_unit, *request.co_units}, key=lambda c: (c not in here, c)):
        try:
            found.append(router.check_dispatch(request.category or "", code, role="co"))
        except DomainError:
            continue
    return found


def assignable(connection, request: CitizenRequest, unit: str | None) -> list[str]:
    """分办: whom `unit` (the lead, or a co-handler for its own part) may give the case to — its handlers who may log
    in, but the one who has it."""
    mine = request.lead if unit == request.lead_unit else next(
        (a for a in request.co_handling() if a.unit == unit), None)
    if not unit or mine is None:
        return []
    return [name for name in unit_staff(connection, unit) if name != mine.owner]


def apply_action(uow: UnitOfWork, router: Router, request: CitizenRequest, actor: Actor, at: datetime,
                 action: Action, p: ActionInput, clock: SlaClock) -> list[CitizenRequest]:
    """Call the aggregate's method for `action`; returns the aggregates to save."""
    if action in (Action.DISPATCH, Action.REDISPATCH):
        if not p.unit:
            raise InvalidInput("请指定承办单位", field="unit")
        if not request.category:
            raise InvalidInput("未分类：请先改类，再派单（派单目录按事项分类确定承办单位）", field="category")
        router.check_dispatch(request.category, p.unit, field="unit")
        for code in p.co_units:
            router.check_dispatch(request.category or "", code, field="co_units", role="co")
        routing = suggested_routing(uow.connection, router, request)
        suggestion = routing.best if routing else None
        reason = p.reason or (suggestion.reason if suggestion and suggestion.unit.code == p.unit else "")
        method = request.dispatch if action == Action.DISPATCH else request.redispatch
        method(actor, at, clock, p.unit, p.co_units, reason)
        request.events[-1].changes["suggested_unit"] = [None, suggestion.unit.code if suggestion else None]
        return [request]
    if action == Action.DELEGATE:
        if p.unit and request.category:  # 下派 only what the admission list and the catalogue let go down there
            router.check_dispatch(request.category, p.unit, field="unit", role="co")
        request.delegate(actor, at, clock, p.unit or "", p.reason)
        return [request]
    if action == Action.ASSIGN_OWNER:
        owner = (p.owner or "").strip()
        if owner and actor.unit and owner not in unit_staff(uow.connection, actor.unit):
            raise InvalidInput(f"{owner} 不是本单位可登录的承办人账号", field="owner")
        request.assign_owner(actor, at, owner, p.note)
        return [request]
    if action == Action.RECLASSIFY:
        if not p.category or p.category not in router.directory.categories:
            raise InvalidInput(f"未知事项分类代码 {p.category!r}", field="category")
        request.reclassify(actor, at, p.category, p.reason)
        return [request]
    if action == Action.MERGE:
        if p.master is None:
            raise InvalidInput("请指定主件", field="master")
        master = uow.requests.get(p.master)
        request.merge_into(actor, at, master, p.reason)
        return [request, master]
    simple: dict[Action, Any] = {
        Action.ANSWER_DIRECTLY: lambda: request.answer_directly(actor, at, p.reply or p.note),
        Action.ACKNOWLEDGE: lambda: request.acknowledge(actor, at),
        Action.RECORD_CONTACT: lambda: request.record_contact(actor, at, p.note or p.reason),
        Action.RETURN: lambda: request.return_(actor, at, p.reason, _proposed(router, p.proposed_unit)),
        Action.REJECT_RETURN: lambda: request.reject_return(actor, at, p.reason),
        Action.REQUEST_EXTENSION: lambda: request.request_extension(
            actor, at, Duration.parse(_required(p.duration, "duration"), "duration"), p.reason),
        Action.APPROVE_EXTENSION: lambda: request.approve_extension(
            actor, at, clock, Duration.parse(p.duration, "duration") if p.duration else None, p.note),
        Action.REFUSE_EXTENSION: lambda: request.refuse_extension(actor, at, p.reason),
        Action.NOTE_PROGRESS: lambda: request.note_progress(actor, at, p.note),
        Action.REPORT_BACK: lambda: request.report_back(actor, at, p.note),
        Action.RECALL: lambda: request.recall(actor, at, p.unit or "", p.reason),
        Action.RESOLVE: lambda: request.resolve(actor, at, p.reply, p.adoption),
        Action.ACCEPT_REPLY: lambda: request.accept_reply(actor, at, clock),
        Action.SEND_BACK: lambda: request.send_back(actor, at, p.reason),
        Action.FOLLOW_UP: lambda: request.follow_up(
            actor, at, _required(p.solved, "solved"),
            Satisfaction.parse(_required(p.satisfaction, "satisfaction"), "satisfaction"), p.note, p.requester_ref),
        Action.CALLBACK_UNANSWERED: lambda: request.callback_unanswered(actor, at, p.note, p.requester_ref),
        Action.CALLBACK_UNREACHABLE: lambda: request.callback_unreachable(actor, at, p.note, p.requester_ref,
                                                                          uow.config.assessment_rules()),
        Action.REOPEN: lambda: request.reopen(actor, at, clock, p.reason),
        Action.SUPERVISE: lambda: request.supervise(actor, at, clock, p.reason),
        Action.WITHDRAW: lambda: request.withdraw(actor, at, p.reason),
        Action.FLAG_UNREASONABLE: lambda: request.flag_unreasonable(actor, at, p.reason),
        Action.APPROVE_UNREASONABLE: lambda: request.approve_unreasonable(actor, at, p.note),
        Action.REFUSE_UNREASONABLE: lambda: request.refuse_unreasonable(actor, at, p.reason),
        Action.ARCHIVE: lambda: request.archive(actor, at),
        Action.URGE: lambda: request.urge(actor, at, p.note or p.reason),
        Action.SUPPLEMENT: lambda: request.supplement(actor, at, p.note),
        Action.ASK_SUPPLEMENT: lambda: request.ask_supplement(actor, at, p.note),
        Action.CHANGE_URGENCY: lambda: request.change_urgency(
            actor, at, clock, _new_urgency(p), p.reason),
        Action.CHANGE_SENSITIVITY: lambda: request.change_sensitivity(
            actor, at, _required(p.sensitive, "sensitive"), p.reason),
        Action.HAND_OVER: lambda: request.hand_over(actor, at, _required(p.line, "line"), p.reference, p.note),
        Action.ALERT_LINE: lambda: request.alert_line(actor, at, _required(p.line, "line"), p.reference, p.note),
    }
    if action not in simple:
        raise InvalidInput(f"「{action.label}」不是对已有诉求的操作", field="action")
    simple[action]()
    return [request]


def _proposed(router: Router, code: str | None) -> str | None:
    """A unit named by a returning lead: one of the directory's handling units, or none."""
    if not code:
        return None
    unit = router.directory.units.get(code)
    if unit is None:
        raise InvalidInput(f"未知单位代码 {code!r}", field="proposed_unit")
    if unit.kind == UnitKind.CENTRE:
        raise InvalidInput(f"{unit.name} 是热线中心，不能作为承办单位", field="proposed_unit")
    return unit.code


def _required(value, field: str):
    if value is None or value == "":
        raise InvalidInput("此操作必须提供该项", field=field)
    return value


@dataclass(frozen=True)
class CaseRow:
    id: int
    ticket: str
    title: str
    status: str
    kind: str
    category: str | None
    urgency: str
    lead_unit: str | None
    received_at: datetime
    resolve_due: datetime | None
    follow_up_due: datetime | None
    version: int
    division: str | None = None
    supervise_due: datetime | None = None  # 督办: the latest supervision's deadline
    sensitive: str | None = None  # 敏感诉求: why
    owner: str | None = None  # 承办人员: who in the lead unit has it
    report_due: datetime | None = None  # listed for a co-handler that owes its 协办反馈 (`unreported_by`): by when

    @property
    def supervised(self) -> bool:
        """Under 督办 while a unit still has it."""
        return self.supervise_due is not None and self.status in WITH_A_UNIT


WITH_A_UNIT = tuple(sorted(s.value for s in workflow.WITH_A_UNIT))  # the statuses a unit holds it in, as stored
REPORTABLE = tuple(s.value for s, a in TRANSITIONS if a == Action.REPORT_BACK)  # where 协办反馈 may be given (read off
# the workflow table, the one place that says so)
WATCHED_SENSITIVE = tuple(s.value for s, a in TRANSITIONS if a == Action.CHANGE_SENSITIVITY)  # where a 敏感诉求
# is still the 督办台's to watch: until its callback is done (where the mark may still be changed)
NOBODY = ""  # CaseFilter.owner: no one in the unit has the case yet (未分办)
UNREASONABLE_STATES = ("none", "pending", "approved")


@dataclass
class CaseFilter:
    statuses: list[str] = field(default_factory=list)
    visible_to_unit: str | None = None  # a handler's unit: only cases it leads or co-handles
    visible_to_area: frozenset[str] | None = None  # a handler's 辖区: only cases its units lead or co-handle
    lead_unit: str | None = None
    category: str | None = None
    category_tree: str | None = None  # a category of any level: the cases of it and of every category below it
    area: str | None = None  # a district, 街道 or 社区: the cases located anywhere inside it
    topic_id: int | None = None  # 人民建议征集: the suggestions sent to this topic
    channel: str | None = None
    kind: str | None = None
    received_from: datetime | None = None  # [from, to)
    received_to: datetime | None = None
    keyword: str | None = None  # one of the case's keywords
    slot: tuple[int, int] | None = None  # (ISO weekday 1–7, hour 0–23) of receipt, Beijing time
    text: str | None = None  # in title, content or keywords; or a 工单号, or the caller's phone number
    overdue_at: datetime | None = None  # resolution deadline passed at this moment, still with the unit
    due_before: datetime | None = None  # resolution deadline before this moment
    due_from: datetime | None = None  # resolution deadline at or after this moment
    urged_since: datetime | None = None  # urged (催办) at or after this moment
    supplemented_since: datetime | None = None  # added to by the requester (补充诉求) at or after this moment
    delegated_to: tuple[str, datetime] | None = None  # (unit, since): handed down to it (下派) since, still on it
    reported_to: str | None = None  # led by this unit, and a unit co-handling it has reported back (协办反馈)
    owner: str | None = None  # 承办人员: a user name, or NOBODY for the cases no one in the unit has yet
    given_to: tuple[str, datetime] | None = None  # (user name, since): given to them (分办: the case, or a co-handler's
    # part) since, theirs still
    unreported_by: str | None = None  # co-handled by this unit, which has not reported back yet
    publication_pending: bool = False  # 办件公开: agreed and final, waiting for a supervisor's review
    unsigned_at: datetime | None = None  # waiting to be signed for (待签收) past the sign-for limit at this moment
    merged_callbacks_due: bool = False  # called back, but a requester merged into it not yet (this round)
    urgency: str | None = None
    unreasonable: str | None = None  # the 不合理诉求 claim: none, pending (waiting for a decision) or approved
    sensitive: bool = False  # 敏感诉求 only
    before_id: int | None = None
    limit: int = 50
    by_deadline: bool = False  # a work queue: emergencies first, then the nearest deadline, then the oldest


def list_cases(app: App, f: CaseFilter) -> list[CaseRow]:
    """Newest first (`before_id` pages backwards), or most pressing first (`by_deadline`)."""
    from sqlalchemy import case, func, select

    from jiesu.domain.workflow import Status
    from jiesu.storage import tables as t

    r, a = t.requests, t.assignments
    owed, owner = None, r.c.owner  # listing what a co-handler owes: its 协办反馈 limit, the deadline that matters to
    if f.unreported_by:  # it, and who in it has its part (分办), not who in the lead unit has the case
        mine = [a.c.request_id == r.c.id, a.c.unit == f.unreported_by, a.c.role == "co", a.c.ended_at.is_(None),
                a.c.reported_at.is_(None)]
        owed = select(func.min(a.c.report_due)).where(*mine).scalar_subquery()
        owner = select(func.max(a.c.owner)).where(*mine).scalar_subquery()  # type: ignore[assignment]
    if f.by_deadline:  # the deadline that matters now: the callback's once the reply is accepted
        due = case((r.c.status == Status.AWAITING_FOLLOW_UP.value, r.c.follow_up_due), else_=r.c.resolve_due)
        order = [case((r.c.urgency == Urgency.EMERGENCY.value, 0), else_=1),
                 (due if owed is None else owed).asc().nulls_last(), r.c.id.asc()]
    else:
        order = [r.c.id.desc()]
    query = select(r.c.id, r.c.ticket, r.c.title, r.c.status, r.c.kind, r.c.category, r.c.urgency, r.c.lead_unit,
                   r.c.received_at, r.c.resolve_due, r.c.follow_up_due, r.c.version, r.c.division, r.c.supervise_due,
                   r.c.sensitive, owner, *([] if owed is None else [owed])).order_by(*order).limit(max(1, min(f.limit, 1000)))
    if f.before_id:
        query = query.where(r.c.id < f.before_id)
    with app.uow(read_only=True) as uow:
        return [CaseRow(*row) for row in uow.connection.execute(_filtered(app, uow, query, f))]


def unanswered_calls(app: App, request_ids: list[int]) -> dict[int, tuple[int, datetime, bool]]:
    """For the 回访台: per case, this round's unanswered calls (回访未接通): how many, when the latest was, and
    whether a requester of it may now be recorded 无法联系 (as many calls as the rules ask, far enough apart)."""
    from sqlalchemy import select

    from jiesu.storage import tables as t

    if not request_ids:
        return {}
    e, r = t.events, t.requests
    with app.uow(read_only=True) as uow:
        rules = uow.config.assessment_rules()
        rows = uow.connection.execute(
            select(e.c.request_id, e.c.at, e.c.changes, r.c.round).join(r, r.c.id == e.c.request_id)
            .where(e.c.action == Action.CALLBACK_UNANSWERED.value, e.c.request_id.in_(request_ids))
            .order_by(e.c.request_id, e.c.seq)).all()
        f = t.follow_ups
        called = {(case, requester) for case, requester in uow.connection.execute(  # the requesters already called
            select(f.c.request_id, f.c.requester_ref).join(r, r.c.id == f.c.request_id)  # back (or given up) this round
            .where(f.c.request_id.in_(request_ids), f.c.round == r.c.round))}
    calls: dict[tuple[int, int | None], list[datetime]] = {}  # (case, requester) → this round's calls, in order
    for row in rows:
        attempt = unanswered_call(row.changes)
        if attempt.get("round") == row.round:
            calls.setdefault((row.request_id, attempt.get("requester_ref")), []).append(row.at)
    found: dict[int, tuple[int, datetime, bool]] = {}
    spread = timedelta(hours=rules.callback_spread_hours)
    for (request_id, requester), times in calls.items():
        count, latest, ready = found.get(request_id, (0, times[-1], False))
        found[request_id] = (count + len(times), max(latest, times[-1]),
                             ready or ((request_id, requester) not in called and len(times) >= rules.callback_tries
                                       and times[-1] - times[0] >= spread))
    return found


def count_cases(app: App, f: CaseFilter, up_to: int | None = None) -> int:
    """How many cases the filter matches in all (the list shows a page of them); with `up_to`, counted no further
    than one past it (a page that says "more than 10,000" need not read a city's millions to say how many)."""
    from sqlalchemy import func, select

    from jiesu.storage import tables as t

    r = t.requests
    with app.uow(read_only=True) as uow:
        if up_to is None:
            query = _filtered(app, uow, select(func.count()).select_from(r), f)
        else:
            found = _filtered(app, uow, select(r.c.id), f).limit(up_to + 1).subquery()
            query = select(func.count()).select_from(found)
        return uow.connection.execute(query).scalar_one()


_TICKET = re.compile(r"\d{15,}")  # ticket_for: the Beijing date and at least seven digits of the id


def _text_matches(uow: UnitOfWork, text: str):
    """What the search box finds: the cases whose title, content, keywords, 补充诉求, reply or units' notes (办理进展,
    协办反馈) contain the text — each of its
    words, when it has several separated by spaces (丰泽嘉园 电梯) —; also the case whose 工单号 or 来源单号 it is, and the cases of the
    caller whose number it is (through the phone's keyed hash: numbers are stored encrypted). Words with a run of two
    or more letters or digits are looked up in the word index (`storage/text_index.py`) first, the ticket and the
    caller's cases through their own indexes, and only those cases are read; a text of single characters is a
    scan."""
    from sqlalchemy import and_, or_, select, union

    from jiesu.domain import validation
    from jiesu.storage import tables as t

    r = t.requests
    words = text.split()
    said = and_(*[or_(*[r.c[name].contains(word, autoescape=True) for name in text_index.SEARCHED])
                 for word in words])
    exact = []  # conditions their own index answers
    if _TICKET.fullmatch(text):
        exact.append(r.c.ticket == text)
    if validation.REFERENCE.fullmatch(text):  # 来源单号: 110's 警情编号 finds the case it passed on
        exact.append(r.c.source_ref == text)
    try:
        number = validation.phone(text)
    except InvalidInput:
        number = None
    if number:
        exact.append(r.c.requester_key.in_(uow.cipher.lookup_keys(number)))
    pairs = terms(*words)
    if not pairs:
        return or_(said, *exact)
    candidates = union(text_index.matching(uow.connection.dialect.name, pairs),
                       *[select(r.c.id).where(condition) for condition in exact])
    return r.c.id.in_(candidates) & or_(said, *exact)


def _filtered(app: App, uow: UnitOfWork, query, f: CaseFilter):
    from sqlalchemy import exists

    from jiesu.domain.workflow import Status
    from jiesu.storage import tables as t

    r = t.requests
    if f.visible_to_unit is not None:
        query = query.where(access.unit_sees(f.visible_to_unit))
    if f.visible_to_area is not None:
        query = query.where(access.area_sees(f.visible_to_area))
    if f.statuses:
        query = query.where(r.c.status.in_([Status.parse(s, "status").value for s in f.statuses]))
    if f.lead_unit:
        query = query.where(r.c.lead_unit == f.lead_unit)
    if f.owner is not None:
        query = query.where(r.c.owner.is_(None) if f.owner == NOBODY else r.c.owner == f.owner)
    if f.category:
        query = query.where(r.c.category == f.category)
    if f.channel:
        query = query.where(r.c.channel == Channel.parse(f.channel, "channel").value)
    if f.kind:
        query = query.where(r.c.kind == RequestKind.parse(f.kind, "kind").value)
    if f.received_from is not None:
        query = query.where(r.c.received_at >= f.received_from)
    if f.received_to is not None:
        query = query.where(r.c.received_at < f.received_to)
    if f.slot is not None:
        query = query.where(*_in_slot(uow.connection.dialect.name, r.c.received_at, *f.slot))
    if f.keyword:
        padded = (" " + r.c.keywords + " ")
        query = query.where(padded.contains(f" {f.keyword.strip()} ", autoescape=True))
        if words := terms(f.keyword):  # narrowed by the word index first, as a search is
            query = query.where(r.c.id.in_(text_index.matching(uow.connection.dialect.name, words)))
    if f.text and f.text.strip():
        query = query.where(_text_matches(uow, f.text.strip()))
    with_unit = list(WITH_A_UNIT)
    if f.overdue_at is not None:
        query = query.where(r.c.resolve_due < f.overdue_at, r.c.status.in_(with_unit))
    if f.due_before is not None:
        query = query.where(r.c.resolve_due < f.due_before, r.c.status.in_(with_unit))
    if f.due_from is not None:
        query = query.where(r.c.resolve_due >= f.due_from)
    if f.unsigned_at is not None:
        a = t.assignments
        query = query.where(r.c.status == Status.DISPATCHED.value, exists().where(
            a.c.request_id == r.c.id, a.c.role == "lead", a.c.ended_at.is_(None), a.c.acknowledged_at.is_(None),
            a.c.acknowledge_due < f.unsigned_at))
    if f.urgency:
        query = query.where(r.c.urgency == Urgency.parse(f.urgency, "urgency").value)
    if f.sensitive:
        query = query.where(r.c.sensitive.is_not(None))
    if f.unreasonable:
        if f.unreasonable not in UNREASONABLE_STATES:
            raise InvalidInput(f"不合理诉求状态应为 {'、'.join(UNREASONABLE_STATES)} 之一：{f.unreasonable!r}",
                               field="unreasonable")
        query = query.where(r.c.unreasonable == f.unreasonable)
    if f.merged_callbacks_due:
        merged, fu = r.alias("merged"), t.follow_ups
        query = query.where(r.c.status == Status.CLOSED.value, exists().where(
            merged.c.master_id == r.c.id, merged.c.status == Status.MERGED.value,
            ~exists().where(fu.c.request_id == r.c.id, fu.c.requester_ref == merged.c.id, fu.c.round == r.c.round)))
    if f.delegated_to is not None:
        a, (unit, handed_since) = t.assignments, f.delegated_to
        query = query.where(exists().where(a.c.request_id == r.c.id, a.c.unit == unit, a.c.kind == "delegate",
                                           a.c.ended_at.is_(None), a.c.dispatched_at >= handed_since))
    if f.publication_pending:
        query = query.where(publication.awaiting_review())
    if f.given_to is not None:  # the lead's case or a co-handler's part
        e, a, (name, given_since) = t.events, t.assignments, f.given_to
        query = query.where(
            exists().where(a.c.request_id == r.c.id, a.c.ended_at.is_(None), a.c.owner == name),
            exists().where(e.c.request_id == r.c.id, e.c.action == Action.ASSIGN_OWNER.value, e.c.at >= given_since))
    if f.reported_to is not None or f.unreported_by is not None:
        a = t.assignments
        co = [a.c.request_id == r.c.id, a.c.role == "co", a.c.ended_at.is_(None)]
        if f.reported_to is not None:
            query = query.where(r.c.lead_unit == f.reported_to, exists().where(*co, a.c.reported_at.is_not(None)))
        if f.unreported_by is not None:
            query = query.where(exists().where(*co, a.c.unit == f.unreported_by, a.c.reported_at.is_(None)))
    for action, since in ((Action.URGE, f.urged_since), (Action.SUPPLEMENT, f.supplemented_since)):
        if since is not None:
            e = t.events
            query = query.where(exists().where(e.c.request_id == r.c.id, e.c.action == action.value, e.c.at >= since))
    if f.topic_id is not None:
        ts = t.topic_suggestions
        query = query.where(exists().where(ts.c.request_id == r.c.id, ts.c.topic_id == f.topic_id))
    if f.category_tree or f.area:
        directory = app.config(uow).directory
        if f.category_tree:
            query = query.where(r.c.category.in_(directory.category_subtree(f.category_tree)))
        if f.area:
            query = query.where(r.c.division.in_(directory.territory(f.area)))
    return query


def _in_slot(dialect: str, column, weekday: int, hour: int) -> list:
    """Conditions: `column` (UTC) falls on ISO `weekday` at `hour` in Beijing time (UTC+8 all year: China has kept
    no daylight saving time since 1991)."""
    from sqlalchemy import Integer, cast, extract, func, literal_column

    if dialect == "postgresql":
        local = column + literal_column("interval '8 hours'")
        return [extract("isodow", local) == weekday, extract("hour", local) == hour]
    # SQLite: %w counts from Sunday = 0
    day = cast(func.strftime("%w", column, "+8 hours"), Integer)
    return [(day + 6) % 7 + 1 == weekday, cast(func.strftime("%H", column, "+8 hours"), Integer) == hour]


def parse_slot(value: str) -> tuple[int, int]:
    """`D-HH`: ISO weekday (1 = Monday … 7 = Sunday) and hour, as the dashboard's time-of-day cells link them."""
    day, _, hour = value.partition("-")
    if not (day.isdigit() and hour.isdigit() and 1 <= int(day) <= 7 and 0 <= int(hour) <= 23):
        raise InvalidInput(f"时段 {value!r} 应写作 星期-小时，例如 1-09（周一 9 时）", field="slot")
    return int(day), int(hour)


def show(app: App, request_id: int) -> CitizenRequest:
    with app.uow(read_only=True) as uow:
        return uow.requests.get(request_id)
