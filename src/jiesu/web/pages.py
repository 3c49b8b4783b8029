"""The staff pages: login, agent intake, dispatcher queue, unit inbox, supervisor desk, case list, case page."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from jiesu.api.deps import OptionalRecordId, RecordId, jiesu_app, optional_principal
from jiesu.api.limits import client_key
from jiesu.api.views import case_view, photo_response
from jiesu.domain.calendar import SHANGHAI, WEEKDAYS, add_months
from jiesu.domain.enums import (
    Adoption,
    Channel,
    EmergencyLine,
    RequestKind,
    Role,
    Satisfaction,
    UnitKind,
    Urgency,
)
from jiesu.domain.errors import DomainError, InvalidInput, NotFound
from jiesu.domain.petition import OFFICE_STAGES, PetitionAction
from jiesu.domain.request import URGE_EVERY
from jiesu.domain.workflow import Action, Status
from jiesu.services import (
    access,
    calls,
    cases,
    duty_roster,
    intake,
    notifications,
    petitions,
    photos,
    publication,
    reply_references,
    sign_in,
    sms_replies,
    topics,
    users,
)
from jiesu.services.access import require_read
from jiesu.services.cases import ActionInput, CaseFilter, Intake
from jiesu.services.sla_scan import due_soon_until
from jiesu.services.users import Principal
from jiesu.web.rendering import (
    HOME,
    error_text,
    flash,
    login_required,
    posted_form,
    posted_id,
    render,
    unit_names,
    uploaded,
    workbook_response,
)

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request) -> Response:
    principal = optional_principal(request)
    if principal is None:
        return RedirectResponse("/portal", status_code=303)
    return RedirectResponse(HOME.get(principal.role, "/cases"), status_code=303)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", next=next if next.startswith("/") else "/")


@router.post("/login")
async def login(request: Request) -> Response:
    form = await posted_form(request)
    app = jiesu_app(request)
    request.app.state.track_limiter.check("login:" + client_key(request))
    attempt = sign_in.sign_in(app, str(form.get("name", "")), str(form.get("password", "")), client_key(request))
    principal = attempt.principal
    if attempt.locked_until is not None:
        until = attempt.locked_until.astimezone(SHANGHAI).strftime("%H:%M")
        return render(request, "login.html", 429, next=form.get("next", "/"),
                      error=f"此账号连续 {sign_in.LOCK_AFTER} 次密码错误，已锁定至 {until}。请到时再试；"
                            "急需登录请联系管理员解锁。")
    if principal is None:
        return render(request, "login.html", 400, next=form.get("next", "/"),
                      error="用户名或密码不正确。请重新输入；忘记密码请联系管理员。")
    request.session.clear()
    request.session["user_id"] = principal.user_id
    target = str(form.get("next") or "/")
    return RedirectResponse(target if target.startswith("/") and not target.startswith("//") else "/", 303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    await posted_form(request)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/account/password")
def password_page(request: Request) -> Response:
    login_required(request)
    return render(request, "password.html", minimum=users.MIN_PASSWORD)


@router.post("/account/password")
async def change_password(request: Request) -> Response:
    """A staff member sets a new password, giving the current one (so a session left open is not enough)."""
    principal = login_required(request)
    form = await posted_form(request)
    app = jiesu_app(request)
    request.app.state.track_limiter.check("password:" + principal.name)
    new, again = str(form.get("new", "")), str(form.get("again", ""))
    error = None
    if users.authenticate(app, principal.name, str(form.get("current", ""))) is None:
        error = "当前密码不正确，请重新输入。"
    elif new != again:
        error = "两次输入的新密码不一致，请重新输入。"
    else:
        try:
            users.set_password(app, principal.name, new, by=principal.name)
        except DomainError as refused:
            error = error_text(refused)
    if error:
        return render(request, "password.html", 400, minimum=users.MIN_PASSWORD, error=error)
    flash(request, "新密码已保存，下次登录请用新密码")
    return RedirectResponse(HOME.get(principal.role, "/cases"), status_code=303)


# --- agent intake ------------------------------------------------------------------------------------------
def intake_context(app) -> dict:
    directory = app.current_config().directory
    places = sorted((u for u in directory.units.values() if u.kind.is_territorial), key=lambda u: u.code)
    return {"kinds": list(RequestKind), "channels": list(Channel), "urgencies": list(Urgency),
            "categories": directory.leaf_choices(),
            "places": [(u.code, u.name, u.kind.label) for u in places],
            "topics": topics.listed(app, open_only=True), "lines": list(EmergencyLine)}


@router.get("/intake")
def intake_page(request: Request, phone: str = "", source_ref: str = "", call_ref: str = "",
                callback: OptionalRecordId = None) -> Response:
    """The intake screen; `?phone=` (the caller's number, as a softphone or CTI opens it when a call comes in:
    来电弹屏) fills the number in and shows the cases received from it before the agent types anything;
    `?source_ref=` (a call 110 transfers, with its 警情编号) fills that in too, as 110 转来; `?call_ref=` (the
    telephony's id of the call) links the case to its call record (话务记录); `?callback=` (a call given up that
    this agent has just started to call back, 呼损回拨) fills in that caller's number, which travels in no address."""
    principal = login_required(request, Role.AGENT, Role.DISPATCHER)
    app = jiesu_app(request)
    if callback is not None:
        phone = calls.calling_back(app, callback, principal.name) or phone
    caller, caller_error = None, None
    if phone.strip():
        try:
            caller = intake.caller_history(app, phone)
        except DomainError as error:
            caller_error = f"来电号码「{phone[:30]}」无法识别：{error.message}。请核对后在联系电话栏手工填写。"
    form = {"requester_phone": caller.phone if caller else phone.strip()[:30], "channel": "phone"} if phone else {}
    if source_ref.strip():  # 110 转来: the incident number as 110 passed it (checked when the case is registered)
        form |= {"source_ref": source_ref.strip()[:64], "channel": Channel.POLICE.value}
    if call_ref.strip():  # checked when the case is registered, as the other fields
        form |= {"call_ref": call_ref.strip()[:64]}
    return render(request, "intake.html", form=form, caller=caller, caller_error=caller_error, Status=Status,
                  **intake_context(app))


