from datetime import timedelta

import pytest

from jiesu.domain import validation
from jiesu.domain.calendar import Duration
from jiesu.domain.enums import Channel, RequestKind, Role, Satisfaction, Urgency
from jiesu.domain.errors import Forbidden, IllegalTransition, InvalidInput
from jiesu.domain.request import Actor, CitizenRequest, Location, Requester, SlaClock
from jiesu.domain.sla import SlaPolicy
from jiesu.domain.workflow import Action, Status
from tests.support import AGENT, DISPATCHER, JX_HANDLER, SUPERVISOR, WJ_HANDLER, builtin_calendar, local

POLICY = SlaPolicy("默认", Duration(2, "wh"), Duration(1, "wd"), Duration(7, "wd"), Duration(2, "wd"), Duration(3, "wd"))
T0 = local(2026, 11, 23, 9, 30)  # Monday


@pytest.fixture
def clock():
    return SlaClock(POLICY, builtin_calendar())


def new_request(**overrides) -> CitizenRequest:
    fields = dict(actor=AGENT, at=T0, kind=RequestKind.COMPLAINT, channel=Channel.PHONE, title="物业不作为",
                  content="小区物业不清理楼道垃圾", requester=Requester("张三", "13812345678"),
                  location=Location("望京西园三区", "WJ01"), category="WY1", urgency=Urgency.NORMAL)
    fields.update(overrides)
    return CitizenRequest.register(**fields)


def at(hours: float):
    return T0 + timedelta(hours=hours)


def test_the_whole_lifecycle_leaves_one_event_per_action(clock):
    r = new_request()
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ", ["ZJW"], "望京街道：物业服务属基本履职事项")
    assert r.status == Status.DISPATCHED and r.lead_unit == "WJ" and r.co_units == ["ZJW"]
    assert r.resolve_due == local(2026, 12, 2, 18, 0)  # 7 working days after Monday 23 Nov
    assert r.lead.acknowledge_due == local(2026, 11, 23, 11, 36)
    r.acknowledge(WJ_HANDLER, at(1))
    r.record_contact(WJ_HANDLER, at(2), "已电话联系")
    r.request_extension(WJ_HANDLER, at(3), Duration(5, "wd"), "需协调")
    r.approve_extension(SUPERVISOR, at(4), clock)
    assert r.resolve_due == local(2026, 12, 9, 18, 0) and r.extended_by == ["5wd"]
    r.note_progress(WJ_HANDLER, at(5), "已到现场")
    r.resolve(WJ_HANDLER, at(6), "已督促物业清理")
    r.send_back(DISPATCHER, at(7), "答复不完整")
    r.resolve(WJ_HANDLER, at(8), "已督促物业清理，并建立每周巡查")
    r.accept_reply(DISPATCHER, at(9), clock)
    r.follow_up(AGENT, at(10), solved=False, satisfaction=Satisfaction.UNSATISFIED)
    r.reopen(DISPATCHER, at(11), clock, "回访不满意")
    assert r.status == Status.DISPATCHED and r.round == 2 and r.lead_unit == "WJ"
    r.acknowledge(WJ_HANDLER, at(12))
    r.resolve(WJ_HANDLER, at(13), "已彻底解决")
    r.accept_reply(DISPATCHER, at(14), clock)
    r.follow_up(AGENT, at(15), solved=True, satisfaction=Satisfaction.SATISFIED)
    r.archive(SUPERVISOR, at(16))
    assert r.status == Status.ARCHIVED
    actions = [e.action for e in r.events]
    assert actions[0] == Action.REGISTER and actions[-1] == Action.ARCHIVE and len(actions) == 18
    assert [e.seq for e in r.events] == list(range(1, 19))
    assert r.events[1].changes["status"] == ["registered", "dispatched"]
    assert r.events[1].changes["lead_unit"] == [None, "WJ"]


def test_an_action_not_allowed_now_names_the_status_and_the_action(clock):
    r = new_request()
    with pytest.raises(IllegalTransition) as caught:
        r.resolve(WJ_HANDLER, at(1), "已办")
    assert "已受理" in caught.value.message and "办结答复" in caught.value.message
    assert len(r.events) == 1


def test_a_handler_of_another_unit_cannot_sign_for_the_case(clock):
    r = new_request()
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ")
    with pytest.raises(Forbidden):
        r.acknowledge(JX_HANDLER, at(1))
    assert r.status == Status.DISPATCHED


def test_a_return_is_reviewed_then_redispatched_with_fresh_deadlines(clock):
    r = new_request()
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ")
    r.return_(WJ_HANDLER, at(1), "不属于本辖区")
    assert r.status == Status.RETURN_PENDING and r.pending_return == "不属于本辖区"
    r.redispatch(DISPATCHER, at(26), clock, "JX", [], "地址核实在酒仙桥")
    assert r.lead_unit == "JX" and r.pending_return is None
    ended = [a for a in r.assignments if not a.active]
    assert ended[0].unit == "WJ" and ended[0].end_reason == "returned"
    assert r.lead.acknowledge_due > r.assignments[0].acknowledge_due


def test_a_returning_unit_may_name_the_unit_the_case_belongs_to_until_the_return_is_decided(clock):
    r = new_request()
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ")
    with pytest.raises(InvalidInput) as caught:
        r.return_(WJ_HANDLER, at(1), "不属于本辖区", proposed_unit="WJ")
    assert caught.value.field == "proposed_unit" and r.status == Status.DISPATCHED
    r.return_(WJ_HANDLER, at(1), "地址在酒仙桥辖区", proposed_unit="JX")
    assert r.proposed_unit == "JX" and r.events[-1].changes["proposed_unit"] == [None, "JX"]
    r.redispatch(DISPATCHER, at(2), clock, "JX", [], "按退单单位建议改派")
    assert r.proposed_unit is None  # decided
    r.return_(JX_HANDLER, at(3), "也不属于本辖区")
    assert r.proposed_unit is None  # this return named nobody


