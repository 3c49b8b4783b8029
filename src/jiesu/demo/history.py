"""Simulated history for the demo city: requests that go through the real domain workflow, with a
simulated clock, then are written to the database in bulk.

What makes it realistic: daily and hourly rhythm, seasonal matters (heating from November, flooding in
summer), hot spots around a few compounds, repeat callers, units that differ in quality (so the 三率
ranking is not flat), returns, extensions, reviews sent back, unsatisfied callbacks and reopens,
supervision of overdue cases, merges of repeats, withdrawals and unreasonable requests.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import partial

from jiesu.demo import replies
from jiesu.demo.answers import ARTICLES
from jiesu.demo.city import LANDMARKS, ROADS, Place, places
from jiesu.demo.matters import MATTERS, Matter, Wording
from jiesu.domain.calendar import SHANGHAI, Duration, WorkCalendar
from jiesu.domain.enums import Adoption, Channel, RequestKind, Role, Satisfaction, UnitKind, Urgency
from jiesu.domain.errors import DomainError
from jiesu.domain.request import Actor, CitizenRequest, Location, Requester, SlaClock
from jiesu.domain.routing import Router
from jiesu.domain.sla import SlaBook
from jiesu.nlp.urgency import urgency as read_urgency

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
         "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "淑珍", "志强", "海燕", "红梅")
CHANNELS = ((Channel.PHONE, 0.62), (Channel.APP, 0.16), (Channel.WEB, 0.1), (Channel.GRID, 0.05),
            (Channel.WALK_IN, 0.02), (Channel.SUGGESTION, 0.02), (Channel.EMAIL, 0.01), (Channel.OPEN311, 0.02))
HOURS = [0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 3, 6, 8, 8, 7, 5, 6, 7, 7, 6, 5, 4, 4, 3, 2, 1, 0.5]
OPENERS = ("", "您好，", "你好，", "我想反映个问题，", "我是附近的居民，", "")
CLOSERS = ("", "希望尽快处理。", "请相关部门重视。", "已经反映过多次了，一直没解决。", "谢谢！", "")
WHEN = ("昨天晚上", "今天早上", "前天夜里", "这几天", "最近一周", "今天凌晨", "上周末")

# A local arrangement the duty lists do not know: in 清泉区 the market supervisor handles every elevator breakdown,
# so the 街道 return them and the centre re-dispatches each one (the 改派经验 the router learns, /lessons).
LOCAL_PRACTICE = {("A0102", "QQ"): ("SJJ", "电梯属特种设备，本区由市场监管局统一处置，不属街道职责")}

# the 知识库 answer an agent gives for a matter (the first of its articles)
STANDARD_ANSWERS = {a.category: a.answer for a in reversed(ARTICLES) if a.category}


def text_slots(rng: random.Random, place: Place, compound: str | None = None) -> dict[str, object]:
    """What a caller names: the compound (小区) they live in, a road and a landmark nearby, a number, a time."""
    return {"xq": compound or rng.choice(place.compounds), "road": rng.choice(ROADS), "place": rng.choice(LANDMARKS),
            "n": rng.randint(2, 9), "when": rng.choice(WHEN)}


def word(rng: random.Random, wording: Wording, slots: dict[str, object]) -> tuple[str, str]:
    """A title an agent gives the wording, and the body as this caller says it."""
    title = rng.choice(wording.titles).format(**slots)
    body = rng.choice(OPENERS) + wording.body.format(**slots) + rng.choice(CLOSERS)
    return title, body


def compose_text(rng: random.Random, matter: Matter, place: Place, emergency: bool | None = None) -> tuple[str, str]:
    """A title and a body in one of the matter's wordings, with the place's compounds, roads and landmarks: an
    emergency's wording when `emergency` (by default, as often as the matter is an emergency)."""
    if emergency is None:
        emergency = rng.random() < matter.emergency
    return word(rng, rng.choice(matter.said(emergency)), text_slots(rng, place))