@router.post("/intake")
async def intake_submit(request: Request) -> Response:
    principal = login_required(request, Role.AGENT, Role.DISPATCHER)
    form = await posted_form(request)
    app = jiesu_app(request)
    fields = {k: str(form.get(k, "")).strip() for k in ("content", "title", "kind", "channel", "requester_name",
                                                         "requester_phone", "address", "division", "category",
                                                         "urgency", "unit", "answer", "topic_id", "publish",
                                                         "sensitive", "line", "reference", "source_ref",
                                                         "call_ref")}
    sent = await uploaded(form, "photos")
    try:
        prepared, shown, note = intake.prepare(app, Intake(
            content=fields["content"], title=fields["title"] or None, kind=fields["kind"] or "complaint",
            channel=fields["channel"] or "phone", requester_name=fields["requester_name"],
            requester_phone=fields["requester_phone"] or None, address=fields["address"],
            division=fields["division"] or None, category=fields["category"] or None,
            urgency=fields["urgency"] or "normal", topic_id=posted_id(fields["topic_id"], "topic_id"),
            publish_consent=fields["publish"] == "yes", sensitive=fields["sensitive"],
            source_ref=fields["source_ref"], call_ref=fields["call_ref"]))
        then = _intake_steps(str(form.get("submit") or ""), fields)
        case, _, code = intake.register(app, principal, prepared, str(form.get("idempotency_key") or "") or None,
                                        suggestion=note, keywords=shown.keywords, then=then,
                                        photos=sent)
    except DomainError as error:  # nothing was registered: the agent corrects the form and sends it again
        return render(request, "intake.html", 400, form=fields, error=error_text(error, photos=bool(sent)),
                      error_field=error.field,
                      **intake_context(app))
    if code:
        flash(request, f"工单号 {case.ticket}，查询码 {code}：请告知诉求人，凭此查询进度和评价")
    if note["applied"].get("urgency_reason"):
        flash(request, f"已按紧急件处理：{note['applied']['urgency_reason']}", "warn")
    if case.sensitive:
        flash(request, f"已列为敏感诉求（督办台跟踪）：{case.sensitive}", "warn")
    done = {Action.ANSWER_DIRECTLY: "已直接办结", Action.DISPATCH: "已受理并派单",
            Action.HAND_OVER: f"已转 {EmergencyLine.label_of(fields['line'])}，本件结束",
            Action.ALERT_LINE: f"已受理，已登记通报 {EmergencyLine.label_of(fields['line'])}，等待派单"}
    flash(request, f"工单 {case.ticket} {done[then[-1][0]] if then else '已受理，等待派单'}")
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


def _intake_steps(submit: str, fields: dict[str, str]) -> list[tuple[Action, ActionInput]]:
    """The agent's steps after 受理, by the button pressed: 直接办结 (answer), 派单 (dispatch), 转紧急热线 (hand_over, the
    matter is the emergency line's alone); an emergency line chosen and not handed over to is 通报紧急热线 first."""
    told = ActionInput(line=fields["line"] or None, reference=fields["reference"])
    if submit == "hand_over":
        return [(Action.HAND_OVER, told)]
    steps = [(Action.ALERT_LINE, told)] if fields["line"] else []
    if submit == "answer":
        steps.append((Action.ANSWER_DIRECTLY, ActionInput(reply=fields["answer"])))
    elif submit == "dispatch" and fields["unit"]:
        steps.append((Action.DISPATCH, ActionInput(unit=fields["unit"])))
    return steps


# --- queues ------------------------------------------------------------------------------------------------
def work(app, heading: str, limit: int = 100, **kwargs) -> tuple[str, list, int]:
    """A work queue's section: its most pressing cases first (emergencies, then the nearest deadline, then the
    oldest), at most `limit` of them, and how many there are in all (so that none is silently left out)."""
    items = cases.list_cases(app, CaseFilter(by_deadline=True, limit=limit, **kwargs))
    total = cases.count_cases(app, CaseFilter(**kwargs)) if len(items) == limit else len(items)
    return heading, items, total


DISPATCHING = (Role.DISPATCHER, Role.AGENT, Role.ADMIN)  # who may dispatch, as the workflow has it


QUEUE_ROLES = (Role.DISPATCHER, Role.AGENT, Role.SUPERVISOR)
ON_DUTY_SHOWN = (Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)  # the centre calls the lead unit's 值班人


def queue_sections(app) -> list[tuple[str, list, int]]:
    """The 派单台's lists; every one is work arriving (`pulse.py` tells the open page of new cases in them)."""
    return [work(app, "待派单", statuses=["registered"]), work(app, "退单待审", statuses=["return_pending"]),
            work(app, "办结待审核", statuses=["resolved"])]


@router.get("/queue")
def queue(request: Request) -> Response:
    principal = login_required(request, *QUEUE_ROLES)
    app = jiesu_app(request)
    sections = queue_sections(app)
    suggested = None  # 批量派单: the lead unit suggested for each case waiting (duty lists, 改派经验), for dispatchers
    config = app.current_config()
    if principal.role in DISPATCHING:
        with app.uow(read_only=True) as uow:
            routings = cases.suggested_routings(uow.connection, app.router(uow),
                                                [(row.id, row.category, row.division) for row in sections[0][1]])
        suggested = {case_id: routing.best for case_id, routing in routings.items() if routing.best is not None}
    return render(request, "queue.html", title="派单台", sections=sections, names=unit_names(app), Status=Status,
                  now=app.now(), suggested=suggested, category_names=config.category_names,
                  guesses=intake.first_guesses(app, sections[0][1]),
                  pulse=("/queue/pulse", arrivals(sections)[0]))