def test_a_rejected_return_goes_back_to_the_same_unit(clock):
    r = new_request()
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ")
    r.return_(WJ_HANDLER, at(1), "不属于本辖区")
    r.reject_return(DISPATCHER, at(2), "地址在望京辖区")
    assert r.status == Status.DISPATCHED and r.lead_unit == "WJ"


def test_a_correction_of_the_category_needs_its_reason_a_first_classification_does_not():
    unclassified = new_request(category=None)
    unclassified.reclassify(DISPATCHER, at(0.1), "WY1", "")
    assert unclassified.category == "WY1" and unclassified.events[-1].action == Action.RECLASSIFY
    with pytest.raises(InvalidInput) as caught:
        unclassified.reclassify(DISPATCHER, at(0.2), "WY2", " ")
    assert caught.value.field == "reason" and unclassified.category == "WY1"


def test_only_an_inquiry_can_be_answered_directly():
    with pytest.raises(InvalidInput):
        new_request().answer_directly(AGENT, at(0.1), "答复")
    inquiry = new_request(kind=RequestKind.INQUIRY)
    inquiry.answer_directly(AGENT, at(0.1), "公租房申请条件为……")
    assert inquiry.status == Status.ANSWERED


def test_merging_links_the_requester_and_both_cases_record_it(clock):
    master, repeat = new_request(), new_request(requester=Requester("李四", "13900001111"))
    master.id, repeat.id = 1, 2
    repeat.merge_into(DISPATCHER, at(0.5), master, "同一事项")
    assert repeat.status == Status.MERGED and repeat.master_id == 1 and master.merged_ids == [2]
    assert master.events[-1].action == Action.MERGE
    master.dispatch(DISPATCHER, at(1), clock, "WJ")
    master.acknowledge(WJ_HANDLER, at(2))
    master.resolve(WJ_HANDLER, at(3), "已处理")
    master.accept_reply(DISPATCHER, at(4), clock)
    with pytest.raises(InvalidInput):  # the case's own requester is called first
        master.follow_up(AGENT, at(5), True, Satisfaction.SATISFIED, requester_ref=2)
    master.follow_up(AGENT, at(5), True, Satisfaction.SATISFIED)
    master.follow_up(AGENT, at(6), True, Satisfaction.BASIC, requester_ref=2)
    with pytest.raises(IllegalTransition):
        master.follow_up(AGENT, at(7), True, Satisfaction.BASIC, requester_ref=2)
    assert [f.requester_ref for f in master.follow_ups] == [None, 2]


def test_unreasonable_needs_a_flag_and_an_approval(clock):
    r = new_request()
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ")
    with pytest.raises(IllegalTransition):
        r.approve_unreasonable(SUPERVISOR, at(1))
    r.flag_unreasonable(WJ_HANDLER, at(1), "诉求超出政策范围")
    with pytest.raises(Forbidden):
        r.approve_unreasonable(WJ_HANDLER, at(2))
    r.approve_unreasonable(SUPERVISOR, at(2))
    assert r.unreasonable == "approved"


def test_a_refused_unreasonable_claim_may_be_made_again_on_new_grounds(clock):
    r = new_request()
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ")
    with pytest.raises(IllegalTransition):
        r.refuse_unreasonable(SUPERVISOR, at(1), "理由不足")  # nothing to refuse
    r.flag_unreasonable(WJ_HANDLER, at(1), "诉求人要求赔偿，超出政策范围")
    with pytest.raises(Forbidden):
        r.refuse_unreasonable(DISPATCHER, at(2), "理由不足")
    with pytest.raises(InvalidInput) as no_reason:
        r.refuse_unreasonable(SUPERVISOR, at(2), "  ")
    assert no_reason.value.field == "reason" and r.unreasonable == "pending"
    r.refuse_unreasonable(SUPERVISOR, at(2), "物业维修属于承办范围，不属于不合理诉求")
    assert r.unreasonable == "none" and r.status == Status.DISPATCHED
    assert (r.events[-1].action, r.events[-1].note) == (Action.REFUSE_UNREASONABLE, "物业维修属于承办范围，不属于不合理诉求")
    r.flag_unreasonable(WJ_HANDLER, at(3), "诉求人已书面放弃")
    assert r.unreasonable == "pending"


def test_supervision_sets_its_own_deadline(clock):
    r = new_request()
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ")
    r.supervise(SUPERVISOR, at(1), clock, "超时未签收")
    assert r.supervise_due == local(2026, 11, 26, 18, 0) and r.supervision_count == 1


def test_a_requester_urges_once_a_day_and_only_while_a_unit_has_the_case(clock):
    from jiesu.domain.errors import ConflictError
    from jiesu.domain.request import Actor

    citizen = Actor("诉求人", Role.CITIZEN)
    r = new_request()
    with pytest.raises(IllegalTransition):
        r.urge(citizen, at(0.05))  # not dispatched yet: nobody to urge
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ")
    r.urge(citizen, at(1), "怎么还没人来")
    assert (r.status, r.events[-1].action, r.events[-1].note) == (Status.DISPATCHED, Action.URGE, "怎么还没人来")
    with pytest.raises(ConflictError) as error:
        r.urge(citizen, at(20))
    assert error.value.field == "urge" and "24 小时内只能催办一次" in error.value.message
    r.urge(AGENT, at(21), "市民来电催办")  # a call the agent records is always taken
    r.urge(citizen, at(25.5))  # a day later
    assert [e.action for e in r.events].count(Action.URGE) == 3
    with pytest.raises(Forbidden):
        r.urge(WJ_HANDLER, at(26))  # the unit does not urge itself


