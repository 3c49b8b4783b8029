"""Random sequences of actions on one case, checking the invariants of the workflow."""

import copy
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from jiesu.domain.calendar import Duration
from jiesu.domain.enums import Channel, RequestKind, Role, Satisfaction, Urgency
from jiesu.domain.errors import DomainError
from jiesu.domain.request import Actor, CitizenRequest, Location, Requester, SlaClock
from jiesu.domain.sla import SlaPolicy
from jiesu.domain.workflow import TRANSITIONS, Action, Status
from tests.support import builtin_calendar, local

POLICY = SlaPolicy("默认", Duration(2, "wh"), Duration(1, "wd"), Duration(7, "wd"), Duration(2, "wd"), Duration(3, "wd"))
CLOCK = SlaClock(POLICY, builtin_calendar())
EMERGENCY = SlaClock(SlaPolicy("紧急", Duration(0.5, "h"), Duration(1, "h"), Duration(2, "h"), Duration(1, "wd"),
                               Duration(4, "h"), urgency=Urgency.EMERGENCY), builtin_calendar())
ACTORS = [Actor("坐席", Role.AGENT), Actor("派单员", Role.DISPATCHER), Actor("督办", Role.SUPERVISOR),
          Actor("望京", Role.HANDLER, "WJ", frozenset({"WJ01"})), Actor("酒仙桥", Role.HANDLER, "JX"),
          Actor("环保", Role.HANDLER, "HBJ"), Actor("朝阳", Role.HANDLER, "CY", frozenset({"WJ", "JX", "WJ01"})),
          Actor("望京西园", Role.HANDLER, "WJ01"), Actor("诉求人", Role.CITIZEN)]
UNITS = ["WJ", "JX", "HBJ", "WJ01"]
DEADLINE_RULES = {
    "resolve_due": {Action.DISPATCH, Action.REDISPATCH, Action.REOPEN, Action.APPROVE_EXTENSION,
                    Action.CHANGE_URGENCY},
    "follow_up_due": {Action.ACCEPT_REPLY, Action.REOPEN},
    "supervise_due": {Action.SUPERVISE},
}


class CaseMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.now = local(2026, 12, 21, 9, 0)
        self.case = CitizenRequest.register(
            actor=ACTORS[0], at=self.now, kind=RequestKind.INQUIRY, channel=Channel.PHONE, title="t",
            content="测试内容", requester=Requester("张三", "13812345678"), location=Location("地址", "WJ01"),
            category="WY1", urgency=Urgency.NORMAL)
        self.case.id = 1
        self.deadline_changes: list[tuple[Action, str]] = []

    @rule(action=st.sampled_from([a for a in Action if a not in (Action.REGISTER, Action.MERGE)]),
          actor=st.sampled_from(ACTORS), unit=st.sampled_from(UNITS), hours=st.floats(0, 72),
          solved=st.booleans(), satisfaction=st.sampled_from(list(Satisfaction)),
          reason=st.sampled_from(["", "理由"]), urgency=st.sampled_from(list(Urgency)))
    def act(self, action, actor, unit, hours, solved, satisfaction, reason, urgency):
        at = self.now + timedelta(hours=hours)
        case = self.case
        before = copy.deepcopy(case)
        calls = {
            Action.ANSWER_DIRECTLY: lambda: case.answer_directly(actor, at, reason or "答复"),
            Action.DISPATCH: lambda: case.dispatch(actor, at, CLOCK, unit, [], reason),
            Action.ACKNOWLEDGE: lambda: case.acknowledge(actor, at),
            Action.RECORD_CONTACT: lambda: case.record_contact(actor, at, reason),
            Action.RETURN: lambda: case.return_(actor, at, reason),
            Action.REJECT_RETURN: lambda: case.reject_return(actor, at, reason),
            Action.REDISPATCH: lambda: case.redispatch(actor, at, CLOCK, unit, [], reason),
            Action.REQUEST_EXTENSION: lambda: case.request_extension(actor, at, Duration(3, "wd"), reason),
            Action.APPROVE_EXTENSION: lambda: case.approve_extension(actor, at, CLOCK),
            Action.REFUSE_EXTENSION: lambda: case.refuse_extension(actor, at, reason),
            Action.NOTE_PROGRESS: lambda: case.note_progress(actor, at, reason),
            Action.RESOLVE: lambda: case.resolve(actor, at, reason),
            Action.ACCEPT_REPLY: lambda: case.accept_reply(actor, at, CLOCK),
            Action.SEND_BACK: lambda: case.send_back(actor, at, reason),
            Action.FOLLOW_UP: lambda: case.follow_up(actor, at, solved, satisfaction),
            Action.CALLBACK_UNANSWERED: lambda: case.callback_unanswered(actor, at, reason),
            Action.CALLBACK_UNREACHABLE: lambda: case.callback_unreachable(actor, at, reason),
            Action.REOPEN: lambda: case.reopen(actor, at, CLOCK, reason),
            Action.SUPERVISE: lambda: case.supervise(actor, at, CLOCK, reason),
            Action.WITHDRAW: lambda: case.withdraw(actor, at, reason),
            Action.FLAG_UNREASONABLE: lambda: case.flag_unreasonable(actor, at, reason),
            Action.APPROVE_UNREASONABLE: lambda: case.approve_unreasonable(actor, at),
            Action.REFUSE_UNREASONABLE: lambda: case.refuse_unreasonable(actor, at, reason),
            Action.ARCHIVE: lambda: case.archive(actor, at),
            Action.RECLASSIFY: lambda: case.reclassify(actor, at, "WY2" if case.category == "WY1" else "WY1", reason),
            Action.URGE: lambda: case.urge(actor, at, reason),
            Action.SUPPLEMENT: lambda: case.supplement(actor, at, reason),
            Action.ASK_SUPPLEMENT: lambda: case.ask_supplement(actor, at, reason),
            Action.DELEGATE: lambda: case.delegate(actor, at, CLOCK, unit, reason),
            Action.REPORT_BACK: lambda: case.report_back(actor, at, reason),
            Action.RECALL: lambda: case.recall(actor, at, unit, reason),
            Action.ASSIGN_OWNER: lambda: case.assign_owner(actor, at, "甲" if case.owner != "甲" else "乙", reason),
            Action.CHANGE_URGENCY: lambda: case.change_urgency(
                actor, at, EMERGENCY if urgency == Urgency.EMERGENCY else CLOCK, urgency, reason),
            Action.CHANGE_SENSITIVITY: lambda: case.change_sensitivity(actor, at, not case.sensitive, reason),
            Action.HAND_OVER: lambda: case.hand_over(actor, at, "119", reason),
            Action.ALERT_LINE: lambda: case.alert_line(actor, at, "110" if reason else "", reason),
        }
        try:
            calls[action]()
        except DomainError:
            assert case == before, f"a refused {action} changed the case"
            return
        assert before.status != Status.ARCHIVED, "archived must be final"
        assert len(case.events) == len(before.events) + 1, "every change leaves exactly one event"
        event = case.events[-1]
        assert event.action == action and event.at == at
        assert case.status == TRANSITIONS[(before.status, action)]
        assert event.from_status == before.status and event.to_status == case.status
        for name in DEADLINE_RULES:
            if getattr(case, name) != getattr(before, name):
                self.deadline_changes.append((action, name))
        if action == Action.CHANGE_URGENCY and before.lead is not None and case.urgency.rank > before.urgency.rank:
            assert case.resolve_due <= before.resolve_due  # raised with a unit: never more time
            assert case.lead.acknowledge_due <= before.lead.acknowledge_due
            assert case.lead.contact_due <= before.lead.contact_due
        elif action == Action.CHANGE_URGENCY and before.lead is not None:  # lowered: by the centre's decision only,
            assert actor.role in (Role.DISPATCHER, Role.SUPERVISOR)  # and never less time than before
            assert case.resolve_due >= before.resolve_due
            assert case.lead.acknowledge_due >= before.lead.acknowledge_due
            assert case.lead.contact_due >= before.lead.contact_due
        self.now = at

    @invariant()
    def deadlines_move_only_by_rule(self):
        for action, name in self.deadline_changes:
            assert action in DEADLINE_RULES[name], f"{name} moved by {action}"

    @invariant()
    def events_are_numbered_without_gaps_and_in_time_order(self):
        events = self.case.events
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert all(a.at <= b.at for a, b in zip(events, events[1:], strict=False))

    @invariant()
    def one_active_lead_at_most(self):
        assert sum(1 for a in self.case.assignments if a.active and a.role == "lead") <= 1


CaseMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None,
                                         suppress_health_check=[HealthCheck.too_slow])
TestCaseWorkflow = CaseMachine.TestCase