@router.post("/queue/dispatch")
async def dispatch_batch(request: Request) -> Response:
    """批量派单: the ticked cases, each to its suggested lead unit, each in its own transaction."""
    principal = login_required(request, *DISPATCHING)
    choices = _picked(await posted_form(request))
    if not choices:
        flash(request, "没有勾选工单：请勾选要按建议派单的工单")
        return RedirectResponse("/queue", status_code=303)
    outcome = cases.dispatch_as_suggested(jiesu_app(request), principal.actor, choices)
    names = unit_names(jiesu_app(request))
    if outcome.done:
        flash(request, f"已按建议派单 {len(outcome.done)} 件：" + "；".join(
            f"{ticket} → {names.get(unit, unit)}" for ticket, unit in outcome.done))
    if outcome.refused:
        flash(request, f"未派单 {len(outcome.refused)} 件，请逐件处理：" + "；".join(
            f"{ticket}（{why}）" for ticket, why in outcome.refused), kind="error")
    return RedirectResponse("/queue", status_code=303)


def _picked(form) -> dict[int, int]:
    """The ticked cases of a list (id → the version the user saw), from its `pick` boxes ("id:version")."""
    choices: dict[int, int] = {}
    for value in form.getlist("pick"):
        case_id, _, version = str(value).partition(":")
        if case_id.isdigit() and version.isdigit():
            choices[int(case_id)] = int(version)
    return choices


# the lists whose cases are ticked and acted on together (each in its own transaction): the form's address and
# id, its button, what it tells, and the label of the reason all of them are given, if the action takes one
SIGN_BATCH = {"url": "/inbox/acknowledge", "id": "batch-sign", "button": "签收勾选的工单",
              "hint": "签收后请在联系时限内联系诉求人；已被改派、撤回或他人改动的工单不会签收，会列出原因。"}
SUPERVISE_BATCH = {"url": "/desk/supervise", "id": "batch-supervise", "button": "督办勾选的工单", "reason": "督办意见",
                   "hint": "每件工单记一次督办，意见相同，承办单位在工单上看到；已办结或他人改动的工单不会督办，会列出原因。"}

AREA_SUPERVISE_BATCH = {**SUPERVISE_BATCH, "url": "/inbox/supervise", "id": "batch-supervise-area"}


@router.post("/inbox/acknowledge")
async def acknowledge_batch(request: Request) -> Response:
    """批量签收: the ticked cases of the 承办箱, each signed for in its own transaction."""
    principal = login_required(request, Role.HANDLER)
    choices = _picked(await posted_form(request))
    if not choices:
        flash(request, "没有勾选工单：请勾选要签收的工单")
        return RedirectResponse("/inbox", status_code=303)
    outcome = cases.perform_each(jiesu_app(request), principal.actor, choices, Action.ACKNOWLEDGE, ActionInput(),
                                 guard=lambda case: require_read(principal, case))
    if outcome.done:
        flash(request, f"已签收 {len(outcome.done)} 件：" + "、".join(ticket for ticket, _ in outcome.done)
              + "。请在联系时限内联系诉求人")
    if outcome.refused:
        flash(request, f"未签收 {len(outcome.refused)} 件：" + "；".join(
            f"{ticket}（{why}）" for ticket, why in outcome.refused), kind="error")
    return RedirectResponse("/inbox", status_code=303)


def handled_by(principal: Principal) -> str | None:
    """The unit whose cases a 承办箱 lists: a handler's own (None, every unit's, for other staff)."""
    return principal.unit if principal.role == Role.HANDLER else None


CO_REPORTED = "协办已反馈（待主办答复）"
CO_UNREPORTED = "协办待反馈"


def inbox_arrivals(app, principal: Principal) -> list[tuple[str, list, int]]:
    """The 承办箱's lists of work arriving (what its new-work notice, `pulse.py`, compares): the requesters' urges
    and additions of the last day, the cases handed down to the unit (下派) and given to this handler (分办) in it
    and those of its own that a co-handler has reported back on (协办反馈), each shown only when there are some, and
    the cases waiting to be signed for."""
    mine = handled_by(principal)
    since = app.now() - URGE_EVERY
    urged = work(app, "市民催办（24 小时内）", urged_since=since, visible_to_unit=mine,
                 statuses=[s.value for s in intake.URGEABLE])
    added = work(app, "诉求人补充（24 小时内）", supplemented_since=since, visible_to_unit=mine,
                 statuses=[s.value for s in intake.SUPPLEMENTABLE])
    handed = work(app, "上级下派（24 小时内）", delegated_to=(mine, since), statuses=list(cases.WITH_A_UNIT)) \
        if mine else ("", [], 0)
    reported = work(app, CO_REPORTED, reported_to=mine, statuses=list(cases.REPORTABLE)) if mine else ("", [], 0)
    given = work(app, "分办给我（24 小时内）", given_to=(principal.name, since), visible_to_unit=mine,
                 statuses=list(cases.WITH_A_UNIT)) if mine else ("", [], 0)
    return [*(section for section in (urged, added, handed, given, reported) if section[1]),
            work(app, "待签收", statuses=["dispatched"], visible_to_unit=mine)]


def arrivals(sections: list[tuple[str, list, int]]) -> tuple[list[str], list[str]]:
    """The cases listed in the sections as "heading:id" keys, and the keys of the emergencies among them: what an
    open 承办箱, 派单台 or 督办台 compares to tell of new work."""
    listed = [(f"{heading}:{row.id}", row.urgency == "emergency") for heading, items, _total in sections
              for row in items]
    return [key for key, _ in listed], [key for key, urgent in listed if urgent]


AREA_OVERDUE = "辖区超期未办结"
AREA_SENSITIVE = "辖区敏感诉求（未结案）"


OWNERS = (("", "全部"), ("mine", "我承办的"), ("unassigned", "未分办"))  # the 承办箱's 办理中, by 承办人员