def test_a_requester_adds_to_the_case_until_the_unit_has_answered_and_only_so_often_on_the_portal(clock):
    from jiesu.domain.errors import ConflictError
    from jiesu.domain.request import SUPPLEMENTS, Actor

    citizen = Actor("诉求人", Role.CITIZEN)
    r = new_request()
    r.supplement(citizen, at(0.05), "忘了说：井盖在3号楼东侧")  # before dispatch too: the dispatcher reads it
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ")
    r.supplement(AGENT, at(0.5), "诉求人来电补充：晚上有人差点摔倒")
    assert (r.status, r.events[-1].action, r.events[-1].note) == (Status.DISPATCHED, Action.SUPPLEMENT,
                                                                   "诉求人来电补充：晚上有人差点摔倒")
    with pytest.raises(InvalidInput) as empty:
        r.supplement(citizen, at(0.6), "  ")
    assert empty.value.field == "note"
    with pytest.raises(Forbidden):
        r.supplement(WJ_HANDLER, at(0.7), "单位自己补充")  # the unit notes its progress instead
    for hour in range(1, SUPPLEMENTS):
        r.supplement(citizen, at(hour), f"第 {hour + 1} 次补充")
    with pytest.raises(ConflictError) as enough:
        r.supplement(citizen, at(10), "再补充")
    assert enough.value.field == "supplement" and "请拨打热线" in enough.value.message
    r.supplement(AGENT, at(11), "来电补充")  # what a caller tells an agent is always taken
    r.acknowledge(WJ_HANDLER, at(12))
    r.resolve(WJ_HANDLER, at(13), "已更换井盖")
    with pytest.raises(IllegalTransition):
        r.supplement(AGENT, at(14), "答复之后")  # answered: a new matter is a new case, a complaint the callback's
    assert [e.action for e in r.events].count(Action.SUPPLEMENT) == SUPPLEMENTS + 2


@pytest.mark.parametrize(("field", "overrides"), [
    ("content", {"content": "   "}),
    ("content", {"content": "字" * 10_001}),
    ("requester.phone", {"requester": Requester("张三", "12345")}),
    ("requester.phone", {"requester": Requester("张三", "138123456789")}),
    ("received_at", {"received_at": T0 + timedelta(hours=1)}),
    ("location.lat", {"location": Location("x", None, 91.0, 116.0)}),
    ("location.lon", {"location": Location("x", None, 39.9, None)}),
    ("title", {"title": "标" * 201}),
])
def test_bad_intake_is_refused_naming_the_field(field, overrides):
    with pytest.raises(InvalidInput) as caught:
        new_request(**overrides)
    assert caught.value.field == field


def test_content_of_exactly_ten_thousand_characters_is_accepted():
    assert len(new_request(content="字" * 10_000).content) == 10_000


@pytest.mark.parametrize("phone", ["13812345678", "+86 138 1234 5678", "010-12345678", "0755-1234567"])
def test_real_phone_formats_are_accepted(phone):
    assert new_request(requester=Requester("张三", phone)).requester.phone


@pytest.mark.parametrize(("typed", "stored"), [
    ("01012345678", "010-12345678"), ("010 1234 5678", "010-12345678"), ("(010)12345678", "010-12345678"),
    ("+86 138 1234 5678", "13812345678"), ("07551234567", "0755-1234567"), ("0755-12345678-801", "0755-12345678-801"),
    ("02087654321", "020-87654321")])
def test_a_number_is_kept_in_one_form_however_it_was_typed(typed, stored):
    assert validation.phone(typed) == stored


@pytest.mark.parametrize("typed", ["0101234", "010-123456789", "1381234567", "12345"])
def test_a_number_that_is_no_phone_number_is_refused_naming_the_field(typed):
    with pytest.raises(InvalidInput) as caught:
        validation.phone(typed, "requester_phone")
    assert caught.value.field == "requester_phone"


def test_an_action_dated_before_the_previous_one_is_refused(clock):
    r = new_request()
    with pytest.raises(InvalidInput) as caught:
        r.dispatch(DISPATCHER, T0 - timedelta(minutes=1), clock, "WJ")
    assert caught.value.field == "at"
    assert r.status == Status.REGISTERED and len(r.events) == 1


def test_a_unit_cannot_be_lead_and_co_handler_at_once(clock):
    with pytest.raises(InvalidInput):
        new_request().dispatch(DISPATCHER, at(0.1), clock, "WJ", ["WJ"])


EMERGENCY = SlaPolicy("紧急", Duration(0.5, "h"), Duration(1, "h"), Duration(2, "h"), Duration(1, "wd"),
                      Duration(4, "h"), urgency=Urgency.EMERGENCY)


