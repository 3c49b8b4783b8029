"""`jiesu demo`: build the demo city in the configured database."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from jiesu.bootstrap import App
from jiesu.demo import calls as demo_calls
from jiesu.demo.answers import ARTICLES
from jiesu.demo.city import write_config
from jiesu.demo.history import HOURS, HistorySimulator
from jiesu.demo.store import bulk_insert, next_request_id
from jiesu.domain.request import CitizenRequest
from jiesu.nlp.keywords import masked_keywords, warm_up
from jiesu.nlp.sensitivity import sensitivity
from jiesu.services.config_loader import load_config
from jiesu.services.knowledge import load as load_knowledge
from jiesu.storage import tables as t
from jiesu.storage.migrate import upgrade


@dataclass
class DemoSummary:
    requests: int
    events: int
    units: int
    categories: int
    start: datetime
    end: datetime
    by_status: dict[str, int]
    warnings: list[str]
    config_dir: Path | None


# a few 信访件 at every stage of their clock: (days before today, step) in order, the first being the receipt
PETITIONS = (
    ((70, "open"), (60, "accept"), (20, "answer")),  # answered: the petitioner may still ask for a review
    ((50, "open"), (45, "accept")),  # in progress
    ((20, "open"),),  # not decided in 15 days: late
    ((5, "open"),),
    ((90, "open"), (80, "accept"), (30, "extend")),  # extended once
    ((100, "open"), (95, "accept"), (60, "answer"), (40, "ask_review"), (15, "answer_review")),
)


def seed_petitions(app: App, rng: random.Random) -> None:
    """Turn a few recent complaints into petitions and walk them along their statutory clock."""
    from jiesu.domain.petition import PetitionAction
    from jiesu.services import petitions

    today = app.today()
    with app.uow(read_only=True) as uow:
        ids = uow.connection.execute(select(t.requests.c.id).where(  # registered before the earliest receipt
            t.requests.c.kind == "complaint", t.requests.c.received_at <= app.now() - timedelta(days=101))
            .order_by(t.requests.c.id.desc()).limit(300)).scalars().all()
    for request_id, steps in zip(rng.sample(list(ids), min(len(ids), len(PETITIONS))), PETITIONS, strict=False):
        for days_ago, step in steps:
            on = today - timedelta(days=days_ago)
            if step == "open":
                petitions.open_petition(app, "信访科", request_id, on)
            else:
                petitions.act(app, "信访科", request_id, PetitionAction(step), on)


# 不合理诉求 claims a unit made in the last days, waiting on the 督办台 for the supervisor's decision
CLAIMS = ("诉求人要求街道承担小区物业欠费，超出政策范围", "同一诉求已三次答复并当面解释，诉求人仍坚持无依据的赔偿要求")


def seed_claims(app: App, rng: random.Random) -> None:
    from jiesu.domain.enums import Role
    from jiesu.domain.request import Actor
    from jiesu.domain.workflow import Action
    from jiesu.services.cases import ActionInput, perform

    r = t.requests
    with app.uow(read_only=True) as uow:
        found = uow.connection.execute(select(r.c.id, r.c.lead_unit).where(
            r.c.status == "in_progress", r.c.kind == "complaint", r.c.unreasonable == "none", r.c.lead_unit.is_not(None))
            .order_by(r.c.id.desc()).limit(50)).all()
    for (request_id, unit), reason in zip(rng.sample(found, min(len(found), len(CLAIMS))), CLAIMS, strict=False):
        perform(app, Actor(f"{unit}-承办1", Role.HANDLER, unit), request_id, Action.FLAG_UNREASONABLE,
                ActionInput(reason=reason))


def seed_proposals(app: App) -> None:
    """Two answers the agents proposed for the 知识库, waiting for a 督办 (知识采编)."""
    from jiesu.demo.answers import PROPOSALS
    from jiesu.services import knowledge_proposals

    for title, answer, category in PROPOSALS:
        knowledge_proposals.propose(app, "坐席", title, answer, category)


def seed_arrivals(app: App) -> list[CitizenRequest]:
    """What citizens send while the demo starts, through the portal and the app as a real site receives it (read
    by intake, none of it yet seen by anyone at the centre): a gas leak, a question the 知识库 answers, a message too
    vague to classify, a group of owners about to protest (敏感诉求), and a repeat of a case a unit is handling.
    Returns the cases."""
    from jiesu.domain.workflow import Status
    from jiesu.services import intake
    from jiesu.services.cases import Intake

    with app.uow(read_only=True) as uow:
        row = uow.connection.execute(
            select(t.requests.c.id).where(t.requests.c.status == Status.IN_PROGRESS.value,
                                          t.requests.c.requester_phone.is_not(None))
            .order_by(t.requests.c.id.desc()).limit(1)).first()
        handled = uow.requests.get(row.id) if row else None
    sent = [Intake(content="我家楼道里燃气味很浓，好像是楼上漏气了，敲门没人应，请马上派人来！", channel="app",
                   kind="help", address="建设锦绣苑3号楼", requester_phone="13900000101"),
            Intake(content="请问外地户口在本市工作几年可以申请公租房？需要准备哪些材料？", channel="web", kind="inquiry",
                   requester_phone="13900000102"),
            Intake(content="我们这边最近总有人乱扔东西，晚上还很吵，希望有人管管", channel="web",
                   requester_phone="13900000103"),
            Intake(content="开发商延期交房快两年了，我们两百多户业主联名投诉多次都没有结果，大家商量这周末到区政府门口"
                           "拉横幅，请政府尽快出面协调", channel="web", requester_phone="13900000104")]
    if handled is not None:
        sent.append(Intake(content=f"上次反映的{handled.title}，到现在还没解决，请尽快处理", channel="app",
                           address=handled.location.address, requester_phone=handled.requester.phone))
    return [intake.submit(app, intake.CITIZEN, one)[0] for one in sent]


def seed_emergency_calls(app: App, source_ref: str) -> tuple[CitizenRequest, CitizenRequest]:
    """Two calls of the last minutes between 12345 and the emergency lines: a fight going on, which the agent put
    through to 110 and recorded as handed over (the case ends there), and a call 110 passed on as no police matter
    (110 转来, its 警情编号 kept as 来源单号), waiting for dispatch. Returns the two cases."""
    from jiesu.domain.enums import Role
    from jiesu.domain.workflow import Action
    from jiesu.services import intake
    from jiesu.services.cases import ActionInput, Intake
    from jiesu.services.users import Principal

    agent = Principal("坐席07", Role.AGENT)

    def taken(said: Intake, then=()) -> CitizenRequest:  # read by intake as the agent's screen reads it
        prepared, shown, note = intake.prepare(app, said)
        return intake.register(app, agent, prepared, suggestion=note, keywords=shown.keywords, then=then)[0]

    fight = taken(Intake(content="楼下烧烤摊两伙人正在打架，有人拿着酒瓶，已经有人流血了", kind="help",
                         channel="phone", requester_phone="13900000106", address="建设锦绣花园南门"),
                  then=[(Action.HAND_OVER, ActionInput(line="110", reference="0231"))])
    passed_on = taken(Intake(content="110 转来：长乐路与建设路路口的井盖丢了，晚上有行人险些踩空，请尽快补上",
                             kind="report", channel="police", requester_phone="13900000107",
                             address="长乐路与建设路路口", source_ref=source_ref))
    return fight, passed_on


def seed_sms_replies(app: App) -> list[str]:
    """Two requesters answer the 办结 text message of the two latest cases waiting for their callback (短信评价): one
    rates it (2: 已解决基本满意, recorded as the callback), the other writes words, which wait on the 回访台 for an
    agent. Returns the outcomes."""
    from jiesu.domain.workflow import Status
    from jiesu.services import sms_replies

    with app.uow(read_only=True) as uow:
        ids = uow.connection.execute(
            select(t.requests.c.id).where(t.requests.c.status == Status.AWAITING_FOLLOW_UP.value,
                                          t.requests.c.requester_phone.is_not(None))
            .order_by(t.requests.c.id.desc()).limit(2)).scalars().all()
        phones = [uow.requests.get(case_id).requester.phone for case_id in ids]
    said = ("2", "只处理了一部分，还没有完全解决，希望再派人来看看")
    return [sms_replies.receive(app, phone or "", text, f"demo-{n}").outcome
            for n, (phone, text) in enumerate(zip(phones, said, strict=False)) if phone]


def seed_publications(app: App, share: int = 4) -> int:
    """办件公开: one in `share` requesters of the closed cases sent from the web or the app agreed to publication when
    they sent it (as the portal asks), and the centre's supervisors have let them through (公开). Returns how many
    cases that makes."""
    from jiesu.domain.enums import Channel
    from jiesu.domain.workflow import Status

    r = t.requests
    with app.uow() as uow:
        rows = uow.connection.execute(
            select(r.c.id, r.c.received_at).where(r.c.channel.in_([Channel.WEB.value, Channel.APP.value]),
                                                  r.c.status.in_([Status.CLOSED.value, Status.ARCHIVED.value]))
            .order_by(r.c.id)).all()
        agreed = [{"request_id": row.id, "consented_at": row.received_at, "approved_at": app.now(),
                   "approved_by": "督办01"} for row in rows[::share]]
        if agreed:
            uow.connection.execute(insert(t.publications), agreed)
        uow.commit()
    return len(agreed)


def seed_owners(app: App, street: str, owner: str, count: int = 2) -> list[str]:
    """分办: the 街道's 接诉即办 desk gives `count` of its cases in hand, the latest to fall due, to `owner` (one of its
    handler accounts). Returns their tickets."""
    from jiesu.domain.enums import Role
    from jiesu.domain.request import Actor
    from jiesu.domain.workflow import Action, Status
    from jiesu.services import cases
    from jiesu.services.cases import ActionInput

    r = t.requests
    with app.uow(read_only=True) as uow:
        ids = uow.connection.execute(select(r.c.id).where(r.c.lead_unit == street, r.c.owner.is_(None),
                                                          r.c.status == Status.IN_PROGRESS.value)
                                     .order_by(r.c.resolve_due.desc(), r.c.id).limit(count)).scalars().all()
    desk = Actor(f"{street}-接诉即办专班", Role.HANDLER, street)
    return [str(cases.perform(app, desk, case_id, Action.ASSIGN_OWNER, ActionInput(
        owner=owner, note="请负责办理并按时答复"))[0].ticket) for case_id in ids]


def seed_duty(app: App, unit: str) -> str:
    """值班表: the unit's shifts from yesterday morning to tomorrow night, a day shift and a night shift taking turns, so
    that an emergency dispatched to it now is texted to the one on duty. Returns who is on duty now."""
    from datetime import datetime, time, timedelta

    from jiesu.domain.calendar import SHANGHAI
    from jiesu.domain.enums import Role
    from jiesu.services import duty_roster
    from jiesu.services.users import Principal

    keeper = Principal(f"{unit}-接诉即办专班", Role.HANDLER, unit)
    today = app.now().astimezone(SHANGHAI).date()
    staff = [("白班 王", "13900000011"), ("夜班 李", "13900000012")]
    for day in (today - timedelta(days=1), today, today + timedelta(days=1)):  # last night's shift may be on
        for (name, phone), (start, hours) in zip(staff, ((time(9), 9), (time(18), 15)), strict=True):
            begins = datetime.combine(day, start, SHANGHAI)
            duty_roster.add(app, keeper, unit, begins, begins + timedelta(hours=hours), name, phone)
    now = app.now()
    return next((s.name for s in duty_roster.listed(app, keeper) if s.covers(now)), "—")


def lines_alerted(app: App) -> list[tuple[str, int]]:
    """How many of the year's cases the agents put through to each emergency line while dispatching them
    (通报紧急热线), as (line label, cases)."""
    from jiesu.domain.enums import EmergencyLine
    from jiesu.domain.workflow import Action

    e = t.events
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(
            select(e.c.changes, e.c.request_id).where(e.c.action == Action.ALERT_LINE.value)).all()
    cases: dict[str, set[int]] = {}
    for changes, request_id in rows:
        cases.setdefault(changes["line"][1], set()).add(request_id)
    return [(EmergencyLine.label_of(line), len(ids)) for line, ids in sorted(cases.items())]


def busiest_subdistrict(app: App) -> str:
    """The 街道/乡镇 with the most cases with it now (dispatched or in progress): the demo's 承办人 works there."""
    from jiesu.domain.workflow import Status

    r = t.requests
    with app.uow(read_only=True) as uow:
        return uow.connection.execute(
            select(r.c.lead_unit).join(t.units, t.units.c.code == r.c.lead_unit)
            .where(t.units.c.kind == "subdistrict", r.c.status.in_([Status.DISPATCHED.value, Status.IN_PROGRESS.value]))
            .group_by(r.c.lead_unit).order_by(func.count().desc(), r.c.lead_unit).limit(1)).scalar() or "YH01"