@router.get("/inbox")
def inbox(request: Request, who: str = "") -> Response:
    principal = login_required(request, Role.HANDLER)
    app = jiesu_app(request)
    mine = handled_by(principal)
    if who not in dict(OWNERS):
        raise InvalidInput(f"who 应为 mine 或 unassigned：{who!r}", field="who")
    owner = {"mine": principal.name, "unassigned": cases.NOBODY}.get(who)
    incoming = inbox_arrivals(app, principal)
    # a unit's own cases in hand, then those it co-handles and has not reported back on (once it has, its part is
    # done: they leave the 承办箱, as the cases it leads do once answered)
    owed = work(app, CO_UNREPORTED, unreported_by=mine, statuses=list(cases.REPORTABLE)) if mine else ("", [], 0)
    sections = [*incoming,
                work(app, "办理中", statuses=["in_progress", "extension_pending"], lead_unit=mine, owner=owner),
                *([owed] if owed[1] else []),
                work(app, "已办结待审核", 50, statuses=["resolved"], visible_to_unit=mine)]
    if principal.area:  # a district office, a 街道 with 社区: what is late under it, to supervise (督办), and the
        late = work(app, AREA_OVERDUE, 50, overdue_at=app.now(), visible_to_area=principal.area)  # 敏感诉求 its
        watched = work(app, AREA_SENSITIVE, 50, sensitive=True, statuses=list(cases.WATCHED_SENSITIVE),  # units
                       visible_to_area=principal.area)  # handle (a crowd at the district's gate is its own), if any
        sections += [s for s in (late, watched) if s[1]]
    return render(request, "queue.html", title=f"{unit_names(app).get(principal.unit or '', '')} 承办箱",
                  sections=sections, names=unit_names(app), Status=Status, now=app.now(), soon=due_soon_until(app),
                  batches={"待签收": SIGN_BATCH, AREA_OVERDUE: AREA_SUPERVISE_BATCH}, who=who,
                  owners=OWNERS if principal.role == Role.HANDLER else None,
                  pulse=("/inbox/pulse", arrivals(incoming)[0]))


def desk_sections(app) -> list[tuple[str, list, int]]:
    """The 督办台's lists; a case entering any of them is news to the supervisor (`pulse.py`)."""
    now = app.now()
    unsigned = work(app, "紧急件超时未签收", urgency="emergency", unsigned_at=now)
    return [*([unsigned] if unsigned[1] else []),  # first, and only when there are some
            work(app, "已超期", overdue_at=now),
            work(app, "敏感诉求（未结案）", sensitive=True, statuses=list(cases.WATCHED_SENSITIVE)),
            work(app, "24 小时内到期", due_from=now, due_before=now + timedelta(hours=24)),
            work(app, "退单待审", statuses=["return_pending"]),
            work(app, "延期待审", statuses=["extension_pending"]),
            work(app, "不合理诉求待认定", unreasonable="pending"),
            work(app, "答复待审核", statuses=["resolved"]),
            work(app, "待回访", statuses=["awaiting_follow_up"]),
            work(app, "市民催办（24 小时内，仍在办理）", urged_since=now - URGE_EVERY,
                 statuses=[s.value for s in intake.URGEABLE])]


@router.get("/desk")
def desk(request: Request) -> Response:
    login_required(request, Role.SUPERVISOR)
    app = jiesu_app(request)
    now = app.now()
    sections = desk_sections(app)
    horizon = app.today() + timedelta(days=7)
    due = sorted((v for v in petitions.views(app)  # the office's own deadlines only
                  if v.due_on and v.due_on <= horizon and v.petition.stage in OFFICE_STAGES),
                 key=lambda v: v.due_on or horizon)
    review = [work(app, PUBLICATION_REVIEW, 50, publication_pending=True)] \
        if app.settings.publication_review else []  # not work arriving: the pulse leaves it out
    return render(request, "queue.html", title="督办台", sections=sections + [s for s in review if s[1]],
                  names=unit_names(app), Status=Status, petitions_due=due, outbox=notifications.outbox(app), now=now,
                  holiday=duty_roster.holiday_coverage(app),  # 节假日值班: the units not yet covering it
                  batches={"已超期": SUPERVISE_BATCH, PUBLICATION_REVIEW: PUBLISH_BATCH},
                  pulse=("/desk/pulse", arrivals(sections)[0]))


PUBLICATION_REVIEW = "办件公开待审核"
PUBLISH_BATCH = {"url": "/desk/publish", "id": "batch-publish", "button": "公开勾选的办件",
                 "hint": "诉求人同意公开、已办结的诉求：请先打开阅读，文中有可认出个人的内容的，在工单页「不予公开」；"
                         "公开后列入办件公开（号码等自动隐去）。"}


@router.post("/desk/publish")
async def publish_batch(request: Request) -> Response:
    """办件公开审核: the ticked cases let through, each in its own transaction (and audit line)."""
    principal = login_required(request, *publication.KEEPERS)
    choices = _picked(await posted_form(request))
    if not choices:
        flash(request, "没有勾选工单：请勾选要公开的办件")
        return RedirectResponse("/desk", status_code=303)
    app, done, refused = jiesu_app(request), [], []
    for case_id in choices:
        try:
            publication.approve(app, principal.name, case_id)
            done.append(case_id)
        except DomainError as error:
            refused.append(f"{case_id}（{error_text(error)}）")
    if done:
        flash(request, f"已公开 {len(done)} 件")
    if refused:
        flash(request, f"未公开 {len(refused)} 件：" + "；".join(refused), kind="error")
    return RedirectResponse("/desk", status_code=303)


@router.post("/desk/supervise")
async def supervise_batch(request: Request) -> Response:
    """批量督办: the ticked overdue cases of the 督办台, each supervised with the same opinion in its own
    transaction."""
    return await _supervise_ticked(request, login_required(request, Role.SUPERVISOR), "/desk")


@router.post("/inbox/supervise")
async def supervise_area_batch(request: Request) -> Response:
    """辖区督办: a district office (a 街道 over its 社区) supervises the ticked late cases of its 辖区 from its 承办箱;
    the domain refuses any case not led by a unit under it."""
    return await _supervise_ticked(request, login_required(request, Role.HANDLER), "/inbox")


async def _supervise_ticked(request: Request, principal: Principal, back: str) -> Response:
    """The ticked cases, each supervised with the same opinion in its own transaction; back to the list."""
    form = await posted_form(request)
    choices, reason = _picked(form), str(form.get("reason", "")).strip()
    if not choices or not reason:
        flash(request, "请勾选要督办的工单并写明督办意见", kind="error")
        return RedirectResponse(back, status_code=303)
    outcome = cases.perform_each(jiesu_app(request), principal.actor, choices, Action.SUPERVISE,
                                 ActionInput(reason=reason), guard=lambda case: require_read(principal, case))
    if outcome.done:
        flash(request, f"已督办 {len(outcome.done)} 件：" + "、".join(ticket for ticket, _ in outcome.done))
    if outcome.refused:
        flash(request, f"未督办 {len(outcome.refused)} 件：" + "；".join(
            f"{ticket}（{why}）" for ticket, why in outcome.refused), kind="error")
    return RedirectResponse(back, status_code=303)