def test_raising_the_urgency_of_a_dispatched_case_tightens_its_running_deadlines_and_never_loosens_them(clock):
    r = new_request()
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ", [], "")
    normal_due, acknowledge_due = r.resolve_due, r.lead.acknowledge_due
    urgent = SlaClock(EMERGENCY, builtin_calendar())
    r.change_urgency(AGENT, at(0.5), urgent, Urgency.EMERGENCY, "二次来电：燃气味更浓了")
    assert r.urgency == Urgency.EMERGENCY and r.status == Status.DISPATCHED
    assert r.resolve_due == at(2.5) < normal_due and r.sla_policy == "紧急"
    assert r.lead.acknowledge_due == min(acknowledge_due, at(1.0)) and r.lead.contact_due == at(1.5)
    event = r.events[-1]
    assert event.action == Action.CHANGE_URGENCY and event.note == "二次来电：燃气味更浓了"
    assert event.changes["urgency"] == ["normal", "emergency"] and "resolve_due" in event.changes
    # once a unit has it, an agent only raises it: a lower urgency would give the unit more time
    with pytest.raises(Forbidden) as refused:
        r.change_urgency(AGENT, at(0.6), clock, Urgency.NORMAL, "误判")
    assert refused.value.field == "urgency" and "派单员或督办核定" in refused.value.message
    with pytest.raises(InvalidInput):
        r.change_urgency(DISPATCHER, at(0.6), urgent, Urgency.EMERGENCY, "再升")  # already 紧急


def test_the_centre_lowers_a_dispatched_false_emergency_and_the_unit_gets_the_limits_it_should_have_had(clock):
    urgent = SlaClock(EMERGENCY, builtin_calendar())
    r = new_request(urgency=Urgency.EMERGENCY)
    r.dispatch(DISPATCHER, at(0.1), urgent, "WJ", [], "")
    assert r.lead.acknowledge_due == at(0.6) and r.resolve_due == at(2.1)
    r.acknowledge(WJ_HANDLER, at(1.5))  # late for an emergency, in time for the normal limit of 2 working hours
    r.change_urgency(SUPERVISOR, at(2), clock, Urgency.NORMAL, "核实为火锅店开业，并非火情")
    normal = new_request()
    normal.dispatch(DISPATCHER, at(0.1), clock, "WJ", [], "")  # the same case dispatched right
    assert r.urgency == Urgency.NORMAL and r.sla_policy == "默认"
    assert (r.lead.acknowledge_due, r.lead.contact_due, r.resolve_due) == \
        (normal.lead.acknowledge_due, normal.lead.contact_due, normal.resolve_due)
    assert r.lead.acknowledged_at <= r.lead.acknowledge_due  # not counted late any more
    changed = r.events[-1].changes
    assert changed["urgency"] == ["emergency", "normal"] and {"resolve_due", "acknowledge_due"} <= set(changed)


def test_a_deadline_already_nearer_than_the_new_urgency_allows_stays(clock):
    r = new_request()
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ", [], "")
    r.acknowledge(WJ_HANDLER, at(0.2))
    lenient = SlaPolicy("加急", Duration(2, "wh"), Duration(1, "wd"), Duration(30, "wd"), Duration(2, "wd"),
                        Duration(3, "wd"), urgency=Urgency.URGENT)
    due = r.resolve_due
    r.change_urgency(DISPATCHER, at(1), SlaClock(lenient, builtin_calendar()), Urgency.URGENT, "影响面扩大")
    assert r.urgency == Urgency.URGENT and r.resolve_due == due
    assert "resolve_due" not in r.events[-1].changes and "acknowledge_due" not in r.events[-1].changes


def test_before_dispatch_the_urgency_is_corrected_either_way_and_only_by_the_centre(clock):
    r = new_request(urgency=Urgency.EMERGENCY)
    r.change_urgency(DISPATCHER, at(0.1), clock, Urgency.NORMAL, "火锅店开业，并非火情")
    assert r.urgency == Urgency.NORMAL and r.resolve_due is None and r.status == Status.REGISTERED
    with pytest.raises(InvalidInput) as missing:
        r.change_urgency(DISPATCHER, at(0.2), clock, Urgency.URGENT, " ")
    assert missing.value.field == "reason"
    r.dispatch(DISPATCHER, at(0.3), clock, "WJ", [], "")
    with pytest.raises(Forbidden):
        r.change_urgency(WJ_HANDLER, at(0.4), clock, Urgency.URGENT, "现场更严重")
    r.acknowledge(WJ_HANDLER, at(0.5))
    r.resolve(WJ_HANDLER, at(0.6), "已处理")
    with pytest.raises(IllegalTransition):  # the unit has answered: nothing left to hurry
        r.change_urgency(DISPATCHER, at(0.7), clock, Urgency.URGENT, "再看")


def awaiting_callback(clock, **overrides) -> CitizenRequest:
    r = new_request(**overrides)
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ")
    r.acknowledge(WJ_HANDLER, at(0.2))
    r.resolve(WJ_HANDLER, at(0.3), "已处理")
    r.accept_reply(DISPATCHER, at(0.4), clock)
    return r


def test_a_requester_nobody_reaches_is_given_up_only_after_three_calls_hours_apart(clock):
    r = awaiting_callback(clock)
    with pytest.raises(Forbidden):
        r.callback_unanswered(WJ_HANDLER, at(1))  # the 回访台's work, not the unit's
    assert r.callback_unanswered(AGENT, at(1), "无人接听") == 1
    assert r.status == Status.AWAITING_FOLLOW_UP and r.pending_callbacks() == [None]
    assert r.callback_unanswered(AGENT, at(1.5), "关机") == 2
    with pytest.raises(IllegalTransition) as too_soon:
        r.callback_unreachable(AGENT, at(1.6))
    assert "本轮已拨打 2 次未接通" in too_soon.value.message and r.status == Status.AWAITING_FOLLOW_UP
    r.callback_unanswered(AGENT, at(2))
    with pytest.raises(IllegalTransition):  # three calls within an hour are not three tries at different times
        r.callback_unreachable(AGENT, at(2.1))
    r.callback_unanswered(AGENT, at(3.5), "无人接听")
    record = r.callback_unreachable(AGENT, at(3.6), "三个时段均未接通")
    assert r.status == Status.CLOSED and (record.solved, record.satisfaction) == (None, None)
    assert r.pending_callbacks() == [] and [e.action for e in r.events][-2:] == [
        Action.CALLBACK_UNANSWERED, Action.CALLBACK_UNREACHABLE]
    assert r.events[-1].changes["follow_up"][1] == {"reached": False, "unanswered_calls": 4, "requester_ref": None}
    with pytest.raises(IllegalTransition):
        r.callback_unanswered(AGENT, at(4))  # nobody left to call this round
    r.reopen(DISPATCHER, at(5), clock, "诉求人来电：问题仍未解决")
    r.acknowledge(WJ_HANDLER, at(6))
    r.resolve(WJ_HANDLER, at(7), "已再次处理")
    r.accept_reply(DISPATCHER, at(8), clock)
    assert r.unanswered_calls() == []  # a new round, new tries
    with pytest.raises(IllegalTransition):
        r.callback_unreachable(AGENT, at(9))