@dataclass(frozen=True)
class AreaWork:
    """What `seed_area_work` did: the tickets the district supervised and the 街道 handed down, and the one of those
    its 社区 has reported back on."""

    supervised: str | None
    handed: list[str]
    reported: str | None


def community_owing(app: App, street: str) -> str | None:
    """The 社区 under `street` that has a case handed down to it and not reported back on yet (the demo's
    社区承办人 works there); else its first 社区; None for a 街道 with none."""
    a = t.assignments
    below = sorted(app.current_config().directory.below(street))
    with app.uow(read_only=True) as uow:
        owing = uow.connection.execute(
            select(a.c.unit).where(a.c.unit.in_(below), a.c.kind == "delegate", a.c.ended_at.is_(None),
                                   a.c.reported_at.is_(None)).order_by(a.c.dispatched_at.desc()).limit(1)).scalar()
    return owing or (below[0] if below else None)


def seed_area_work(app: App, street: str) -> AreaWork:
    """What a district office, its 街道 and their 社区 do with the 街道's cases while the demo starts: the district
    supervises the one nearest its deadline (区级督办), the 街道 hands two down to the 社区 where they are, as the duty
    lists allow (下派), and the 社区 of the first reports back (协办反馈)."""
    from jiesu.domain.enums import Role
    from jiesu.domain.request import Actor
    from jiesu.domain.workflow import Action, Status
    from jiesu.services import cases
    from jiesu.services.cases import ActionInput

    directory = app.current_config().directory
    district = directory.units[street].parent or street
    office = Actor("区接诉即办办公室", Role.HANDLER, district, directory.below(district))
    handler = Actor(f"{street}-承办1", Role.HANDLER, street, directory.below(street))
    r = t.requests
    with app.uow(read_only=True) as uow:
        ids = uow.connection.execute(select(r.c.id).where(r.c.lead_unit == street,
                                                          r.c.status == Status.IN_PROGRESS.value)
                                     .order_by(r.c.resolve_due, r.c.id)).scalars().all()
        router = app.router(uow)
        loaded = [uow.requests.get(case_id) for case_id in ids]
    supervised = None
    if loaded:
        supervised = cases.perform(app, office, loaded[0].stored_id, Action.SUPERVISE, ActionInput(
            reason="区接诉即办办公室：本件临近办结时限，请今日内反馈办理进展"))[0].ticket
    handed: list[tuple[CitizenRequest, str]] = []
    for case in loaded[1:]:
        where = cases.delegable(router, case, handler.area)
        if where:
            handed.append((cases.perform(app, handler, case.stored_id, Action.DELEGATE, ActionInput(
                unit=where[0].code, reason="请社区网格员上门核实情况并协助处理"))[0], where[0].code))
        if len(handed) == 2:
            break
    reported = None
    if handed:
        case, community = handed[0]
        reported = cases.perform(app, Actor(f"{community}-网格员", Role.HANDLER, community), case.stored_id,
                                 Action.REPORT_BACK, ActionInput(
                                     note="网格员已上门核实，情况属实，已协调物业和相关单位现场处理，请街道答复诉求人"))[0].ticket
    return AreaWork(supervised, [str(c.ticket) for c, _ in handed], reported)