CALLBACK_STAFF = (Role.AGENT, Role.SUPERVISOR)


@router.get("/callbacks")
def callbacks(request: Request) -> Response:
    """回访台: the replies accepted and waiting for a callback to the requester, the nearest callback deadline first
    (overdue marked), and the cases called back whose merged requesters (并单) still wait for theirs; an agent or
    supervisor opens one, sees the phone in full (recorded), calls and records it — or records that nobody answered
    (each case here says how often that happened this round, and when last). Above them, the text messages requesters
    sent back that were not a rating it could record (短信回复待处理), for an agent to read and deal with; and the
    callers who gave up in the queue in the last day and have not got through since (呼损回拨), for an agent to call."""
    principal = login_required(request, *CALLBACK_STAFF)
    app = jiesu_app(request)
    sections = [work(app, "待回访", statuses=["awaiting_follow_up"]),
                work(app, "并单诉求人待回访（本件诉求人已回访）", merged_callbacks_due=True)]
    unanswered = cases.unanswered_calls(app, [row.id for _, rows, _ in sections for row in rows])
    missed, missed_count, withheld = calls.missed(app)
    return render(request, "queue.html", title="回访台", sections=sections, names=unit_names(app), Status=Status,
                  now=app.now(), soon=due_soon_until(app), unanswered=unanswered, sms_replies=sms_replies.waiting(app),
                  missed=missed, missed_count=missed_count, withheld=withheld, may_call_back=principal.role == Role.AGENT,
                  callback_tries=calls.CALLBACK_TRIES)


@router.post("/callbacks/missed/{call_id}")
async def call_back_missed(request: Request, call_id: RecordId) -> Response:
    """回拨: an agent calls back a caller who gave up in the queue — the try is recorded (audited: the number is shown
    in full), and the intake opens with their number and earlier cases, to register what they called about."""
    principal = login_required(request, Role.AGENT)
    await posted_form(request)
    try:
        calls.call_back(jiesu_app(request), call_id, principal.name)
    except DomainError as error:
        flash(request, error_text(error), kind="error")
        return RedirectResponse("/callbacks", status_code=303)
    flash(request, f"请回拨联系电话栏中的号码：接通后在此受理；未接通则回到回访台，稍后再拨（至多 {calls.CALLBACK_TRIES} 次）")
    return RedirectResponse(f"/intake?callback={call_id}", status_code=303)  # the number stays out of the address


@router.post("/callbacks/sms/{reply_id}/handled")
async def sms_reply_handled(request: Request, reply_id: RecordId) -> Response:
    """已处理: an agent has dealt with a text message a requester sent back; it leaves the 回访台 (audited)."""
    principal = login_required(request, *CALLBACK_STAFF)
    await posted_form(request)
    try:
        sms_replies.mark_handled(jiesu_app(request), reply_id, principal.name)
        flash(request, "短信回复已标记为已处理")
    except DomainError as error:
        flash(request, error_text(error), kind="error")
    return RedirectResponse("/callbacks", status_code=303)


def case_search(status: str = "", q: str = "", category: str = "", area: str = "", channel: str = "", kind: str = "",
                urgency: str = "", month: str = "", day: str = "", keyword: str = "", slot: str = "", since: str = "",
                until: str = "", topic: str = "", scope: str = "", owner: str = "", sensitive: str = "") -> dict[str, str]:
    """The case list's search, from the query string (the list and its export read the same one)."""
    return {"status": status, "q": q, "category": category, "area": area, "channel": channel, "kind": kind,
            "urgency": urgency, "month": month, "day": day, "keyword": keyword, "slot": slot, "since": since,
            "until": until, "topic": topic, "scope": scope, "owner": owner, "sensitive": sensitive}


COUNTED_UP_TO = 10_000  # 工单查询 says "more than" past this: counting a city's millions on every page costs seconds


@router.get("/cases")
def case_list(request: Request, search: dict = Depends(case_search), before: OptionalRecordId = None) -> Response:
    """工单查询, also the drill-down target of the dashboard: each filter narrows the list (a category or an area
    of any level includes everything below it; `month` is a Beijing calendar month; `since` and `until` the first
    and last Beijing day (the early warnings' 7 days); `slot` a weekday and hour, `D-HH`)."""
    principal = login_required(request)
    app = jiesu_app(request)
    try:
        wanted = _search(principal, search)
        total = cases.count_cases(app, wanted, up_to=COUNTED_UP_TO)
        wanted.before_id = before
        found = cases.list_cases(app, wanted)
    except DomainError as error:
        return render(request, "message.html", 400, title="查询条件有误", message=error_text(error))
    names = unit_names(app)
    labels = _search_labels(app, search, wanted)
    chips = [(labels[k], _query({**search, k: ""})) for k in labels if search[k]]
    return render(request, "queue.html", title="工单查询", sections=[("查询结果", found)], names=names,
                  Status=Status, search=search, statuses=list(Status), urgencies=list(Urgency), chips=chips,
                  total=min(total, COUNTED_UP_TO), more_than=total > COUNTED_UP_TO, choices=_search_choices(app),
                  search_labels=labels,
                  next_page=_query({**search, "before": found[-1].id}) if len(found) == 50 else None,
                  export=_query(search) if principal.role != Role.AGENT else None)