def test_a_merged_requester_nobody_reaches_is_given_up_after_the_cases_own(clock):
    master, repeat = new_request(), new_request(requester=Requester("李四", "13900001111"))
    master.id, repeat.id = 1, 2
    repeat.merge_into(DISPATCHER, at(0.05), master, "同一事项")
    master.dispatch(DISPATCHER, at(0.1), clock, "WJ")
    master.acknowledge(WJ_HANDLER, at(0.2))
    master.resolve(WJ_HANDLER, at(0.3), "已处理")
    master.accept_reply(DISPATCHER, at(0.4), clock)
    with pytest.raises(InvalidInput) as first_own:
        master.callback_unanswered(AGENT, at(1), requester_ref=2)
    assert first_own.value.field == "requester_ref"
    master.follow_up(AGENT, at(1), True, Satisfaction.SATISFIED)
    for hours in (2, 3, 5):
        master.callback_unanswered(AGENT, at(hours), "无人接听", requester_ref=2)
    assert master.unanswered_calls() == [] and len(master.unanswered_calls(2)) == 3
    master.callback_unreachable(AGENT, at(5.5), requester_ref=2)
    assert master.status == Status.CLOSED and master.pending_callbacks() == []
    assert [(f.requester_ref, f.satisfaction) for f in master.follow_ups] == [
        (None, Satisfaction.SATISFIED), (2, None)]


def test_the_centre_sets_how_many_unanswered_calls_make_a_requester_unreachable(clock):
    from jiesu.domain.assessment import AssessmentRules

    strict = AssessmentRules(callback_tries=2, callback_spread_hours=24)
    r = awaiting_callback(clock)
    r.callback_unanswered(AGENT, at(1))
    r.callback_unanswered(AGENT, at(5))
    with pytest.raises(IllegalTransition) as caught:
        r.callback_unreachable(AGENT, at(6), rules=strict)
    assert "至少 2 次（首末相隔 24 小时以上）" in caught.value.message
    r.callback_unanswered(AGENT, at(26))
    r.callback_unreachable(AGENT, at(27), rules=strict)
    assert r.status == Status.CLOSED


@pytest.mark.parametrize("kwargs", [{"callback_tries": 0}, {"callback_tries": 1.5}, {"callback_spread_hours": -1}])
def test_bad_callback_rules_are_refused_naming_the_field(kwargs):
    from jiesu.domain.assessment import AssessmentRules

    with pytest.raises(InvalidInput) as caught:
        AssessmentRules(**kwargs)
    assert caught.value.field == next(iter(kwargs))


def test_the_lead_unit_asks_the_requester_for_more_and_the_question_stays_open_until_they_add_to_it(clock):
    from jiesu.domain.request import Actor

    r = new_request()
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ", ["JX"])
    with pytest.raises(IllegalTransition):
        r.ask_supplement(WJ_HANDLER, at(0.2), "请提供具体楼号")  # not signed for yet
    r.acknowledge(WJ_HANDLER, at(0.5))
    with pytest.raises(Forbidden):
        r.ask_supplement(JX_HANDLER, at(0.6), "请提供具体楼号")  # the co-handler asks through the lead
    with pytest.raises(Forbidden):
        r.ask_supplement(AGENT, at(0.6), "请提供具体楼号")
    with pytest.raises(InvalidInput) as empty:
        r.ask_supplement(WJ_HANDLER, at(0.7), " ")
    assert empty.value.field == "note" and r.open_question() is None
    r.ask_supplement(WJ_HANDLER, at(1), "请提供具体楼号和垃圾堆放的位置")
    assert r.status == Status.IN_PROGRESS and r.open_question() == "请提供具体楼号和垃圾堆放的位置"
    r.note_progress(WJ_HANDLER, at(2), "等待诉求人补充")
    assert r.open_question() == "请提供具体楼号和垃圾堆放的位置"
    r.supplement(Actor("诉求人", Role.CITIZEN), at(3), "3号楼2单元门口")
    assert r.open_question() is None


def test_a_suggestion_is_answered_with_whether_it_was_adopted_and_nothing_else_is(clock):
    suggestion = new_request(kind=RequestKind.SUGGESTION)
    suggestion.dispatch(DISPATCHER, at(0.1), clock, "WJ")
    suggestion.acknowledge(WJ_HANDLER, at(1))
    with pytest.raises(InvalidInput) as missing:
        suggestion.resolve(WJ_HANDLER, at(2), "感谢您的建议")
    assert missing.value.field == "adoption" and suggestion.status == Status.IN_PROGRESS
    with pytest.raises(InvalidInput) as unknown:
        suggestion.resolve(WJ_HANDLER, at(2), "感谢您的建议", "大概采纳")
    assert unknown.value.field == "adoption" and "部分采纳" in unknown.value.message
    suggestion.resolve(WJ_HANDLER, at(2), "已纳入明年计划，先在两个小区试点", "部分采纳")
    assert suggestion.adoption == "partly" and suggestion.events[-1].changes["adoption"] == [None, "partly"]
    complaint = new_request()
    complaint.dispatch(DISPATCHER, at(0.1), clock, "WJ")
    complaint.acknowledge(WJ_HANDLER, at(1))
    with pytest.raises(InvalidInput) as wrong:
        complaint.resolve(WJ_HANDLER, at(2), "已清理", "adopted")
    assert wrong.value.field == "adoption" and "本件为「投诉」" in wrong.value.message