TOPIC = ("优化公交线路和站点", "市交通委就公交线网优化征集建议：哪些小区、学校、医院附近缺少公交线路或站点，哪些线路绕行"
         "过多、班次过少，早晚高峰如何接驳。欢迎提出您的意见和建议。", "JTW", "C0201")  # asked by, about (公交服务)


def seed_topic(app: App) -> tuple[int, CitizenRequest]:
    """A 人民建议征集 topic the demo city opens (until the end of next month), and a first suggestion sent to it from
    the app. Returns the topic's id and the suggestion."""
    from jiesu.domain.calendar import add_months
    from jiesu.services import intake, topics
    from jiesu.services.cases import Intake

    title, description, unit, category = TOPIC
    closes_on = add_months(app.today().replace(day=1), 2) - timedelta(days=1)  # the last day of next month
    topic_id = topics.add(app, "demo", title, description, closes_on, unit, category)
    sent = Intake(content="建议在长乐路中段增设一个公交站，附近小区的老人去医院要走一公里多才能坐上车；早高峰班次也太少，"
                          "希望加密到十分钟一班。", channel="app", requester_phone="13900000105", topic_id=topic_id)
    return topic_id, intake.submit(app, intake.CITIZEN, sent)[0]


def build_demo(app: App, count: int = 20_000, days: int = 365, seed: int = 2026,
               config_dir: Path | None = None,
               progress: Callable[[str, int, int], None] | None = None) -> DemoSummary:
    """progress(stage, advance, total)."""
    upgrade(app.engine)
    end = app.now()
    start = end - timedelta(days=days)
    with tempfile.TemporaryDirectory() as scratch:
        directory = write_config(config_dir or Path(scratch) / "config")
        load_config(app, directory, loaded_by="demo")
        load_knowledge(app, "demo", [(0, article) for article in ARTICLES])
    with app.uow(read_only=True) as uow:
        directory_ = uow.config.directory()
        router = uow.config.router(directory_)
        sla = uow.config.sla_book()
        calendar = app.calendar(uow)
        first_id = next_request_id(uow.connection)
    simulator = HistorySimulator(router, sla, calendar, seed=seed)
    simulator.next_id = first_id
    with ProcessPoolExecutor(2) as pool:  # the keywords are taken in two other processes
        warming = [pool.submit(warm_up) for _ in range(2)]  # jieba loads its dictionary while the simulation runs
        history = simulator.run(count, start, end,
                                progress=(lambda n: progress("simulate", n, count)) if progress else None)
        for future in warming:
            future.result()
        texts = [f"{r.title}\n{r.content}" for r in history.requests]
        for request, words in zip(history.requests, pool.map(masked_keywords, texts, chunksize=500), strict=True):
            request.keywords = words
    for request, text in zip(history.requests, texts, strict=True):  # 敏感诉求, as intake reads it
        request.sensitive = sensitivity(text).reason
    with app.uow() as uow:
        bulk_insert(uow.connection, app.cipher, history.requests,
                    progress=(lambda n: progress("store", n, len(history.requests))) if progress else None)
        demo_calls.store(uow.connection, app.cipher,
                         demo_calls.simulate(history.requests, random.Random(seed), end, HOURS), end)
        uow.commit()
    seed_petitions(app, random.Random(seed))
    seed_claims(app, random.Random(seed))
    seed_proposals(app)
    with app.uow(read_only=True) as uow:
        c = uow.connection
        by_status: dict[str, int] = dict(c.execute(select(t.requests.c.status, func.count()).group_by(t.requests.c.status)).all())
        events = c.execute(select(func.count()).select_from(t.events)).scalar() or 0
    return DemoSummary(requests=len(history.requests), events=events, units=len(directory_.units),
                       categories=len(directory_.categories), start=start, end=end, by_status=by_status,
                       warnings=sorted(history.warnings), config_dir=config_dir)