@router.get("/cases.xlsx")
def case_export(request: Request, search: dict = Depends(case_search)) -> Response:
    """导出: every case the same search finds (not only the page shown), as an Excel workbook — no names or
    phones, the texts masked, the export recorded in the audit trail. Not for agents (they work case by case);
    a handler exports only its unit's cases, as its list shows them."""
    from jiesu.services.case_export import export_xlsx

    principal = login_required(request, Role.DISPATCHER, Role.HANDLER, Role.SUPERVISOR, Role.ANALYST)
    app = jiesu_app(request)
    try:
        wanted = _search(principal, search)
        labels = {"status": Status.label_of(search["status"]), "q": search["q"], **_search_labels(app, search, wanted)}
        data, _ = export_xlsx(app, wanted, principal.name, {k: labels[k] for k in labels if search[k]})
    except DomainError as error:
        return render(request, "message.html", 400, title="无法导出", message=error_text(error))
    return workbook_response(data, f"工单查询-{app.today():%Y%m%d}.xlsx", "cases.xlsx")


def _search(principal: Principal, search: dict) -> CaseFilter:
    """The case list's filter from its query (a handler's always narrowed to its unit, or with `scope` to its
    辖区); InvalidInput names the field that is wrong."""
    day, month, since, until, slot = search["day"], search["month"], search["since"], search["until"], search["slot"]
    start, end = period_span(day or month) if day or month else (None, None)
    if since:
        first = day_span(since, "since", "起始日期")[0]
        start = max(start, first) if start else first
    if until:
        last = day_span(until, "until", "截止日期")[1]
        end = min(end, last) if end else last
    unit, area = access.list_scope(principal, search["scope"])
    return CaseFilter(statuses=[search["status"]] if search["status"] else [], text=search["q"] or None,
                      visible_to_unit=unit, visible_to_area=area,
                      category_tree=search["category"] or None, area=search["area"] or None,
                      channel=search["channel"] or None, kind=search["kind"] or None,
                      urgency=search["urgency"] or None, keyword=search["keyword"] or None,
                      received_from=start, received_to=end,
                      slot=cases.parse_slot(slot) if slot else None, topic_id=posted_id(search["topic"], "topic"),
                      owner=search["owner"].strip() or None, sensitive=search["sensitive"] == "yes", limit=50)


def _search_labels(app, search: dict, wanted: CaseFilter) -> dict[str, str]:
    """Each filter of the search as people read it (the chips above the list, the audit line of an export)."""
    names = unit_names(app)
    directory = app.current_config().directory
    category = search["category"]
    return {"category": directory.category_path(category) if category in directory.categories else category,
            "area": names.get(search["area"], search["area"]), "channel": Channel.label_of(search["channel"]),
            "kind": RequestKind.label_of(search["kind"]), "month": search["month"], "day": search["day"],
            "keyword": search["keyword"], "slot": _slot_label(wanted.slot),
            "since": f"{search['since']} 起" if search["since"] else "",
            "until": f"至 {search['until']}" if search["until"] else "",
            "topic": _topic_label(app, wanted.topic_id), "scope": "辖区工单" if search["scope"] else "",
            "owner": f"承办人员 {search['owner']}" if search["owner"] else "",
            "sensitive": "敏感诉求" if search["sensitive"] == "yes" else ""}


def _topic_label(app, topic_id: int | None) -> str:
    if topic_id is None:
        return ""
    try:
        return f"征集主题：{topics.get(app, topic_id).title}"
    except NotFound:
        return f"征集主题 {topic_id}"


def _search_choices(app) -> dict[str, list[tuple[str, str]]]:  # "area", "category": (code, name shown)
    """What the search form offers to choose: the districts with their 街道/乡镇 (indented), and the first- and
    second-level categories (a choice includes everything below it)."""
    directory = app.current_config().directory
    units = directory.units.values()
    areas = []
    for district in sorted((u for u in units if u.kind == UnitKind.DISTRICT), key=lambda u: u.code):
        areas.append((district.code, district.name))
        areas += [(u.code, f"\u3000{u.name}") for u in sorted(units, key=lambda u: u.code)
                  if u.kind == UnitKind.SUBDISTRICT and u.parent == district.code]
    categories = []
    for first in sorted((c for c in directory.categories.values() if c.parent is None), key=lambda c: c.code):
        categories.append((first.code, first.name))
        categories += [(c.code, f"\u3000{c.name}") for c in sorted(directory.categories.values(), key=lambda c: c.code)
                       if c.parent == first.code]
    return {"area": areas, "category": categories}


def day_span(value: str, field: str, label: str) -> tuple:
    """The bounds of one Beijing day `YYYY-MM-DD`, or InvalidInput naming `field`."""
    try:
        if len(value) == 10:
            return period_span(value)
    except DomainError:
        pass
    raise InvalidInput(f"{label} {value!r} 应写作 YYYY-MM-DD，例如 2026-11-23", field=field)


def _query(params: dict) -> dict:
    return {k: v for k, v in params.items() if v not in ("", None)}


def _slot_label(slot: tuple[int, int] | None) -> str:
    return f"周{WEEKDAYS[slot[0] - 1]} {slot[1]} 时" if slot else ""



def period_span(period: str) -> tuple:
    """The bounds of a Beijing calendar month `YYYY-MM` or day `YYYY-MM-DD`."""
    from datetime import datetime

    if len(period) == 10:
        try:
            first = datetime.strptime(period, "%Y-%m-%d").replace(tzinfo=SHANGHAI)
        except ValueError:
            raise InvalidInput(f"日期 {period!r} 应写作 YYYY-MM-DD，例如 2026-11-29", field="day") from None
        return first, first + timedelta(days=1)
    try:
        first = datetime.strptime(period, "%Y-%m").replace(tzinfo=SHANGHAI)
    except ValueError:
        raise InvalidInput(f"月份 {period!r} 应写作 YYYY-MM，例如 2026-11", field="month") from None
    return first, add_months(first, 1)