def test_a_community_reports_back_on_what_it_was_handed_and_the_subdistrict_may_take_it_back(clock):
    street = Actor("望京承办人", Role.HANDLER, "WJ", frozenset({"WJ01", "WJ02"}))
    community, other = Actor("望京西园社区", Role.HANDLER, "WJ01"), Actor("花家地社区", Role.HANDLER, "WJ02")
    r = new_request()
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ", ["JX"])  # 酒仙桥 named by the centre as a co-handler
    r.acknowledge(street, at(0.2))
    r.delegate(street, at(0.3), clock, "WJ01", "请社区核实")
    with pytest.raises(Forbidden) as refused:
        r.report_back(street, at(0.4), "主办单位不是协办")  # the lead answers the requester, it reports to nobody
    assert refused.value.field == "unit"
    with pytest.raises(Forbidden):
        r.report_back(other, at(0.4), "不在本件上")
    with pytest.raises(InvalidInput) as empty:
        r.report_back(community, at(0.4), "  ")
    assert empty.value.field == "note"
    r.report_back(community, at(0.5), "网格员已上门，楼道杂物已清")
    handed = next(a for a in r.co_handling() if a.unit == "WJ01")
    assert handed.reported_at == at(0.5) and r.status == Status.IN_PROGRESS
    assert r.events[-1].action == Action.REPORT_BACK and r.events[-1].changes == {"reported": [None, "WJ01"]}
    r.report_back(community, at(0.6), "补充：已告知物业每日巡查")  # again: the last report counts
    assert handed.reported_at == at(0.6)
    assert r.delegated_units == ["WJ01"]  # 酒仙桥 was named by the centre, not handed down
    with pytest.raises(InvalidInput) as not_handed:
        r.recall(street, at(0.7), "JX", "不需要了")  # the centre's co-handler is the centre's to change (改派)
    assert not_handed.value.field == "unit"
    with pytest.raises(Forbidden):
        r.recall(community, at(0.7), "WJ01", "社区不能收回")
    with pytest.raises(InvalidInput) as no_reason:
        r.recall(street, at(0.7), "WJ01", "")
    assert no_reason.value.field == "reason"
    r.recall(street, at(0.8), "WJ01", "派错社区，改由花家地社区核实")
    assert r.co_units == ["JX"] and r.delegated_units == []
    assert r.events[-1].changes["co_units"] == [["JX", "WJ01"], ["JX"]]
    with pytest.raises(Forbidden):
        r.note_progress(community, at(0.9), "已收回，不能再记")
    r.delegate(street, at(1.0), clock, "WJ02")  # handed to the right 社区 instead
    r.delegate(street, at(1.1), clock, "WJ01")  # and back to the first one, afresh: nothing reported yet
    assert [(a.unit, a.reported_at) for a in r.co_handling()] == [("JX", None), ("WJ02", None), ("WJ01", None)]
    r.resolve(street, at(2), "已处理")
    with pytest.raises(IllegalTransition):
        r.report_back(other, at(2.1), "办结后不再反馈")


def test_the_unit_gives_a_case_to_one_of_its_staff_and_a_redispatch_leaves_it_with_nobody(clock):
    li, wang = Actor("li", Role.HANDLER, "WJ"), Actor("wang", Role.HANDLER, "WJ")
    r = new_request()
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ")
    r.acknowledge(li, at(0.15))
    assert r.owner is None  # signing for it gives it to nobody: the unit's desk signs for everything
    r.assign_owner(li, at(0.2), "wang", "王负责物业类")
    assert r.owner == "wang" and r.events[-1].changes == {"owner": [None, "wang"]} and r.status == Status.IN_PROGRESS
    with pytest.raises(InvalidInput) as same:
        r.assign_owner(wang, at(0.4), "wang")
    assert same.value.field == "owner" and "已由 wang 承办" in str(same.value)
    with pytest.raises(InvalidInput) as nobody:
        r.assign_owner(wang, at(0.4), " ")
    assert nobody.value.field == "owner"
    with pytest.raises(Forbidden):
        r.assign_owner(JX_HANDLER, at(0.4), "zhao")  # not the lead unit
    with pytest.raises(Forbidden):
        r.assign_owner(DISPATCHER, at(0.4), "li")  # the centre does not know the unit's staff
    r.assign_owner(wang, at(0.5), "li")
    assert r.owner == "li" and r.events[-1].changes == {"owner": ["wang", "li"]}
    r.redispatch(DISPATCHER, at(0.7), clock, "JX", reason="属酒仙桥街道")
    assert r.owner is None  # a new unit: nobody there has it yet
    r.assign_owner(JX_HANDLER, at(0.8), "zhao")  # before signing for it, too
    assert r.status == Status.DISPATCHED and r.owner == "zhao"
    assert [a.owner for a in r.assignments] == ["li", "zhao"]  # each unit's own, kept


