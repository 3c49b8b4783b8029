"""The citizen request (诉求/工单) aggregate.

Each public method is one action of the workflow. It checks the actor's role and unit, asks the
transition table for the next status, changes the fields, and appends one Event with the before and
after of every field it changed. Time is passed in as `at`; deadlines come from an `SlaClock`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, NamedTuple

from jiesu.domain import validation
from jiesu.domain.assessment import AssessmentRules
from jiesu.domain.calendar import Duration, WorkCalendar, beijing_minute
from jiesu.domain.enums import Adoption, Channel, EmergencyLine, RequestKind, Role, Satisfaction, Urgency
from jiesu.domain.errors import ConflictError, Forbidden, IllegalTransition, InvalidInput
from jiesu.domain.sla import SlaPolicy
from jiesu.domain.workflow import NOT_SHOWN_TO_REQUESTER, Action, Status, check_role, next_status


def unanswered_call(changes: dict) -> dict:
    """What a 回访未接通 event recorded: the requester called (`requester_ref`), the `round`, which `attempt`."""
    return (changes.get("callback_attempt") or [None, {}])[1] or {}


@dataclass(frozen=True)
class Actor:
    name: str
    role: Role
    unit: str | None = None
    area: frozenset[str] = frozenset()  # a handler's 辖区: the units under its unit, whose cases it may 督办


SYSTEM = Actor("system", Role.SYSTEM)
URGE_EVERY = timedelta(hours=24)  # a requester may urge (催办) once in this long
SUPPLEMENTS = 5  # a requester may add to their case (补充诉求) this many times on the portal
NO_MASTER = frozenset({Status.MERGED, Status.WITHDRAWN, Status.ARCHIVED, Status.ANSWERED,  # nothing merges into
                       Status.HANDED_OVER})
DEFAULT_RULES = AssessmentRules()  # where the caller gives none (the configured ones come from sla.yaml)


class LineTold(NamedTuple):
    """An emergency line the case was passed to (转紧急热线: `handed_over`) or told of (通报紧急热线)."""
    line: EmergencyLine
    reference: str  # who took it there: the call-taker's number or the line's incident number ("" not asked)
    at: datetime
    handed_over: bool


@dataclass(frozen=True)
class SlaClock:
    """The policy that applies to a case and the calendar to count it on."""

    policy: SlaPolicy
    calendar: WorkCalendar

    def after(self, start: datetime, limit: str) -> datetime:
        return self.calendar.add(start, getattr(self.policy, limit))

    def extend(self, due: datetime, duration: Duration) -> datetime:
        return self.calendar.add(due, duration)

    def report_due(self, start: datetime, resolve_due: datetime) -> datetime:
        """When a co-handler given the case at `start` owes the lead unit its 协办反馈: the policy's `report` limit
        from then, never later than the lead's 办结时限 (`resolve_due`), by which the lead must have its part; without
        a `report` limit, that 办结时限. A case handed down already past it: the `report` limit, else the 联系 one."""
        own = self.calendar.add(start, self.policy.report) if self.policy.report is not None else None
        if resolve_due <= start:
            return own or self.after(start, "contact")
        return min(own, resolve_due) if own else resolve_due


@dataclass
class Requester:
    name: str = ""
    phone: str | None = None


@dataclass
class Location:
    address: str = ""
    division: str | None = None  # the deepest known unit of the jurisdiction tree (社区/村, 街道 or 区)
    lat: float | None = None
    lon: float | None = None


@dataclass
class Assignment:
    """One dispatch of the case to a unit, lead (主办) or co-handler (协办)."""

    seq: int
    unit: str
    role: str
    kind: str  # dispatch | redispatch | reopen | delegate (下派: a co-handler the lead unit added under it)
    dispatched_at: datetime
    dispatched_by: str
    reason: str
    acknowledge_due: datetime
    contact_due: datetime
    acknowledged_at: datetime | None = None
    contacted_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None  # returned | redispatched | reassigned | withdrawn | merged | recalled (收回下派)
    reported_at: datetime | None = None  # a co-handler's last 协办反馈: its part done, told to the lead unit
    report_due: datetime | None = None  # a co-handler's: by when it owes the lead unit its first 协办反馈
    owner: str | None = None  # 承办人员: who in the unit the case was given to (分办); None: the unit as a whole

    @property
    def active(self) -> bool:
        return self.ended_at is None


@dataclass
class FollowUp:
    """A callback's outcome. Not reached (回访无法联系): solved and satisfaction are None, and it is no rating: the
    三率 and the satisfaction figures leave it out."""

    at: datetime
    actor: str
    solved: bool | None
    satisfaction: Satisfaction | None
    unit: str | None
    requester_ref: int | None  # None: the case's own requester; else the id of a merged request
    round: int
    note: str = ""
    co_units: tuple[str, ...] = ()


@dataclass
class Event:
    seq: int
    at: datetime
    actor: str
    role: Role
    action: Action
    from_status: Status | None
    to_status: Status
    changes: dict[str, list[Any]]
    note: str = ""

    @property
    def line(self) -> EmergencyLine | None:
        """The emergency line this step handed the case over or told of (转紧急热线, 通报紧急热线), else None."""
        told = self.changes.get("line") if self.action in (Action.HAND_OVER, Action.ALERT_LINE) else None
        return EmergencyLine(told[1]) if told else None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@dataclass
class CitizenRequest:
    kind: RequestKind
    channel: Channel
    title: str
    content: str
    requester: Requester
    location: Location
    category: str | None
    urgency: Urgency
    received_at: datetime
    status: Status = Status.REGISTERED
    id: int | None = None
    ticket: str | None = None
    sla_policy: str | None = None
    resolve_due: datetime | None = None
    follow_up_due: datetime | None = None
    supervise_due: datetime | None = None
    supervision_count: int = 0
    pending_return: str | None = None
    pending_extension: str | None = None  # the requested Duration, as text
    extended_by: list[str] = field(default_factory=list)
    reply: str | None = None
    adoption: str | None = None  # 建议: what the unit made of it (Adoption's value), told with its reply
    resolved_at: datetime | None = None
    round: int = 1  # 1 + number of reopens
    unreasonable: str = "none"  # none | pending | approved
    master_id: int | None = None
    merged_ids: list[int] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)  # derived from the text at intake, for display and search
    sensitive: str = ""  # 敏感诉求: why (群体性（集体上访）, or a person's reason); "" when it is not one
    source_ref: str = ""  # 来源单号: the number another system gave it (110's 警情编号, an imported system's id)
    anonymised_at: datetime | None = None  # when its personal data was removed (services/retention.py)
    version: int = 0
    assignments: list[Assignment] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    new_events_from: int = 0  # events[new_events_from:] are not stored yet

    # --- creation ---------------------------------------------------------------------------
    @classmethod
    def register(cls, *, actor: Actor, at: datetime, kind: RequestKind, channel: Channel, title: str | None,
                 content: str, requester: Requester, location: Location, category: str | None,
                 urgency: Urgency = Urgency.NORMAL, received_at: datetime | None = None,
                 sensitive: str = "", source_ref: str = "") -> CitizenRequest:
        check_role(Action.REGISTER, actor.role)
        content = validation.required_text(content, "content", validation.MAX_CONTENT)
        title = validation.optional_text(title, "title", validation.MAX_TITLE) or content[:30]
        received = received_at or at
        if received.tzinfo is None:
            raise InvalidInput("受理时间必须带时区", field="received_at")
        if received > at:
            raise InvalidInput(f"受理时间 {received.isoformat()} 晚于当前时间 {at.isoformat()}", field="received_at")
        requester = Requester(validation.optional_text(requester.name, "requester.name", 100),
                              validation.phone(requester.phone))
        lat, lon = validation.coordinate(location.lat, location.lon)
        location = Location(validation.optional_text(location.address, "location.address", 500),
                            location.division or None, lat, lon)
        request = cls(kind=kind, channel=channel, title=title, content=content, requester=requester,
                      location=location, category=category, urgency=urgency, received_at=received,
                      sensitive=validation.optional_text(sensitive, "sensitive", 200),
                      source_ref=validation.reference(source_ref, "source_ref"))
        changes: dict[str, list[Any]] = {
            "kind": [None, kind.value], "channel": [None, channel.value], "category": [None, category],
            "urgency": [None, urgency.value], "division": [None, location.division]}
        if request.sensitive:
            changes["sensitive"] = [None, request.sensitive]
        if request.source_ref:
            changes["source_ref"] = [None, request.source_ref]
        request._append(actor, at, Action.REGISTER, None, changes, "")
        return request

    # --- helpers ----------------------------------------------------------------------------
    @property
    def stored_id(self) -> int:
        """The id of a case that has been stored (one being registered has none yet)."""
        if self.id is None:
            raise ValueError("诉求尚未保存，没有编号")
        return self.id

    @property
    def last_event_at(self) -> datetime:
        return self.events[-1].at if self.events else self.received_at

    @property
    def requester_steps(self) -> list[Event]:
        """The steps the requester sees on their timeline (not the centre's internal ones)."""
        return [e for e in self.events if e.action not in NOT_SHOWN_TO_REQUESTER]

    @property
    def lead(self) -> Assignment | None:
        for a in reversed(self.assignments):
            if a.active and a.role == "lead":
                return a
        return None

    @property
    def lead_unit(self) -> str | None:
        lead = self.lead
        return lead.unit if lead else None

    @property
    def owner(self) -> str | None:
        """承办人员: the lead unit's staff member who has the case now (None: nobody in particular yet)."""
        lead = self.lead
        return lead.owner if lead else None

    @property
    def co_units(self) -> list[str]:
        return [a.unit for a in self.assignments if a.active and a.role == "co"]

    @property
    def proposed_unit(self) -> str | None:
        """The unit the lead named when it returned the case (退单时建议的承办单位), while the return awaits review."""
        if self.status != Status.RETURN_PENDING:
            return None
        returned = next((e for e in reversed(self.events) if e.action == Action.RETURN), None)
        return returned.changes.get("proposed_unit", [None, None])[1] if returned else None

    def pending_callbacks(self) -> list[int | None]:
        """The requesters not yet called back in this round: None for the case's own, else merged request ids."""
        called = {f.requester_ref for f in self.follow_ups if f.round == self.round}
        return [ref for ref in [None, *self.merged_ids] if ref not in called]

    def callable_now(self) -> list[int | None]:
        """Of those, the ones a callback may be recorded for now: while the case waits for its callback, its own
        requester only; once that is done, each merged requester (`_check_callee`'s order)."""
        own_first = self.status == Status.AWAITING_FOLLOW_UP
        return [ref for ref in self.pending_callbacks() if (ref is None) == own_first]

    @property
    def new_events(self) -> list[Event]:
        return self.events[self.new_events_from:]

    def _begin(self, actor: Actor, at: datetime, action: Action) -> Status:
        check_role(action, actor.role)
        target = next_status(self.status, action)
        if at.tzinfo is None:
            raise InvalidInput("时间必须带时区", field="at")
        if at < self.last_event_at:
            raise InvalidInput(f"操作时间 {at.isoformat()} 早于上一步 {self.last_event_at.isoformat()}，时间先后不可能",
                               field="at")
        return target

    def _require_lead_unit(self, actor: Actor) -> None:
        if actor.role == Role.HANDLER and actor.unit != self.lead_unit:
            raise Forbidden("只有主办单位的承办人可以执行此操作", field="unit")

    def _require_any_unit(self, actor: Actor) -> None:
        if actor.role == Role.HANDLER and actor.unit != self.lead_unit and actor.unit not in self.co_units:
            raise Forbidden("只有主办或协办单位的承办人可以执行此操作", field="unit")

    def _append(self, actor: Actor, at: datetime, action: Action, target: Status | None,
                changes: dict[str, list[Any]], note: str) -> Event:
        before = None if action == Action.REGISTER else self.status
        after = target if target is not None else self.status
        if before is not None and before != after:
            changes = {"status": [before.value, after.value], **changes}
        event = Event(seq=len(self.events) + 1, at=at, actor=actor.name, role=actor.role, action=action,
                      from_status=before, to_status=after,
                      changes={k: [_plain(v[0]), _plain(v[1])] for k, v in changes.items()}, note=note)
        self.status = after
        self.events.append(event)
        return event

    def _set(self, changes: dict[str, list[Any]], name: str, value: Any) -> None:
        old = getattr(self, name)
        if old != value:
            changes[name] = [old, value]
            setattr(self, name, value)

    def _assign(self, clock: SlaClock, actor: Actor, at: datetime, unit: str, co_units: list[str], kind: str,
                reason: str, changes: dict[str, list[Any]]) -> None:
        if unit in co_units:
            raise InvalidInput("主办单位不能同时是协办单位", field="co_units")
        if len(set(co_units)) != len(co_units):
            raise InvalidInput("协办单位重复", field="co_units")
        for a in self.assignments:
            if a.active:
                a.ended_at, a.end_reason = at, ("returned" if self.status == Status.RETURN_PENDING else
                                                 "redispatched" if kind == "redispatch" else "reassigned")
        before_lead = changes.get("lead_unit", [self.lead_unit])[0]
        resolve_due = clock.after(at, "resolve")
        for role, code in [("lead", unit)] + [("co", c) for c in co_units]:
            self.assignments.append(Assignment(
                seq=len(self.assignments) + 1, unit=code, role=role, kind=kind, dispatched_at=at,
                dispatched_by=actor.name, reason=reason,
                acknowledge_due=clock.after(at, "acknowledge"), contact_due=clock.after(at, "contact"),
                report_due=clock.report_due(at, resolve_due) if role == "co" else None))
        changes["lead_unit"] = [before_lead, unit]
        changes["co_units"] = [[], co_units]
        self._set(changes, "sla_policy", clock.policy.name)
        self._set(changes, "resolve_due", resolve_due)

    # --- actions ----------------------------------------------------------------------------
    def answer_directly(self, actor: Actor, at: datetime, answer: str) -> None:
        target = self._begin(actor, at, Action.ANSWER_DIRECTLY)
        if self.kind != RequestKind.INQUIRY:
            raise InvalidInput(f"只有咨询类诉求可以直接办结，本件为「{self.kind.label}」", field="kind")
        changes: dict[str, list[Any]] = {}
        self._set(changes, "reply", validation.required_text(answer, "answer"))
        self._set(changes, "resolved_at", at)
        self._append(actor, at, Action.ANSWER_DIRECTLY, target, changes, "")

    def dispatch(self, actor: Actor, at: datetime, clock: SlaClock, unit: str, co_units: list[str] | None = None,
                 reason: str = "") -> None:
        target = self._begin(actor, at, Action.DISPATCH)
        if self.category is None:
            raise InvalidInput("派单前必须确定事项分类", field="category")
        changes: dict[str, list[Any]] = {}
        self._assign(clock, actor, at, unit, list(co_units or []), "dispatch", reason, changes)
        self._append(actor, at, Action.DISPATCH, target, changes, reason)

    def acknowledge(self, actor: Actor, at: datetime) -> None:
        target = self._begin(actor, at, Action.ACKNOWLEDGE)
        self._require_lead_unit(actor)
        lead = self.lead
        assert lead is not None
        lead.acknowledged_at = at
        self._append(actor, at, Action.ACKNOWLEDGE, target, {"acknowledged_at": [None, at]}, "")

    def assign_owner(self, actor: Actor, at: datetime, owner: str, note: str = "") -> None:
        """分办: the lead unit gives the case to one of its staff (the service checks that `owner` is a handler of
        the unit), before or after signing for it — a unit whose 接诉即办 desk signs for everything and hands each
        case to the one who will do it, or a handler taking it on — and the unit still answers for it. Signing for it
        gives it to nobody; giving it to another is the same step again. A co-handling unit gives its own part the
        same way (a 社区 to its 网格员): its assignment's owner, never the case's (`co_unit` in the step says whose)."""
        target = self._begin(actor, at, Action.ASSIGN_OWNER)
        mine = self._co_assignment(actor.unit) if actor.role == Role.HANDLER and actor.unit != self.lead_unit \
            else self.lead
        if mine is None:
            raise Forbidden("只有主办或协办单位的承办人可以分办", field="unit")
        owner = (owner or "").strip()
        if not owner:
            raise InvalidInput("请指定承办人员", field="owner")
        if owner == mine.owner:
            raise InvalidInput(f"本件已由 {owner} 承办", field="owner")
        changes: dict[str, list[Any]] = {"owner": [mine.owner, owner]}
        if mine.role == "co":
            changes["co_unit"] = [None, mine.unit]
        mine.owner = owner
        self._append(actor, at, Action.ASSIGN_OWNER, target, changes, validation.optional_text(note, "note"))

    def record_contact(self, actor: Actor, at: datetime, note: str) -> None:
        target = self._begin(actor, at, Action.RECORD_CONTACT)
        self._require_lead_unit(actor)
        note = validation.required_text(note, "note")
        lead = self.lead
        assert lead is not None
        changes: dict[str, list[Any]] = {}
        if lead.contacted_at is None:
            lead.contacted_at = at
            changes["contacted_at"] = [None, at]
        self._append(actor, at, Action.RECORD_CONTACT, target, changes, note)

    def return_(self, actor: Actor, at: datetime, reason: str, proposed_unit: str | None = None) -> None:
        """退单: the lead disputes that the case is theirs, with the reason and, when it knows, the unit it belongs to
        (the caller checks that such a unit exists)."""
        target = self._begin(actor, at, Action.RETURN)
        self._require_lead_unit(actor)
        if proposed_unit is not None and proposed_unit == self.lead_unit:
            raise InvalidInput("建议的承办单位就是本单位：请填写应承办的其他单位，或留空", field="proposed_unit")
        changes: dict[str, list[Any]] = {}
        self._set(changes, "pending_return", validation.required_text(reason, "reason"))
        if proposed_unit is not None:
            changes["proposed_unit"] = [None, proposed_unit]
        self._append(actor, at, Action.RETURN, target, changes, reason)

    def reject_return(self, actor: Actor, at: datetime, reason: str) -> None:
        target = self._begin(actor, at, Action.REJECT_RETURN)
        reason = validation.required_text(reason, "reason")
        changes: dict[str, list[Any]] = {}
        self._set(changes, "pending_return", None)
        self._append(actor, at, Action.REJECT_RETURN, target, changes, reason)

    def redispatch(self, actor: Actor, at: datetime, clock: SlaClock, unit: str, co_units: list[str] | None = None,
                   reason: str = "") -> None:
        target = self._begin(actor, at, Action.REDISPATCH)
        reason = validation.required_text(reason, "reason")
        if unit == self.lead_unit and self.status != Status.RETURN_PENDING:
            raise InvalidInput("改派的目标单位与当前主办单位相同", field="unit")
        changes: dict[str, list[Any]] = {}
        self._assign(clock, actor, at, unit, list(co_units or []), "redispatch", reason, changes)
        self._set(changes, "pending_return", None)
        self._append(actor, at, Action.REDISPATCH, target, changes, reason)

    def request_extension(self, actor: Actor, at: datetime, duration: Duration, reason: str) -> None:
        target = self._begin(actor, at, Action.REQUEST_EXTENSION)
        self._require_lead_unit(actor)
        reason = validation.required_text(reason, "reason")
        changes: dict[str, list[Any]] = {}
        self._set(changes, "pending_extension", str(duration))
        self._append(actor, at, Action.REQUEST_EXTENSION, target, changes, reason)

    def approve_extension(self, actor: Actor, at: datetime, clock: SlaClock, duration: Duration | None = None,
                          note: str = "") -> None:
        target = self._begin(actor, at, Action.APPROVE_EXTENSION)
        assert self.pending_extension is not None and self.resolve_due is not None
        granted = duration or Duration.parse(self.pending_extension)
        changes: dict[str, list[Any]] = {}
        before = self.resolve_due
        self._set(changes, "resolve_due", clock.extend(self.resolve_due, granted))
        was: dict[str, str] = {}  # a co-handler owing its report by the old 办结时限 (capped there) gets the room the
        now: dict[str, str] = {}  # lead got
        for a in self.co_handling():
            if a.reported_at is None and a.report_due == before:
                a.report_due = clock.report_due(a.dispatched_at, self.resolve_due)
                was[a.unit], now[a.unit] = before.isoformat(), a.report_due.isoformat()
        if now:
            changes["report_due"] = [was, now]
        self._set(changes, "pending_extension", None)
        self._set(changes, "extended_by", self.extended_by + [str(granted)])
        self._append(actor, at, Action.APPROVE_EXTENSION, target, changes, note)

    def refuse_extension(self, actor: Actor, at: datetime, reason: str) -> None:
        target = self._begin(actor, at, Action.REFUSE_EXTENSION)
        reason = validation.required_text(reason, "reason")
        changes: dict[str, list[Any]] = {}
        self._set(changes, "pending_extension", None)
        self._append(actor, at, Action.REFUSE_EXTENSION, target, changes, reason)

    def note_progress(self, actor: Actor, at: datetime, note: str) -> None:
        target = self._begin(actor, at, Action.NOTE_PROGRESS)
        self._require_any_unit(actor)
        self._append(actor, at, Action.NOTE_PROGRESS, target, {}, validation.required_text(note, "note"))

    def resolve(self, actor: Actor, at: datetime, reply: str, adoption: str | None = None) -> None:
        """办结 with the reply to the requester; for a 建议, also whether it was adopted (采纳情况)."""
        target = self._begin(actor, at, Action.RESOLVE)
        self._require_lead_unit(actor)
        changes: dict[str, list[Any]] = {}
        if self.kind == RequestKind.SUGGESTION:
            if not adoption:
                raise InvalidInput("建议类诉求办结时请选择采纳情况（采纳、部分采纳、留作参考、暂不采纳）",
                                   field="adoption")
            self._set(changes, "adoption", Adoption.parse(adoption, "adoption").value)
        elif adoption:
            raise InvalidInput(f"只有建议类诉求填写采纳情况，本件为「{self.kind.label}」", field="adoption")
        self._set(changes, "reply", validation.required_text(reply, "reply", validation.MAX_CONTENT))
        self._set(changes, "resolved_at", at)
        self._append(actor, at, Action.RESOLVE, target, changes, "")

    def accept_reply(self, actor: Actor, at: datetime, clock: SlaClock) -> None:
        target = self._begin(actor, at, Action.ACCEPT_REPLY)
        changes: dict[str, list[Any]] = {}
        self._set(changes, "follow_up_due", clock.after(at, "follow_up"))
        self._append(actor, at, Action.ACCEPT_REPLY, target, changes, "")

    def send_back(self, actor: Actor, at: datetime, reason: str) -> None:
        target = self._begin(actor, at, Action.SEND_BACK)
        reason = validation.required_text(reason, "reason")
        changes: dict[str, list[Any]] = {}
        self._set(changes, "resolved_at", None)
        self._append(actor, at, Action.SEND_BACK, target, changes, reason)

    def follow_up(self, actor: Actor, at: datetime, solved: bool, satisfaction: Satisfaction, note: str = "",
                  requester_ref: int | None = None) -> FollowUp:
        target = self._begin(actor, at, Action.FOLLOW_UP)
        self._check_callee(requester_ref)
        record = FollowUp(at=at, actor=actor.name, solved=solved, satisfaction=satisfaction, unit=self.lead_unit,
                          requester_ref=requester_ref, round=self.round,
                          note=validation.optional_text(note, "note"), co_units=tuple(self.co_units))
        self.follow_ups.append(record)
        self._append(actor, at, Action.FOLLOW_UP, target, {
            "follow_up": [None, {"solved": solved, "satisfaction": satisfaction.value,
                                 "requester_ref": requester_ref}]}, record.note)
        return record

    def callback_unanswered(self, actor: Actor, at: datetime, note: str = "", requester_ref: int | None = None) -> int:
        """回访未接通: a call to the requester (or a merged requester) that nobody answered; the callback stays due.
        Returns which unanswered call of the round this was."""
        target = self._begin(actor, at, Action.CALLBACK_UNANSWERED)
        self._check_callee(requester_ref)
        attempt = len(self.unanswered_calls(requester_ref)) + 1
        self._append(actor, at, Action.CALLBACK_UNANSWERED, target, {"callback_attempt": [None, {
            "requester_ref": requester_ref, "round": self.round, "attempt": attempt}]},
            validation.optional_text(note, "note"))
        return attempt

    def unanswered_calls(self, requester_ref: int | None = None) -> list[datetime]:
        """When this round's unanswered calls to the requester were made, in order."""
        calls = []
        for e in self.events:
            if e.action == Action.CALLBACK_UNANSWERED:
                attempt = unanswered_call(e.changes)
                if attempt.get("requester_ref") == requester_ref and attempt.get("round") == self.round:
                    calls.append(e.at)
        return calls

    def callback_unreachable(self, actor: Actor, at: datetime, note: str = "", requester_ref: int | None = None,
                             rules: AssessmentRules = DEFAULT_RULES) -> FollowUp:
        """回访无法联系: after `rules.callback_tries` unanswered calls, the first and the last at least
        `rules.callback_spread_hours` apart, the requester's callback is concluded without an answer: the case closes
        as after a callback, and the 三率 leave it out."""
        target = self._begin(actor, at, Action.CALLBACK_UNREACHABLE)
        self._check_callee(requester_ref)
        calls = self.unanswered_calls(requester_ref)
        spread = timedelta(hours=rules.callback_spread_hours)
        if len(calls) < rules.callback_tries or calls[-1] - calls[0] < spread:
            raise IllegalTransition(
                f"本轮已拨打 {len(calls)} 次未接通：需在不同时段拨打至少 {rules.callback_tries} 次（首末相隔 "
                f"{rules.callback_spread_hours:g} 小时以上）仍未接通，才能记为无法联系", field="action")
        record = FollowUp(at=at, actor=actor.name, solved=None, satisfaction=None, unit=self.lead_unit,
                          requester_ref=requester_ref, round=self.round,
                          note=validation.optional_text(note, "note"), co_units=tuple(self.co_units))
        self.follow_ups.append(record)
        self._append(actor, at, Action.CALLBACK_UNREACHABLE, target, {
            "follow_up": [None, {"reached": False, "unanswered_calls": len(calls), "requester_ref": requester_ref}]},
            record.note)
        return record

    def _check_callee(self, requester_ref: int | None) -> None:
        """The requester a callback (or a call attempt) is for must still be due one in this round: the case's own
        first, then each merged requester."""
        if requester_ref is not None and requester_ref not in self.merged_ids:
            raise InvalidInput(f"诉求 {requester_ref} 未并入本件，不能代其回访", field="requester_ref")
        if any(f.requester_ref == requester_ref and f.round == self.round for f in self.follow_ups):
            raise IllegalTransition("本轮已回访过该诉求人", field="requester_ref")
        if self.status == Status.CLOSED and requester_ref is None:
            raise IllegalTransition("本轮已回访过本件诉求人", field="requester_ref")
        if self.status == Status.AWAITING_FOLLOW_UP and requester_ref is not None:
            raise InvalidInput("请先回访本件诉求人，再回访并单的诉求人", field="requester_ref")

    def reopen(self, actor: Actor, at: datetime, clock: SlaClock, reason: str) -> None:
        target = self._begin(actor, at, Action.REOPEN)
        reason = validation.required_text(reason, "reason")
        latest = [f for f in self.follow_ups if f.round == self.round]
        if latest and all(f.solved and f.satisfaction != Satisfaction.UNSATISFIED for f in latest):
            raise InvalidInput("回访结果为已解决且满意，不能重办", field="action")
        lead = self.lead_unit
        if lead is None:
            raise InvalidInput("没有主办单位，无法重办", field="unit")
        changes: dict[str, list[Any]] = {}
        self._assign(clock, actor, at, lead, self.co_units, "reopen", reason, changes)
        self._set(changes, "round", self.round + 1)
        self._set(changes, "reply", None)
        self._set(changes, "resolved_at", None)
        self._set(changes, "follow_up_due", None)
        self._append(actor, at, Action.REOPEN, target, changes, reason)

    def delegate(self, actor: Actor, at: datetime, clock: SlaClock, unit: str, reason: str = "") -> None:
        """下派: the lead unit has a unit under it (a 街道 its 社区) work on the case with it, as a co-handler; the lead
        still answers for the case — its deadlines, its reply, its 三率. Whether the matter may go down to that unit at
        all (村(社区)准入, the dispatch catalogue) is the router's to check before."""
        target = self._begin(actor, at, Action.DELEGATE)
        self._require_lead_unit(actor)
        if not unit:
            raise InvalidInput("请指定下派的单位", field="unit")
        if actor.role == Role.HANDLER and unit not in actor.area:
            raise Forbidden("只能下派给本单位下辖的单位", field="unit")
        if unit == self.lead_unit or unit in self.co_units:
            raise InvalidInput("该单位已在办理本工单", field="unit")
        before = self.co_units
        self.assignments.append(Assignment(
            seq=len(self.assignments) + 1, unit=unit, role="co", kind="delegate", dispatched_at=at,
            dispatched_by=actor.name, reason=validation.optional_text(reason, "reason"),
            acknowledge_due=clock.after(at, "acknowledge"), contact_due=clock.after(at, "contact"),
            report_due=clock.report_due(at, self.resolve_due or clock.after(at, "resolve"))))
        self._append(actor, at, Action.DELEGATE, target, {"co_units": [before, self.co_units]},
                     validation.optional_text(reason, "reason"))

    def report_back(self, actor: Actor, at: datetime, note: str) -> None:
        """协办反馈: a co-handling unit (a 社区 the 街道 handed the case down to, or a co-handler named at dispatch)
        tells the lead unit what it has done; the lead still replies to the requester. It may report again (the
        lead asked for more, or there is more to tell): the last report is the one the lead's 承办箱 counts."""
        target = self._begin(actor, at, Action.REPORT_BACK)
        mine = self._co_assignment(actor.unit) if actor.role == Role.HANDLER else None
        if mine is None:
            raise Forbidden("只有协办单位的承办人可以反馈协办情况", field="unit")
        note = validation.required_text(note, "note")
        changes: dict[str, list[Any]] = {"reported": [None, mine.unit]}
        mine.reported_at = at
        self._append(actor, at, Action.REPORT_BACK, target, changes, note)

    def recall(self, actor: Actor, at: datetime, unit: str, reason: str) -> None:
        """收回下派: the lead unit takes back a case it handed down (the wrong 社区, or it is no longer needed there);
        the unit stops co-handling it. A co-handler the centre named at dispatch is the centre's to change (改派)."""
        target = self._begin(actor, at, Action.RECALL)
        self._require_lead_unit(actor)
        handed = self._co_assignment(unit)
        if handed is None or handed.kind != "delegate":
            raise InvalidInput("该单位不是本工单下派的协办单位", field="unit")
        reason = validation.required_text(reason, "reason")
        before = self.co_units
        handed.ended_at, handed.end_reason = at, "recalled"
        self._append(actor, at, Action.RECALL, target, {"co_units": [before, self.co_units]}, reason)

    def _co_assignment(self, unit: str | None) -> Assignment | None:
        return next((a for a in self.assignments if a.active and a.role == "co" and a.unit == unit), None) \
            if unit else None

    def co_handling(self) -> list[Assignment]:
        """The co-handlers of the case now, in the order they came (named at dispatch, or 下派 by the lead)."""
        return [a for a in self.assignments if a.active and a.role == "co"]

    @property
    def delegated_units(self) -> list[str]:
        """The units the lead handed the case down to (下派) that still co-handle it: what it may 收回."""
        return [a.unit for a in self.co_handling() if a.kind == "delegate"]

    def supervise(self, actor: Actor, at: datetime, clock: SlaClock, reason: str) -> None:
        target = self._begin(actor, at, Action.SUPERVISE)
        if actor.role == Role.HANDLER and self.lead_unit not in actor.area:  # a district office, over its 辖区
            raise Forbidden("承办单位只能督办下辖单位主办的工单", field="unit")
        reason = validation.required_text(reason, "reason")
        changes: dict[str, list[Any]] = {}
        self._set(changes, "supervise_due", clock.after(at, "supervise"))
        self._set(changes, "supervision_count", self.supervision_count + 1)
        self._append(actor, at, Action.SUPERVISE, target, changes, reason)

    def urge(self, actor: Actor, at: datetime, note: str = "") -> None:
        """催办: the requester asks again while the case is with a unit (on the phone, recorded by an agent, or on the
        portal). A requester may urge once in URGE_EVERY; what they say is kept."""
        target = self._begin(actor, at, Action.URGE)
        if actor.role == Role.CITIZEN:
            last = max((e.at for e in self.events if e.action == Action.URGE and e.role == Role.CITIZEN), default=None)
            if last is not None and at - last < URGE_EVERY:
                raise ConflictError(f"已于 {beijing_minute(last)} 催办过，{int(URGE_EVERY.total_seconds() // 3600)} 小时内"
                                    "只能催办一次；承办单位会尽快处理", field="urge")
        self._append(actor, at, Action.URGE, target, {}, validation.optional_text(note, "note"))

    def supplement(self, actor: Actor, at: datetime, note: str) -> None:
        """补充诉求: the requester adds what they know now — a detail, the photo they did not have — until the unit
        has answered: on the portal, or on the phone through an agent. Kept in the timeline for the unit; not a 催办
        (it asks for nothing to be hurried). On the portal a requester may add SUPPLEMENTS times."""
        target = self._begin(actor, at, Action.SUPPLEMENT)
        if actor.role == Role.CITIZEN and sum(
                1 for e in self.events if e.action == Action.SUPPLEMENT and e.role == Role.CITIZEN) >= SUPPLEMENTS:
            raise ConflictError(f"已补充 {SUPPLEMENTS} 次，不能再补充；如有新情况，请拨打热线", field="supplement")
        self._append(actor, at, Action.SUPPLEMENT, target, {}, validation.required_text(note, "note"))

    def ask_supplement(self, actor: Actor, at: datetime, question: str) -> None:
        """请诉求人补充: the lead unit asks the requester for what it needs to handle the case (the exact place, a
        photo, a document); the requester is texted the question and answers with 补充诉求. The clock runs on."""
        target = self._begin(actor, at, Action.ASK_SUPPLEMENT)
        self._require_lead_unit(actor)
        self._append(actor, at, Action.ASK_SUPPLEMENT, target, {}, validation.required_text(question, "note"))

    def open_question(self) -> str | None:
        """The unit's last question to the requester (请诉求人补充), while no 补充诉求 has come since."""
        for e in reversed(self.events):
            if e.action == Action.SUPPLEMENT:
                return None
            if e.action == Action.ASK_SUPPLEMENT:
                return e.note
        return None

    def change_urgency(self, actor: Actor, at: datetime, clock: SlaClock, urgency: Urgency, reason: str) -> None:
        """调整紧急程度: the situation got worse (an agent takes a second call: the smell of gas is stronger now), or
        the centre corrects what intake set. Before dispatch it may go either way. Once a unit has the case, raising
        it makes every running deadline the nearer of its own and what the new urgency allows from now (`clock` is
        the new urgency's): the unit never gets more time this way — that is what an extension is for. Lowering it
        then is the centre's finding that the case never was that urgent (a 火锅店 taken for a fire): only a
        dispatcher, supervisor or administrator may, and every deadline becomes the later of its own and what the
        new urgency allows from the dispatch — as if it had been dispatched right, so that the unit is not marked
        late (三率) for limits that never applied."""
        target = self._begin(actor, at, Action.CHANGE_URGENCY)
        reason = validation.required_text(reason, "reason")
        if urgency == self.urgency:
            raise InvalidInput(f"本件已是「{urgency.label}」", field="urgency")
        lead = self.lead
        lowering = urgency.rank < self.urgency.rank
        if lead is not None and lowering and actor.role not in (Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN):
            raise Forbidden(f"已派单的诉求由派单员或督办核定后才能降低紧急程度（现为「{self.urgency.label}」）；"
                            "承办单位需要更多时间请申请延期", field="urgency")
        changes: dict[str, list[Any]] = {}
        self._set(changes, "urgency", urgency)
        if lead is not None:
            self._set(changes, "sla_policy", clock.policy.name)
            if lowering:  # each limit as the new urgency gives it from the dispatch, never less than it was
                if self.resolve_due is not None:
                    self._set(changes, "resolve_due", max(self.resolve_due, clock.after(lead.dispatched_at, "resolve")))
            elif self.resolve_due is not None:
                self._set(changes, "resolve_due", min(self.resolve_due, clock.after(at, "resolve")))
            before = (lead.acknowledge_due, lead.contact_due)
            for a in self.assignments:
                if a.active and lowering:
                    a.acknowledge_due = max(a.acknowledge_due, clock.after(a.dispatched_at, "acknowledge"))
                    a.contact_due = max(a.contact_due, clock.after(a.dispatched_at, "contact"))
                    continue
                if a.active and a.acknowledged_at is None:
                    a.acknowledge_due = min(a.acknowledge_due, clock.after(at, "acknowledge"))
                if a.active and a.contacted_at is None:
                    a.contact_due = min(a.contact_due, clock.after(at, "contact"))
            for name, old, new in (("acknowledge_due", before[0], lead.acknowledge_due),
                                   ("contact_due", before[1], lead.contact_due)):
                if old != new:
                    changes[name] = [old, new]
        self._append(actor, at, Action.CHANGE_URGENCY, target, changes, reason)

    def change_sensitivity(self, actor: Actor, at: datetime, sensitive: bool, reason: str) -> None:
        """调整敏感标记: mark the case a 敏感诉求 (the agent hears a threat to go to the media, a group about to gather)
        or clear what intake read in the text, with the reason, which is what the case then shows as why."""
        target = self._begin(actor, at, Action.CHANGE_SENSITIVITY)
        reason = validation.required_text(reason, "reason", 200)
        if sensitive == bool(self.sensitive):
            raise InvalidInput("本件已标记为敏感诉求" if sensitive else "本件未标记为敏感诉求", field="sensitive")
        changes: dict[str, list[Any]] = {}
        self._set(changes, "sensitive", reason if sensitive else "")
        self._append(actor, at, Action.CHANGE_SENSITIVITY, target, changes, reason)

    def hand_over(self, actor: Actor, at: datetime, line: str, reference: str = "", note: str = "") -> None:
        """转紧急热线: the matter is an emergency line's alone (a fight going on: 110; a fire: 119; someone collapsed:
        120; a crash: 122), passed to it on the phone before any unit has the case, which ends here. `reference`:
        who took it there (the call-taker's number, the line's incident number), the centre's proof it was passed."""
        self._tell_line(actor, at, Action.HAND_OVER, line, reference, note)

    def alert_line(self, actor: Actor, at: datetime, line: str, reference: str = "", note: str = "") -> None:
        """通报紧急热线: an emergency line was told too while the case goes on with a unit (a gas leak: 119 and the gas
        company)."""
        self._tell_line(actor, at, Action.ALERT_LINE, line, reference, note)

    def _tell_line(self, actor: Actor, at: datetime, action: Action, line: str, reference: str, note: str) -> None:
        target = self._begin(actor, at, action)
        told = EmergencyLine.parse(line, "line")
        reference = validation.optional_text(reference, "reference", 50)
        note = validation.optional_text(note, "note", 500)
        what = told.label + (f"（接警：{reference}）" if reference else "")
        self._append(actor, at, action, target, {"line": [None, told.value], "line_reference": [None, reference]},
                     f"{what}：{note}" if note else what)

    def lines_told(self) -> list[LineTold]:
        """The emergency lines the case was handed over or told to (转紧急热线, 通报紧急热线), in order."""
        return [LineTold(e.line, e.changes.get("line_reference", [None, ""])[1] or "", e.at, e.action == Action.HAND_OVER)
                for e in self.events if e.line is not None]

    def merge_into(self, actor: Actor, at: datetime, master: CitizenRequest, reason: str = "") -> None:
        target = self._begin(actor, at, Action.MERGE)
        if master.id is None or self.id is None or master.id == self.id:
            raise InvalidInput("不能并入自身", field="master")
        if master.status in NO_MASTER:
            raise InvalidInput(f"主件状态为「{master.status.label}」，不能再并入", field="master")
        if at < master.last_event_at:
            raise InvalidInput("操作时间早于主件上一步", field="at")
        changes: dict[str, list[Any]] = {}
        self._set(changes, "master_id", master.id)
        for a in self.assignments:
            if a.active:
                a.ended_at, a.end_reason = at, "merged"
        self._append(actor, at, Action.MERGE, target, changes, reason)
        master_changes: dict[str, list[Any]] = {}
        master._set(master_changes, "merged_ids", master.merged_ids + [self.id])
        if self.sensitive and not master.sensitive:  # what a repeat tells (a crowd planned for tomorrow) stays with
            master._set(master_changes, "sensitive", f"并单 {self.ticket}：{self.sensitive}"[:200])  # the case handled
        master._append(actor, at, Action.MERGE, master.status, master_changes, reason)

    def withdraw(self, actor: Actor, at: datetime, reason: str) -> None:
        target = self._begin(actor, at, Action.WITHDRAW)
        reason = validation.required_text(reason, "reason")
        changes: dict[str, list[Any]] = {}
        for a in self.assignments:
            if a.active:
                a.ended_at, a.end_reason = at, "withdrawn"
        self._set(changes, "pending_return", None)
        self._set(changes, "pending_extension", None)
        self._append(actor, at, Action.WITHDRAW, target, changes, reason)

    def flag_unreasonable(self, actor: Actor, at: datetime, reason: str) -> None:
        target = self._begin(actor, at, Action.FLAG_UNREASONABLE)
        self._require_lead_unit(actor)
        if self.unreasonable != "none":
            raise IllegalTransition("本件已申请或已认定为不合理诉求", field="unreasonable")
        reason = validation.required_text(reason, "reason")
        changes: dict[str, list[Any]] = {}
        self._set(changes, "unreasonable", "pending")
        self._append(actor, at, Action.FLAG_UNREASONABLE, target, changes, reason)

    def approve_unreasonable(self, actor: Actor, at: datetime, note: str = "") -> None:
        self._decide_unreasonable(actor, at, Action.APPROVE_UNREASONABLE, "approved", note)

    def refuse_unreasonable(self, actor: Actor, at: datetime, reason: str) -> None:
        """驳回: the claim does not hold; the case counts in the 三率 as any other, and the unit may claim again on new
        grounds (given here, required)."""
        self._decide_unreasonable(actor, at, Action.REFUSE_UNREASONABLE, "none", reason, reason_field="reason")

    def _decide_unreasonable(self, actor: Actor, at: datetime, action: Action, outcome: str, note: str,
                             reason_field: str | None = None) -> None:
        target = self._begin(actor, at, action)
        if self.unreasonable != "pending":
            raise IllegalTransition("本件没有待审批的不合理诉求申请", field="unreasonable")
        if reason_field:
            note = validation.required_text(note, reason_field)
        changes: dict[str, list[Any]] = {}
        self._set(changes, "unreasonable", outcome)
        self._append(actor, at, action, target, changes, note)

    def reclassify(self, actor: Actor, at: datetime, category: str, reason: str) -> None:
        """改类: the centre corrects the matter category (validated against the catalogue by the service), with the
        reason, or classifies a case left unclassified (no reason needed); the correction is what the next training
        learns from."""
        target = self._begin(actor, at, Action.RECLASSIFY)
        reason = validation.required_text(reason, "reason") if self.category else (reason or "").strip()
        if category == self.category:
            raise InvalidInput("新分类与原分类相同", field="category")
        changes: dict[str, list[Any]] = {}
        self._set(changes, "category", category)
        self._append(actor, at, Action.RECLASSIFY, target, changes, reason)

    def archive(self, actor: Actor, at: datetime) -> None:
        target = self._begin(actor, at, Action.ARCHIVE)
        self._append(actor, at, Action.ARCHIVE, target, {}, "")