SUGGESTING = "建议有关部门加强管理，从根本上解决。"
CO_REPORTS = ("已到现场核实，情况属实，已配合主办单位处理。", "已协调相关方面，问题已按职责处置完毕。",
              "经核查，本单位职责范围内的部分已落实，其余请主办单位统筹。", "已安排人员跟进，处理情况已告知主办单位。")  # what a caller adds when the agent takes the case as a 建议


@dataclass
class History:
    requests: list[CitizenRequest] = field(default_factory=list)
    warnings: set[str] = field(default_factory=set)


class HistorySimulator:
    def __init__(self, router: Router, sla: SlaBook, calendar: WorkCalendar, seed: int = 12345) -> None:
        self.router = router
        self.sla = sla
        self.calendar = calendar
        self.rng = random.Random(seed)
        self.places = places()
        self.hot = [self.rng.choice(self.places) for _ in range(4)]
        self.quality: dict[str, float] = {}
        self.callers = [self._person() for _ in range(600)]
        self.next_id = 1

    # --- people and places -----------------------------------------------------------------------
    def _person(self) -> Requester:
        rng = self.rng
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        phone = rng.choice(("13", "15", "18", "17")) + "".join(str(rng.randint(0, 9)) for _ in range(9))
        return Requester(name, phone)

    def allowed(self, category: str, unit: str, role: str = "lead") -> bool:
        try:
            self.router.check_dispatch(category, unit, role=role)
        except DomainError:
            return False
        return True

    def unit_quality(self, unit: str) -> float:
        if unit not in self.quality:
            self.quality[unit] = min(0.98, max(0.25, self.rng.gauss(0.72, 0.14)))
        return self.quality[unit]

    # --- the simulation -------------------------------------------------------------------------
    def run(self, count: int, start: datetime, end: datetime,
            progress: Callable[[int], None] | None = None) -> History:
        history = History()
        span = (end - start).total_seconds()
        days = max(1, int(span // 86400))
        weights_by_month = {m: [x.weight * x.season.get(m, 1.0) for x in MATTERS] for m in range(1, 13)}
        day_weights = []
        for d in range(days):
            local = (start + timedelta(days=d)).astimezone(SHANGHAI)
            day_weights.append((0.75 if local.weekday() >= 5 else 1.0)
                               * sum(weights_by_month[local.month]) / sum(weights_by_month[1]))
        picked_days = sorted(self.rng.choices(range(days), weights=day_weights, k=count))
        for index, day in enumerate(picked_days):
            received = start + timedelta(days=day, hours=self.rng.choices(range(24), weights=HOURS)[0] - 8,
                                         minutes=self.rng.random() * 60)
            received = min(max(received, start), end - timedelta(minutes=5))
            month = received.astimezone(SHANGHAI).month
            matter = self.rng.choices(MATTERS, weights=weights_by_month[month])[0]
            try:
                self._one(matter, received, end, history)
            except DomainError as error:  # a bug in the simulation, not in the data: show it
                raise RuntimeError(f"demo simulation failed on {matter.code}: {error}") from error
            if progress and index % 500 == 0:
                progress(500 if index else 0)
        if progress:
            progress(count - (count - 1) // 500 * 500 if count else 0)
        history.warnings.update(self.calendar.warnings())
        return history

    def _one(self, matter: Matter, received: datetime, now: datetime, history: History) -> CitizenRequest:
        rng = self.rng
        place = rng.choice(self.hot) if rng.random() < 0.12 else rng.choice(self.places)
        repeat = rng.random() < 0.18
        requester = rng.choice(self.callers) if repeat else self._person()
        kind = RequestKind(matter.kind) if rng.random() < 0.85 else rng.choice(
            (RequestKind.COMPLAINT, RequestKind.HELP, RequestKind.SUGGESTION, RequestKind.INQUIRY))
        urgency = Urgency.EMERGENCY if rng.random() < matter.emergency else (
            Urgency.COMPLEX if matter.difficulty > 0.2 and rng.random() < 0.3 else Urgency.NORMAL)
        # the caller's words fit the urgency, and the compound they name is the address recorded
        wording = rng.choice(matter.said(urgency is Urgency.EMERGENCY))
        slots = text_slots(rng, place)
        title, content = word(rng, wording, slots)
        if kind == RequestKind.SUGGESTION:  # taken as a 建议 only where the caller says what should be done
            if matter.kind in ("complaint", "report"):
                content += SUGGESTING
            else:  # a question or a plea for help is not a suggestion, however the dice fell
                kind = RequestKind(matter.kind)
        channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
        agent = Actor(f"坐席{rng.randint(1, 40):02d}", Role.AGENT)
        at = received + timedelta(minutes=rng.uniform(2, 9))
        request = CitizenRequest.register(
            actor=agent, at=at, kind=kind, channel=channel, title=title, content=content, requester=requester,
            location=Location(f"{place.community_name}{slots['xq']}", place.community),
            category=matter.code, urgency=urgency, received_at=received)
        request.id = self.next_id
        self.next_id += 1
        history.requests.append(request)
        if rng.random() < 0.03:  # the same matter reported again within hours: merged into this one (并单)
            for _ in range(rng.randint(1, 2)):
                self._duplicate(request, matter, place, now, history, wording, slots)
        life = _Life(self, request, matter, now)
        life.run()
        return request


    def _duplicate(self, master: CitizenRequest, matter: Matter, place: Place, now: datetime,
                   history: History, wording: Wording, slots: dict[str, object]) -> None:
        """Another caller tells of the same thing at the same spot, in their own opening and closing words."""
        rng = self.rng
        received = master.last_event_at + timedelta(minutes=rng.uniform(5, 90))
        merged_at = received + timedelta(minutes=rng.uniform(3, 10))
        if merged_at > now:
            return
        title, content = word(rng, wording, slots)
        if master.kind == RequestKind.SUGGESTION:
            content += SUGGESTING
        requester = master.requester if rng.random() < 0.3 else self._person()
        duplicate = CitizenRequest.register(
            actor=Actor(f"坐席{rng.randint(1, 40):02d}", Role.AGENT), at=received + timedelta(minutes=2),
            kind=master.kind, channel=Channel.PHONE, title=title, content=content, requester=requester,
            location=Location(master.location.address, place.community), category=matter.code,
            urgency=master.urgency, received_at=received)
        duplicate.id = self.next_id
        self.next_id += 1
        duplicate.merge_into(Actor(f"派单员{rng.randint(1, 8):02d}", Role.DISPATCHER), merged_at, master,
                             "同一事项重复反映，并入主件")
        history.requests.append(duplicate)


class _Life:
    """Drives one request through its workflow until the simulated `now`."""

    def __init__(self, sim: HistorySimulator, request: CitizenRequest, matter: Matter, now: datetime) -> None:
        self.sim, self.request, self.matter, self.now = sim, request, matter, now
        self.rng = sim.rng
        self.t = request.last_event_at
        ancestry = sim.router.directory.category_ancestry(matter.code)
        self.clock = SlaClock(sim.sla.select(request.kind, request.urgency, ancestry), sim.calendar)
        self.dispatcher = Actor(f"派单员{self.rng.randint(1, 8):02d}", Role.DISPATCHER)
        self.supervisor = Actor(f"督办{self.rng.randint(1, 4):02d}", Role.SUPERVISOR)

    def step(self, action: Callable[[datetime], object], after: timedelta = timedelta(0), office: bool = False) -> bool:
        """Take `action` `after` the last step, if that is not in the future. `office`: staff who keep office hours
        acting (a unit's; the centre and the utility companies are on duty day and night), so unless the case is an
        emergency the moment moves into the next working morning."""
        moment = self.t + after
        if office and self.request.urgency != Urgency.EMERGENCY:
            moment = self.office_hours(moment)
        if moment > self.now:
            return False
        action(moment)
        self.t = moment
        return True

    def office(self, unit: str) -> bool:
        """Whether the unit's staff keep office hours: all but the utility companies, on duty day and night."""
        found = self.sim.router.directory.units.get(unit)
        return found is None or found.kind != UnitKind.COMPANY

    def office_hours(self, moment: datetime) -> datetime:
        """`moment` if it falls in a working day's 08:30–18:00 (Beijing), else the first hour of the working morning
        after it (08:30–09:29, the minutes taken from the moment itself, so that the simulation's random draws stay
        the same)."""
        local = moment.astimezone(SHANGHAI)
        calendar = self.sim.calendar
        if calendar.is_workday(local.date()) and time(8, 30) <= local.time() <= time(18, 0):
            return moment
        day = local.date() if local.time() < time(8, 30) and calendar.is_workday(local.date()) else \
            calendar.next_workday(local.date())
        start = datetime.combine(day, time(8, 30), tzinfo=SHANGHAI) + timedelta(minutes=local.minute)
        return start.astimezone(moment.tzinfo)

    def hours(self, mean: float) -> timedelta:
        return timedelta(hours=self.rng.expovariate(1 / mean))

    def co_reports(self) -> bool:
        """Each unit co-handling the case reports back to the lead (协办反馈) once the lead has signed for it: most
        within their 协办反馈时限, a weaker unit later; the lead answers once the reports are in. False while one is
        still owed at the simulated `now`. Drawn from a generator of the case's own, so that the simulation's
        other draws stay the same."""
        r = self.request
        draw = random.Random(r.id)
        for owed in r.co_handling():
            left = (owed.report_due - self.t).total_seconds() / 3600 if owed.report_due else 24.0
            late = draw.random() > self.sim.unit_quality(owed.unit)
            after = timedelta(hours=draw.expovariate(1 / max(0.2, left * (1.5 if late else 0.25))))
            co = Actor(f"{owed.unit}-承办{draw.randint(1, 3)}", Role.HANDLER, owed.unit)
            note = draw.choice(CO_REPORTS)
            if not self.step(partial(r.report_back, co, note=note), after, office=self.office(owed.unit)):
                return False
        return True

    def run(self) -> None:
        r, rng = self.request, self.rng
        if r.kind == RequestKind.INQUIRY and rng.random() < 0.55:
            answer = STANDARD_ANSWERS.get(self.matter.code,  # a matter the 知识库 has no article for
                                          f"已向诉求人解答{self.matter.path[2]}的相关政策和办理渠道。")
            self.step(lambda t: r.answer_directly(Actor(r.events[0].actor, Role.AGENT), t, answer),  # who took the call
                      timedelta(minutes=rng.uniform(1, 6)))
            self.step(lambda t: r.archive(Actor("system", Role.SYSTEM), t), timedelta(days=3))
            return
        routing = self.sim.router.route(self.matter.code, r.location.division)
        if not routing.leads:
            return
        lead = routing.leads[0]
        co = [c.unit.code for c in routing.co_handlers[:1] if self.sim.allowed(self.matter.code, c.unit.code, "co")
              and rng.random() < 0.3]
        # the agent dispatches on the phone (受理并派单) an emergency and, by the case's number, one case in three;
        # the dispatchers the rest (no draw of its own: the simulation's random draws stay the same)
        on_the_phone = r.urgency == Urgency.EMERGENCY or (r.id or 0) % 3 == 0
        dispatcher = Actor(r.events[0].actor, Role.AGENT) if on_the_phone else self.dispatcher
        line = read_urgency(r.content).line if on_the_phone and r.urgency == Urgency.EMERGENCY else ""
        if line:  # put through to the line its words call for (三方转接), then dispatched: 通报紧急热线, same minute
            self.step(lambda t: r.alert_line(dispatcher, t, line, f"{line}-{(r.id or 0) % 9000 + 1000}"))
        if not self.step(lambda t: r.dispatch(dispatcher, t, self.clock, lead.unit.code, co, lead.reason),
                         timedelta(minutes=rng.uniform(3, 40))):
            return
        if rng.random() < 0.01:
            self.step(lambda t: r.withdraw(Actor(f"坐席{rng.randint(1, 40):02d}", Role.AGENT), t, "诉求人来电撤回：问题已自行解决"),
                      self.hours(5))
            return
        self.handle(lead.unit.code, routing)

    def handle(self, unit: str, routing) -> None:
        r, rng = self.request, self.rng
        quality, office = self.sim.unit_quality(unit), self.office(unit)
        handler = Actor(f"{unit}-承办{rng.randint(1, 3)}", Role.HANDLER, unit)
        district = self.sim.router.directory.territorial_at(r.location.division, UnitKind.DISTRICT)
        practice = LOCAL_PRACTICE.get((self.matter.code, district.code if district else ""))
        if practice and practice[0] != unit and rng.random() < 0.85:
            other, why = practice
            if not self.step(lambda t: r.return_(handler, t, why), self.hours(1.5), office=office) or not self.step(
                    lambda t: r.redispatch(self.dispatcher, t, self.clock, other, [], "退单审核通过，改派至实际处置单位"),
                    self.hours(2)):
                return
            unit, quality, office = other, self.sim.unit_quality(other), self.office(other)
            handler = Actor(f"{unit}-承办{rng.randint(1, 3)}", Role.HANDLER, unit)
        elif rng.random() < 0.035 and routing.co_handlers:
            if not self.step(lambda t: r.return_(handler, t, "经核实不属于本单位职责范围"), self.hours(1.5), office=office):
                return
            fallback = next((c.unit.code for c in routing.leads[1:] + routing.co_handlers
                             if c.unit.code != unit and self.sim.allowed(self.matter.code, c.unit.code)), None)
            if fallback is not None and rng.random() < 0.7:
                target = fallback
                if not self.step(lambda t: r.redispatch(self.dispatcher, t, self.clock, target, [],
                                                        "退单审核通过，改派至职责单位"), self.hours(2)):
                    return
                unit = fallback
                quality, office = self.sim.unit_quality(unit), self.office(unit)
                handler = Actor(f"{unit}-承办{rng.randint(1, 3)}", Role.HANDLER, unit)
            elif not self.step(lambda t: r.reject_return(self.dispatcher, t, "属于派单目录所列基本履职事项，驳回退单"),
                               self.hours(2)):
                return
        late = rng.random() > quality
        ack_mean = (r.lead.acknowledge_due - self.t).total_seconds() / 3600 if r.lead else 1
        ack_after = self.hours(max(0.1, ack_mean * (1.6 if late else 0.35)))
        if not self.step(lambda t: r.acknowledge(handler, t), ack_after, office=office):
            if self.t + ack_after > self.now and r.lead and r.lead.acknowledge_due < self.now and rng.random() < 0.4:
                self.step(lambda t: r.supervise(self.supervisor, t, self.clock, "超时未签收，督促签收"),
                          max(timedelta(0), r.lead.acknowledge_due - self.t) + timedelta(hours=1))
            return
        if not self.step(lambda t: r.record_contact(handler, t, "已电话联系诉求人，了解具体情况"),
                         self.hours(3 if not late else 20), office=office):
            return
        if not self.co_reports():
            return
        if r.urgency == Urgency.EMERGENCY:
            work = self.hours(1.2 if not late else 4)
        else:
            work = timedelta(days=self.matter.days * rng.lognormvariate(0, 0.5) * (1.4 - quality))
        if work > timedelta(days=6) and rng.random() < 0.25:
            if not self.step(lambda t: r.request_extension(handler, t, Duration(5, "wd"), "需协调多个部门，申请延期"),
                             work / 2, office=office):
                return
            approve = rng.random() < 0.8
            if not self.step(lambda t: (r.approve_extension(self.supervisor, t, self.clock) if approve else
                                        r.refuse_extension(self.supervisor, t, "理由不充分，请按期办结")),
                             self.hours(6)):
                return
        else:
            self.step(lambda t: r.note_progress(handler, t, "已到现场查看，正在协调处理"), work / 2, office=office)
        if r.resolve_due and self.t + work / 2 > r.resolve_due and rng.random() < 0.3:
            self.step(lambda t: r.supervise(self.supervisor, t, self.clock, "办理超期，督办"),
                      max(timedelta(0), r.resolve_due - self.t) + timedelta(hours=2))
        solved = rng.random() < min(0.97, 0.45 + 0.5 * quality - self.matter.difficulty * 0.5)
        reply = replies.reply(rng, self.matter.code, solved, f"{r.title}\n{r.content}")
        adoption = (Adoption.ADOPTED if solved else Adoption.REFERENCE).value \
            if r.kind == RequestKind.SUGGESTION else None  # 采纳情况, told with a suggestion's reply
        if not self.step(lambda t: r.resolve(handler, t, reply, adoption), work / 2, office=office):
            return
        if rng.random() < 0.05:
            if not self.step(lambda t: r.send_back(self.dispatcher, t, "答复内容不完整，退回重办"), self.hours(5)):
                return
            if not self.step(lambda t: r.resolve(handler, t, reply + "已补充办理情况。", adoption), timedelta(days=1),
                             office=office):
                return
        if not self.step(lambda t: r.accept_reply(self.dispatcher, t, self.clock), self.hours(8)):
            return
        if rng.random() < 0.01 and r.unreasonable == "none":  # a reopened case may have been flagged already
            if self.step(lambda t: r.flag_unreasonable(self.dispatcher, t, "诉求人要求超出政策范围"), self.hours(2)):
                if rng.random() < 0.3:  # the supervisor, a day or so later, does not agree (the last days' wait)
                    self.step(lambda t: r.refuse_unreasonable(self.supervisor, t, "经核实属于职责范围，不予认定，请继续做好解释"),
                              self.hours(24))
                else:
                    self.step(lambda t: r.approve_unreasonable(self.supervisor, t, "认定为不合理诉求"), self.hours(24))
        satisfied_p = min(0.95, 0.3 + 0.65 * quality - self.matter.difficulty * 0.4) if solved else 0.1
        draw = rng.random()
        satisfaction = (Satisfaction.SATISFIED if draw < satisfied_p else Satisfaction.BASIC
                        if draw < satisfied_p + 0.5 * (1 - satisfied_p) else Satisfaction.UNSATISFIED)
        caller = Actor(f"回访员{rng.randint(1, 10):02d}", Role.AGENT)
        draw = rng.random()  # some requesters do not answer the first calls; a few never do
        for _ in range(0 if draw >= 0.15 else 3 if draw < 0.02 else 1 if draw < 0.11 else 2):
            if not self.step(lambda t: r.callback_unanswered(caller, t, rng.choice(("无人接听", "关机", "占线"))),
                             timedelta(hours=2) + self.hours(2)):  # another time of day
                return
        if draw < 0.02:
            self.step(lambda t: r.callback_unreachable(caller, t, "多个时段拨打均未接通"), self.hours(1))
            return
        if not self.step(lambda t: r.follow_up(caller, t, solved, satisfaction), self.hours(20)):
            return
        for ref in r.merged_ids:
            def merged(t: datetime, ref: int = ref) -> None:  # each merged requester is called too
                r.follow_up(caller, t, solved, satisfaction, requester_ref=ref)

            self.step(merged, timedelta(minutes=10))
        if (satisfaction == Satisfaction.UNSATISFIED or not solved) and rng.random() < 0.3 and r.round < 2:
            if self.step(lambda t: r.reopen(self.dispatcher, t, self.clock, "回访不满意，重办"), self.hours(4)):
                self.handle(r.lead_unit or unit, routing)
            return
        self.step(lambda t: r.archive(Actor("system", Role.SYSTEM), t), timedelta(days=rng.uniform(2, 10)))