def test_a_co_handler_owes_its_report_by_the_policys_limit_never_after_the_leads_deadline():
    street = Actor("望京承办人", Role.HANDLER, "WJ", frozenset({"WJ01", "WJ02"}))
    calendar = builtin_calendar()
    with_limit = SlaClock(SlaPolicy("默认", Duration(2, "wh"), Duration(1, "wd"), Duration(7, "wd"), Duration(2, "wd"),
                                    Duration(3, "wd"), report=Duration(3, "wd")), calendar)
    r = new_request()
    r.dispatch(DISPATCHER, at(0.1), with_limit, "WJ", ["JX"])
    assert r.lead.report_due is None  # the lead answers by its 办结时限
    named = r.co_handling()[0]
    assert named.report_due == local(2026, 11, 26, 18, 0)  # 3 working days after Monday 23 Nov
    r.acknowledge(street, at(1))
    r.delegate(street, local(2026, 11, 30, 10, 0), with_limit, "WJ01")  # Monday: 3 working days reach past 2 Dec
    assert r.co_handling()[-1].report_due == r.resolve_due == local(2026, 12, 2, 18, 0)  # the lead's deadline caps it
    r.delegate(street, local(2026, 12, 3, 10, 0), with_limit, "WJ02")  # the case is late already: the limit alone
    assert r.co_handling()[-1].report_due == local(2026, 12, 8, 18, 0)

    without = SlaClock(POLICY, calendar)  # no `report` limit: by the lead's 办结时限; a late case, the 联系 limit
    s = new_request()
    s.dispatch(DISPATCHER, at(0.1), without, "WJ", ["JX"])
    assert s.co_handling()[0].report_due == s.resolve_due
    s.acknowledge(street, at(1))
    s.delegate(street, local(2026, 12, 3, 10, 0), without, "WJ01")
    assert s.co_handling()[-1].report_due == local(2026, 12, 4, 18, 0)


def test_a_co_handler_gives_its_own_part_to_one_of_its_staff_and_the_case_stays_the_leads(clock):
    street = Actor("望京承办人", Role.HANDLER, "WJ", frozenset({"WJ01"}))
    community = Actor("望京西园社区", Role.HANDLER, "WJ01")
    r = new_request()
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ")
    with pytest.raises(Forbidden) as not_on_it:
        r.assign_owner(community, at(0.2), "网格员甲")  # not handed to it yet
    assert not_on_it.value.field == "unit"
    r.acknowledge(street, at(0.3))
    r.assign_owner(street, at(0.4), "街道承办人乙")
    r.delegate(street, at(0.5), clock, "WJ01")
    r.assign_owner(community, at(0.6), "网格员甲", "请上门")
    assert r.owner == "街道承办人乙" and r.co_handling()[0].owner == "网格员甲"
    assert r.events[-1].changes == {"owner": [None, "网格员甲"], "co_unit": [None, "WJ01"]}
    with pytest.raises(InvalidInput):
        r.assign_owner(community, at(0.7), "网格员甲")  # has it already
    with pytest.raises(Forbidden):
        r.assign_owner(JX_HANDLER, at(0.7), "酒仙桥承办人")


def test_an_extension_gives_a_co_handler_owing_its_report_by_the_old_deadline_the_same_room():
    street = Actor("望京承办人", Role.HANDLER, "WJ", frozenset({"WJ01", "WJ02"}))
    clock = SlaClock(SlaPolicy("默认", Duration(2, "wh"), Duration(1, "wd"), Duration(7, "wd"), Duration(2, "wd"),
                               Duration(3, "wd"), report=Duration(3, "wd")), builtin_calendar())
    r = new_request()
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ")
    r.acknowledge(street, at(1))
    r.delegate(street, local(2026, 11, 24, 10, 0), clock, "WJ02")  # Tuesday: its own limit, 27 Nov, comes first
    r.delegate(street, local(2026, 11, 30, 10, 0), clock, "WJ01")  # Monday after: 3 working days reach past 2 Dec
    own, capped = r.co_handling()
    assert capped.report_due == r.resolve_due == local(2026, 12, 2, 18, 0) and own.report_due == local(2026, 11, 27, 18, 0)
    r.request_extension(street, local(2026, 11, 30, 11, 0), Duration(5, "wd"), "社区需协调物业")
    r.approve_extension(SUPERVISOR, local(2026, 11, 30, 12, 0), clock)
    assert r.resolve_due == local(2026, 12, 9, 18, 0)
    assert capped.report_due == local(2026, 12, 3, 18, 0)  # its own 3 working days, no longer cut short
    assert own.report_due == local(2026, 11, 27, 18, 0)  # never held by the lead's deadline: unchanged
    assert r.events[-1].changes["report_due"] == [{"WJ01": "2026-12-02T10:00:00+00:00"},  # in UTC, as every
                                                  {"WJ01": "2026-12-03T10:00:00+00:00"}]  # time in the changes