# --- the case page -----------------------------------------------------------------------------------------
FORM_FIELDS = {
    "dispatch": ["unit", "co_units", "reason"], "redispatch": ["unit", "co_units", "reason"],
    "acknowledge": [], "record_contact": ["note"], "return": ["reason", "proposed_unit"], "reject_return": ["reason"],
    "request_extension": ["duration", "reason"], "approve_extension": ["duration", "note"],
    "refuse_extension": ["reason"], "note_progress": ["note", "photos"], "resolve": ["adoption", "reply", "photos"],
    "accept_reply": [],
    "send_back": ["reason"], "follow_up": ["solved", "satisfaction", "note", "requester_ref"],
    "callback_unanswered": ["note", "requester_ref"], "callback_unreachable": ["note", "requester_ref"],
    "reopen": ["reason"], "supervise": ["reason"], "merge": ["master", "reason"], "withdraw": ["reason"],
    "flag_unreasonable": ["reason"], "approve_unreasonable": ["note"], "refuse_unreasonable": ["reason"], "archive": [],
    "reclassify": ["category", "reason"], "delegate": ["delegate_unit", "reason"],
    "report_back": ["note", "photos"], "recall": ["recall_unit", "reason"], "assign_owner": ["owner", "note"],
    "answer_directly": ["reply"], "urge": ["note"], "change_urgency": ["urgency", "reason"],
    "supplement": ["note", "photos"], "ask_supplement": ["note"], "change_sensitivity": ["sensitive", "reason"],
    "hand_over": ["line", "reference", "note"], "alert_line": ["line", "reference", "note"],
}


# The step a case page opens for its reader: the first of these they may take (the case's next step forward, so not
# 联系诉求人 once the unit has; for an agent on a case a unit has, recording the requester's call again, 催办); a
# step that ends, hands back or questions the case (撤回, 退单, 并单, 改派 …) is never open until asked for
OPENED_FIRST = ("dispatch", "answer_directly", "acknowledge", "record_contact", "resolve", "accept_reply",
                "approve_extension", "follow_up", "archive", "urge", "report_back")


@router.get("/cases/{request_id}")
def case_page(request: Request, request_id: RecordId) -> Response:
    principal = login_required(request)
    return _case_page(request, principal, request_id)


def _case_page(request: Request, principal: Principal, request_id: int, status_code: int = 200,
               error: str | None = None, revealed: bool = False) -> Response:
    app = jiesu_app(request)
    try:
        case = (access.reveal(app, principal, request_id) if revealed
                else require_read(principal, cases.show(app, request_id)))
    except NotFound:
        return render(request, "message.html", 404, title="工单不存在", message="没有这件工单，或你无权查看。请检查工单编号。")
    with app.uow(read_only=True) as uow:
        config = app.config(uow)
        names = config.unit_names
        path = config.directory.category_path(case.category) if case.category in config.directory.categories else None
        view = case_view(case, principal, category_path=path, unit_names=names, revealed=revealed, now=app.now())
        media = list(photos.media_urls(uow.connection, [case.stored_id]).values())
        notices = notifications.for_case(uow.connection, case.stored_id)
        replies = sms_replies.for_case(app, uow.connection, case.stored_id)
        topic = topics.of_case(uow.connection, case.stored_id)
        consent = publication.of_case(uow.connection, case.stored_id)
        published = consent is not None and publication.published(app, uow.connection, case.stored_id)
        router = app.router(uow)
        routing = cases.suggested_routing(uow.connection, router, case)
        delegable = cases.delegable(router, case, principal.area) if principal.area else []
        staff = cases.assignable(uow.connection, case, principal.unit) if "assign_owner" in view["allowed_actions"] \
            else []
        on_duty = duty_roster.on_duty(app, uow.connection, case.lead_unit, app.now()) \
            if principal.role in ON_DUTY_SHOWN and case.status.value in cases.WITH_A_UNIT else None  # whom to call
        case_calls = calls.of_case(uow.connection, case.stored_id) if principal.role in calls.SHOWN_TO else []
    pictures = photos.by_step(photos.listed(app, case))
    handling = {code: u.name for code, u in config.directory.units.items() if u.kind != UnitKind.CENTRE}  # may handle
    actions = [(Action(a), FORM_FIELDS[a]) for a in view["allowed_actions"]  # 下派 only where the matter may go down
               if (a != Action.DELEGATE or delegable) and (a != Action.ASSIGN_OWNER or staff)]  # 分办: to someone
    done = {"record_contact"} if view["contacted_at"] else set()  # contacted: the next step is the reply
    if any(c["unit"] == principal.unit and c["reported_at"] for c in view["co_handling"]):
        done.add("report_back")  # reported back already: open again only when asked for
    opened = next((step for step in OPENED_FIRST if step in view["allowed_actions"] and step not in done), None)
    read = intake.reading(app, case, view["allowed_actions"])
    line = intake.emergency(app, f"{case.title}\n{case.content}").line \
        if {"hand_over", "alert_line"} & set(view["allowed_actions"]) else ""  # the line its words call for
    references = reply_references.references(app, case) if "resolve" in view["allowed_actions"] else []
    co_reports = _co_reports(view, names) if "resolve" in view["allowed_actions"] else []
    if read.answers:
        opened = "answer_directly"  # a question the 知识库 answers: answered here rather than sent to a unit
    elif read.categories:
        opened = "reclassify"  # unclassified: the 改类 that must come before 派单
    petition = next(iter(petitions.views(app, [case.stored_id])), None)
    steps = None  # the petition steps this person may record (None: not one of the centre's petition staff)
    if principal.role in PETITION_STAFF:
        steps = petition.petition.next_steps() if petition else []
    page = render(request, "case.html", status_code, case=view, actions=actions, opened=opened, routing=routing,
                  names=names, satisfactions=list(Satisfaction), adoptions=list(Adoption), urgencies=list(Urgency),
                  lines=list(EmergencyLine), suggested_line=line, error=error, media=media,
                  photos=pictures, revealed=revealed, may_propose=principal.role in (Role.AGENT, Role.DISPATCHER),
                  hotline=app.settings.hotline_name, printed_at=app.now(), handling=handling,
                  petition=petition, notices=notices, replies=replies, petition_steps=steps, today=app.today().isoformat(),
                  duplicates=read.duplicates, Status=Status, guesses=read.categories, answers=read.answers,
                  guessing=not intake.tells(read.categories), references=references, topic=topic,
                  categories=config.directory.leaf_choices(), overseeing=access.oversees_only(principal, case),
                  delegable=delegable, staff=staff, consent=consent, published=published, on_duty=on_duty,
                  review=app.settings.publication_review, co_reports=co_reports,
                  may_withhold=principal.role in publication.KEEPERS, case_calls=case_calls)
    if revealed:
        page.headers["Cache-Control"] = "no-store"  # personal data shown on request stays out of caches
    return page


def _co_reports(view: dict, names: dict[str, str]) -> list[dict]:
    """The last 协办反馈 of each unit co-handling the case now, for the lead unit writing its reply."""
    now_on = {c["unit"] for c in view["co_handling"]}
    last: dict[str, dict] = {}
    for e in view["events"]:
        unit = e["changes"].get("reported", [None, None])[1] if e["action"] == Action.REPORT_BACK.value else None
        if isinstance(unit, str) and unit in now_on:
            last[unit] = {"unit": names.get(unit, unit), "at": e["at"], "note": e["note"]}
    return list(last.values())


@router.get("/cases/{request_id}/photos/{photo_id}")
def case_photo(request: Request, request_id: RecordId, photo_id: RecordId) -> Response:
    """One 现场照片 of the case, for those who may read the case."""
    principal = login_required(request)
    try:
        data, content_type = photos.for_staff(jiesu_app(request), principal, request_id, photo_id)
    except NotFound:
        return render(request, "message.html", 404, title="照片不存在", message="没有这张照片，或你无权查看。请回到工单页面。")
    return photo_response(data, content_type)


@router.post("/cases/{request_id}/reveal")
async def case_reveal(request: Request, request_id: RecordId) -> Response:
    """查看完整信息: the case page with the requester's personal data in full, recorded in the audit trail."""
    principal = login_required(request)
    await posted_form(request)
    try:
        return _case_page(request, principal, request_id, revealed=True)
    except DomainError as error:
        return _case_page(request, principal, request_id, 403 if error.code == "forbidden" else 400, error_text(error))


PETITION_STAFF = (Role.SUPERVISOR, Role.ADMIN)


@router.post("/cases/{request_id}/petition")
async def case_petition(request: Request, request_id: RecordId) -> Response:
    """转为信访件, or record the petition's next step (受理, 处理意见, 复查, 复核 …) on the day it was taken."""
    principal = login_required(request, *PETITION_STAFF)
    form = await posted_form(request)
    app = jiesu_app(request)
    step = str(form.get("step") or "")
    try:
        on = day_span(str(form.get("on") or ""), "on", "日期")[0].date()
        if step == "open":
            petitions.open_petition(app, principal.name, request_id, on)
            flash(request, f"已转为信访件（{on} 收到）")
        else:
            done = petitions.act(app, principal.name, request_id, PetitionAction.parse(step), on,
                                 str(form.get("reason") or ""))
            flash(request, f"信访件：{done.stage.label}")
    except DomainError as error:
        return _case_page(request, principal, request_id, 404 if error.code == "not_found" else 400, error_text(error))
    return RedirectResponse(f"/cases/{request_id}", status_code=303)


@router.post("/cases/{request_id}/publication")
async def case_publication(request: Request, request_id: RecordId) -> Response:
    """办件公开 of a case whose requester agreed: 公开, 不予公开 (with the reason) or 恢复公开, by a supervisor."""
    principal = login_required(request, *publication.KEEPERS)
    form = await posted_form(request)
    app = jiesu_app(request)
    step = str(form.get("step") or "")
    try:
        require_read(principal, cases.show(app, request_id))
        if step == "approve":
            publication.approve(app, principal.name, request_id)
            flash(request, "已公开：本件列入办件公开")
        elif step == "withhold":
            publication.withhold(app, principal.name, request_id, str(form.get("reason") or ""))
            flash(request, "已不予公开：本件不在办件公开中列出")
        elif step == "restore":
            publication.restore(app, principal.name, request_id)
            flash(request, "已恢复公开：本件办结回访后在办件公开中列出")
        else:
            raise InvalidInput("step 应为 approve（公开）、withhold（不予公开）或 restore（恢复公开）", field="step")
    except DomainError as error:
        return _case_page(request, principal, request_id, 404 if error.code == "not_found" else 400, error_text(error))
    return RedirectResponse(f"/cases/{request_id}", status_code=303)


@router.post("/cases/{request_id}/act")
async def case_act(request: Request, request_id: RecordId) -> Response:
    principal = login_required(request)
    form = await posted_form(request)
    app = jiesu_app(request)
    sent = await uploaded(form, "photos")
    try:
        action = Action.parse(str(form.get("action", "")), "action")
        solved, sensitive = form.get("solved"), form.get("sensitive")
        params = ActionInput(
            reason=str(form.get("reason", "")), note=str(form.get("note", "")), unit=str(form.get("unit") or "") or None,
            co_units=[c for c in str(form.get("co_units", "")).replace("，", ",").split(",") if c.strip()],
            duration=str(form.get("duration") or "") or None, reply=str(form.get("reply", "")),
            solved=None if solved in (None, "") else solved == "yes",
            satisfaction=str(form.get("satisfaction") or "") or None,
            requester_ref=posted_id(form.get("requester_ref"), "requester_ref"),
            master=posted_id(form.get("master"), "master"),
            category=str(form.get("category") or "") or None, urgency=str(form.get("urgency") or "") or None,
            proposed_unit=str(form.get("proposed_unit") or "") or None,
            adoption=str(form.get("adoption") or "") or None, owner=str(form.get("owner") or "") or None,
            sensitive=None if sensitive in (None, "") else sensitive == "yes",
            line=str(form.get("line") or "") or None, reference=str(form.get("reference", "")))
        version = int(form["version"]) if form.get("version") else None
        updated, warnings = cases.perform(app, principal.actor, request_id, action, params, version,
                                          guard=lambda c: require_read(principal, c), photos=sent)
    except ValueError:
        return _case_page(request, principal, request_id, 400, "编号应为数字。请修改后重试。")
    except DomainError as error:
        return _case_page(request, principal, request_id, 404 if error.code == "not_found" else 400,
                          error_text(error, photos=bool(sent)))
    flash(request, f"{action.label}：工单现为「{updated.status.label}」")
    for warning in warnings:
        flash(request, warning, "warn")
    return RedirectResponse(f"/cases/{request_id}", status_code=303)