def test_a_sensitive_case_is_marked_and_cleared_by_the_centre_with_a_reason_until_its_callback(clock):
    r = new_request(sensitive="群体性（集体上访）")
    assert r.sensitive == "群体性（集体上访）" and r.events[0].changes["sensitive"] == [None, "群体性（集体上访）"]
    assert "sensitive" not in new_request().events[0].changes  # an ordinary case records nothing of it
    r.dispatch(DISPATCHER, at(0.1), clock, "WJ", [], "望京街道")
    with pytest.raises(Forbidden):
        r.change_sensitivity(WJ_HANDLER, at(0.2), False, "我们看不算")  # the unit cannot take it off its watch
    with pytest.raises(InvalidInput) as already:
        r.change_sensitivity(AGENT, at(0.2), True, "诉求人又来电说要找记者")
    assert already.value.field == "sensitive"
    with pytest.raises(InvalidInput) as bare:
        r.change_sensitivity(DISPATCHER, at(0.2), False, "  ")
    assert bare.value.field == "reason"
    r.change_sensitivity(DISPATCHER, at(0.3), False, "核实：只有诉求人一户")
    assert r.sensitive == "" and r.events[-1].changes["sensitive"] == ["群体性（集体上访）", ""]
    r.change_sensitivity(AGENT, at(0.4), True, "诉求人来电称已联系电视台")
    assert r.sensitive == "诉求人来电称已联系电视台" and r.status == Status.DISPATCHED
    assert [e.action for e in r.requester_steps] == [Action.REGISTER, Action.DISPATCH]  # never on their timeline
    r.acknowledge(WJ_HANDLER, at(1))
    r.resolve(WJ_HANDLER, at(2), "已协调开发商")
    r.accept_reply(DISPATCHER, at(3), clock)
    r.follow_up(AGENT, at(4), solved=True, satisfaction=Satisfaction.SATISFIED)
    with pytest.raises(IllegalTransition):  # called back: nothing left to watch
        r.change_sensitivity(DISPATCHER, at(5), False, "已结案")


def test_a_reason_for_sensitivity_longer_than_its_column_is_refused_naming_the_field():
    with pytest.raises(InvalidInput) as refused:
        new_request(sensitive="长" * 201)
    assert refused.value.field == "sensitive"


def test_a_sensitive_repeat_merged_into_its_master_leaves_the_master_marked_and_a_marked_master_keeps_its_reason():
    master, repeat = new_request(), new_request(sensitive="群体性（拉横幅）")
    master.id, repeat.id, repeat.ticket = 1, 2, "202611230000002"
    repeat.merge_into(DISPATCHER, at(0.5), master, "同一事项")
    assert master.sensitive == "并单 202611230000002：群体性（拉横幅）"  # still on the 督办台, through the master
    assert master.events[-1].changes["sensitive"] == ["", master.sensitive]
    marked, another = new_request(sensitive="舆情（找媒体）"), new_request(sensitive="群体性（静坐）")
    marked.id, another.id = 3, 4
    another.merge_into(DISPATCHER, at(0.5), marked, "同一事项")
    assert marked.sensitive == "舆情（找媒体）" and "sensitive" not in marked.events[-1].changes


def test_a_matter_of_an_emergency_line_alone_is_handed_over_before_dispatch_and_the_case_ends_there(clock):
    r = new_request(content="楼下两伙人正在打架，有人拿着刀")
    with pytest.raises(Forbidden):
        r.hand_over(WJ_HANDLER, at(0.1), "110")  # the centre passes it on, not a unit
    with pytest.raises(InvalidInput) as unknown:
        r.hand_over(AGENT, at(0.1), "911")
    assert unknown.value.field == "line" and r.status == Status.REGISTERED and len(r.events) == 1
    with pytest.raises(InvalidInput) as long_reference:
        r.hand_over(AGENT, at(0.1), "110", "号" * 51)
    assert long_reference.value.field == "reference" and len(r.events) == 1
    r.hand_over(AGENT, at(0.1), "110 报警", "接警员 0231", "三方转接，110 已派警")
    assert r.status == Status.HANDED_OVER and r.lead_unit is None and not r.assignments
    step = r.events[-1]
    assert step.action == Action.HAND_OVER and step.note == "110 报警（接警：接警员 0231）：三方转接，110 已派警"
    assert step.changes["line"] == [None, "110"] and step.changes["line_reference"] == [None, "接警员 0231"]
    assert [(t.line.value, t.reference, t.handed_over) for t in r.lines_told()] == [("110", "接警员 0231", True)]
    assert step in r.requester_steps  # the requester learns where their call went
    with pytest.raises(IllegalTransition):
        r.dispatch(DISPATCHER, at(0.2), clock, "WJ", [], "")  # ended: no unit gets it
    r.archive(SUPERVISOR, at(24))
    assert r.status == Status.ARCHIVED


def test_a_line_told_while_a_unit_handles_the_case_is_recorded_and_the_case_goes_on(clock):
    r = new_request(content="家里燃气味很重")
    r.alert_line(AGENT, at(0.05), "119")  # put through to 119, then dispatched to the gas company
    r.dispatch(AGENT, at(0.1), clock, "WJ", [], "")
    r.acknowledge(WJ_HANDLER, at(0.2))
    r.alert_line(DISPATCHER, at(0.3), "120", note="诉求人说家人头晕")
    assert r.status == Status.IN_PROGRESS
    assert [(t.line.value, t.reference, t.handed_over) for t in r.lines_told()] == [("119", "", False), ("120", "", False)]
    assert r.events[-1].note == "120 急救：诉求人说家人头晕"
    with pytest.raises(IllegalTransition):
        r.hand_over(AGENT, at(0.4), "119")  # a unit has it: handing the whole case away is no longer a choice
    with pytest.raises(Forbidden):
        r.alert_line(WJ_HANDLER, at(0.4), "119")


def test_another_systems_number_is_kept_and_anything_else_in_its_place_is_refused_naming_the_field():
    r = new_request(channel=Channel.POLICE, source_ref="J110105-20261201-0031")
    assert r.source_ref == "J110105-20261201-0031" and r.channel.label == "110 转来"
    assert r.events[0].changes["source_ref"] == [None, "J110105-20261201-0031"]
    assert "source_ref" not in new_request().events[0].changes
    for bad in ("警情 123", "<b>1</b>", "1" * 65, "-12"):
        with pytest.raises(InvalidInput) as refused:
            new_request(source_ref=bad)
        assert refused.value.field == "source_ref"
