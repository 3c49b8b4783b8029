"""短信通知: the 受理 message (ticket and tracking code) and the 办结 message (the reply) are written with what
they tell, to requesters with a mobile number; the worker sends them through the gateway, tries failures again
later, then gives up; each message is claimed by one worker; the case shows them."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from jiesu.bootstrap import App
from jiesu.domain.errors import Forbidden, InvalidInput
from jiesu.domain.notices import RETRY_AFTER, NoticeKind, NoticeStatus
from jiesu.domain.workflow import Action
from jiesu.services import access, cases, intake, notifications
from jiesu.services.cases import ActionInput, Intake
from jiesu.storage import tables as t
from tests.support import AGENT, DISPATCHER, JX_HANDLER, WJ_HANDLER, local

MOBILE = "13812345678"


def register(app: App, phone: str | None = MOBILE, **overrides):
    fields = dict(content="楼道堆物无人清理", kind="投诉", requester_phone=phone, division="WJ01", category="WY1")
    return intake.register(app, _principal(), Intake(**{**fields, **overrides}))


def _principal():
    from jiesu.domain.enums import Role
    from jiesu.services.users import Principal

    return Principal(AGENT.name, Role.AGENT)


def texts(app: App, request_id: int) -> list[tuple[str, str]]:
    """(kind, the text as it would be sent now) of each notice of the case."""
    with app.engine.connect() as c:
        rows = c.execute(select(t.notifications.c.id, t.notifications.c.kind)
                         .where(t.notifications.c.request_id == request_id).order_by(t.notifications.c.id)).all()
        return [(kind, notifications.text_of(app, c, notice_id)[1]) for notice_id, kind in rows]


class Gateway:
    """An SMS gateway behind httpx's mock transport: records what it was sent, answers with `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status, self.sent = status, []
        self.client = httpx.Client(transport=httpx.MockTransport(self.answer))

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.headers.get("authorization"), json.loads(request.content)))
        return httpx.Response(self.status, text="quota exceeded" if self.status >= 400 else "ok")

    def gateway(self, token: str = "") -> notifications.HttpSmsGateway:
        return notifications.HttpSmsGateway("http://sms.test/send", token, client=self.client)


def test_the_received_message_carries_the_ticket_and_the_code_that_opens_the_case(app):
    case, _, code = register(app)
    [(kind, text)] = texts(app, case.id)
    assert kind == NoticeKind.REGISTERED and case.ticket in text and f"查询码 {code}" in text
    assert text.startswith("【12345】您的诉求已受理")
    told = re.search(r"查询码 (\w+)", text).group(1)
    with app.engine.connect() as c:
        assert access.check_citizen_code(c, case.id, told)
    with app.engine.connect() as c:  # the code is encrypted at rest
        sealed = c.execute(select(t.notifications.c.code)).scalar()
    assert code.encode() not in sealed and app.cipher.decrypt(sealed) == code


def test_no_message_without_a_mobile_number_or_when_switched_off(app):
    assert texts(app, register(app, phone=None)[0].id) == []
    assert texts(app, register(app, phone="010-12345678")[0].id) == []  # a landline cannot take a text
    quiet = App(app.settings.model_copy(update={"notify_citizens": False}), clock=app.clock)
    assert texts(app, register(quiet)[0].id) == []


def test_the_answer_is_told_when_the_reply_is_accepted_and_to_merged_requesters_too(app, clock):
    master = register(app)[0].id
    merged = register(app, phone="13900001111")[0].id
    cases.perform(app, DISPATCHER, merged, Action.MERGE, ActionInput(master=master, reason="同一楼道"))
    cases.perform(app, DISPATCHER, master, Action.DISPATCH, ActionInput(unit="WJ"))
    cases.perform(app, WJ_HANDLER, master, Action.ACKNOWLEDGE, ActionInput())
    cases.perform(app, WJ_HANDLER, master, Action.RECORD_CONTACT, ActionInput(note="已电话联系"))
    cases.perform(app, WJ_HANDLER, master, Action.RESOLVE, ActionInput(reply="已清理楼道堆物，并告知物业每周巡查" * 20))
    assert [kind for kind, _ in texts(app, master)] == ["registered"]  # not yet: the reply is not accepted
    cases.perform(app, DISPATCHER, master, Action.ACCEPT_REPLY, ActionInput())
    for request_id in (master, merged):
        kind, text = texts(app, request_id)[-1]
        assert kind == "answered" and "办理结果：已清理楼道堆物" in text and text.count("已清理") < 20  # cut short
    cases.perform(app, AGENT, master, Action.FOLLOW_UP, ActionInput(solved=True, satisfaction="满意"))
    assert len(texts(app, master)) == 2  # told once


def test_an_extension_is_told_with_the_new_deadline_once_approved_to_merged_requesters_too(app, clock):
    master = register(app)[0].id
    merged = register(app, phone="13900001111")[0].id
    landline = register(app, phone="01062345678")[0].id  # not a mobile: nobody to text
    for other in (merged, landline):
        cases.perform(app, DISPATCHER, other, Action.MERGE, ActionInput(master=master, reason="同一楼道"))
    cases.perform(app, DISPATCHER, master, Action.DISPATCH, ActionInput(unit="WJ"))
    cases.perform(app, WJ_HANDLER, master, Action.ACKNOWLEDGE, ActionInput())
    cases.perform(app, WJ_HANDLER, master, Action.REQUEST_EXTENSION, ActionInput(duration="5wd", reason="需协调物业公司"))
    assert [kind for kind, _ in texts(app, master)] == ["registered"]  # asked for, not granted: nothing to tell
    cases.perform(app, DISPATCHER, master, Action.REFUSE_EXTENSION, ActionInput(reason="可在时限内办结"))
    cases.perform(app, WJ_HANDLER, master, Action.REQUEST_EXTENSION, ActionInput(duration="5wd", reason="需协调物业公司"))
    extended, _ = cases.perform(app, DISPATCHER, master, Action.APPROVE_EXTENSION, ActionInput(duration="5wd"))
    assert extended.resolve_due == local(2026, 12, 9, 18, 0)
    for request_id in (master, merged):
        kind, text = texts(app, request_id)[-1]
        assert kind == "extended" and "望京街道的办理时限延长至 2026-12-09 18:00" in text
        assert "需协调" not in text  # the unit's reason is its word to the centre
    assert [kind for kind, _ in texts(app, master)] == ["registered", "extended"]  # the refusal told nobody
    assert [kind for kind, _ in texts(app, landline)] == []


def test_an_inquiry_answered_on_the_phone_is_told_at_once(app):
    case, _, _ = intake.register(app, _principal(), Intake(content="公租房怎么申请", kind="咨询", requester_phone=MOBILE,
                                                           division="WJ01", category="WY1"),
                                 then=[(Action.ANSWER_DIRECTLY, ActionInput(reply="携带身份证到街道办理"))])
    assert [kind for kind, _ in texts(app, case.id)] == ["registered", "answered"]


def test_the_worker_sends_through_the_gateway_and_records_it(app):
    case, _, _ = register(app)
    fake = Gateway()
    done = notifications.deliver_due(app, fake.gateway("gw-token"))
    assert (done.sent, done.retrying, done.failed) == (1, 0, 0)
    [(auth, sent)] = fake.sent
    assert auth == "Bearer gw-token" and sent["to"] == MOBILE and case.ticket in sent["text"]
    assert sent["ref"].startswith("jiesu-")
    [notice] = notifications.for_case(app.engine.connect(), case.id)
    assert notice.status == NoticeStatus.SENT and notice.sent_at is not None and notice.attempts == 1
    assert notifications.deliver_due(app, fake.gateway()).sent == 0 and len(fake.sent) == 1  # sent once


def test_a_failed_message_is_tried_again_later_then_given_up(app, clock):
    case, _, _ = register(app)
    down = Gateway(status=503)
    assert notifications.deliver_due(app, down.gateway()).retrying == 1
    with app.engine.connect() as c:
        [notice] = notifications.for_case(c, case.id)
    assert notice.status == NoticeStatus.PENDING and notice.attempts == 1 and "HTTP 503 quota exceeded" in notice.last_error
    assert notifications.deliver_due(app, down.gateway()).retrying == 0  # not due yet
    for wait in RETRY_AFTER:
        clock.advance(seconds=wait.total_seconds())
        notifications.deliver_due(app, down.gateway())
    with app.engine.connect() as c:
        [notice] = notifications.for_case(c, case.id)
    assert notice.status == NoticeStatus.FAILED and notice.attempts == len(RETRY_AFTER) + 1
    assert len(down.sent) == len(RETRY_AFTER) + 1
    box = notifications.outbox(app)
    assert box.counts == {NoticeStatus.FAILED: 1} and box.recent_failures[0].ticket == case.ticket


def test_an_unreachable_gateway_is_a_failed_attempt_with_its_reason(app):
    case, _, _ = register(app)

    def refuse(request):
        raise httpx.ConnectError("connection refused")

    gateway = notifications.HttpSmsGateway("http://sms.test/send", client=httpx.Client(transport=httpx.MockTransport(refuse)))
    assert notifications.deliver_due(app, gateway).retrying == 1
    with app.engine.connect() as c:
        assert "短信网关无法连接：ConnectError" in notifications.for_case(c, case.id)[0].last_error


def test_each_message_is_claimed_by_one_worker_and_a_dead_workers_claim_expires(app, clock):
    register(app)
    assert len(notifications._claim(app, 10)) == 1
    assert notifications._claim(app, 10) == []  # another worker finds nothing to take
    clock.advance(seconds=notifications.STALE.total_seconds() + 1)
    assert len(notifications._claim(app, 10)) == 1  # the first worker never reported: sent again


def test_a_case_without_a_mobile_any_more_is_not_texted(app):
    case, _, _ = register(app)
    with app.engine.begin() as c:
        c.execute(update(t.requests).where(t.requests.c.id == case.id).values(requester_phone=None))
    fake = Gateway()
    assert notifications.deliver_due(app, fake.gateway()).cancelled == 1 and fake.sent == []


def test_no_gateway_configured_is_a_clear_error(app):
    with pytest.raises(InvalidInput) as error:
        notifications.gateway_from_settings(app)
    assert error.value.field == "JIESU_SMS_GATEWAY_URL"


def test_a_file_gateway_writes_the_messages_for_a_trial_run(app, tmp_path):
    case, _, code = register(app)
    trial = App(app.settings.model_copy(update={"sms_gateway_url": f"file://{tmp_path / 'sms.jsonl'}"}), clock=app.clock)
    assert notifications.deliver_due(trial, notifications.gateway_from_settings(trial)).sent == 1
    [line] = (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    written = json.loads(line)
    assert written["to"] == MOBILE and f"查询码 {code}" in written["text"] and case.ticket in written["text"]


def test_a_gateway_address_of_another_kind_is_refused(app):
    odd = App(app.settings.model_copy(update={"sms_gateway_url": "ftp://sms.example"}), clock=app.clock)
    with pytest.raises(InvalidInput) as error:
        notifications.gateway_from_settings(odd)
    assert error.value.field == "JIESU_SMS_GATEWAY_URL" and "file://" in error.value.message


def test_an_emergency_dispatched_is_texted_to_the_units_duty_phone(app):
    urgent = register(app, urgency="emergency", content="望京西园3号楼燃气泄漏，13912345678 张三报",
                      title="张三报：望京西园3号楼燃气泄漏 13912345678", requester_name="张三")[0]
    assert [kind for kind, _ in texts(app, urgent.id)] == ["registered"]
    cases.perform(app, DISPATCHER, urgent.id, Action.DISPATCH, ActionInput(unit="WJ"))
    [(kind, text)] = texts(app, urgent.id)[1:]
    assert kind == "urgent_dispatch" and f"紧急工单 {urgent.ticket} 已派至望京街道" in text
    assert "张*报：望京西园3号楼燃气泄漏 139****5678（望京西园社区）。请立即签收处置" in text and "张三" not in text
    fake = Gateway()
    assert notifications.deliver_due(app, fake.gateway()).sent == 2
    assert sorted(m["to"] for _, m in fake.sent) == [MOBILE, "13900000001"]  # the requester; the unit's duty phone
    cases.perform(app, DISPATCHER, urgent.id, Action.REDISPATCH, ActionInput(unit="RLJ", reason="供热管线"))
    assert "已派至热力集团" in texts(app, urgent.id)[-1][1]  # the new lead unit is told too


def test_an_emergency_is_texted_to_whoever_of_the_unit_is_on_duty_by_the_roster(app, clock):
    from jiesu.domain.enums import Role
    from jiesu.services import duty_roster
    from jiesu.services.users import Principal

    keeper = Principal("督办王", Role.SUPERVISOR)
    now = clock()
    duty_roster.add(app, keeper, "JX", now - timedelta(hours=1), now + timedelta(hours=12), "赵值班", "13900000005")
    duty_roster.add(app, keeper, "WJ", now + timedelta(hours=2), now + timedelta(hours=14), "钱值班", "13900000006")
    at_jx = register(app, urgency="emergency", content="大山子燃气泄漏", division="JX01")[0]
    cases.perform(app, DISPATCHER, at_jx.id, Action.DISPATCH, ActionInput(unit="JX"))  # no standing duty phone
    at_wj = register(app, urgency="emergency", content="望京西园燃气泄漏")[0]
    cases.perform(app, DISPATCHER, at_wj.id, Action.DISPATCH, ActionInput(unit="WJ"))  # its shift not begun yet
    fake = Gateway()
    notifications.deliver_due(app, fake.gateway())
    told = {m["to"] for _, m in fake.sent if "紧急工单" in m["text"]}
    assert told == {"13900000005", "13900000001"}  # JX's shift; WJ's standing phone
    clock.advance(hours=3)  # nobody signed for either; WJ's shift has begun: the reminders go to those on duty
    from jiesu.services.sla_scan import scan

    scan(app)
    fake = Gateway()
    notifications.deliver_due(app, fake.gateway())
    assert sorted(m["to"] for _, m in fake.sent) == ["13900000005"] * 2 + ["13900000006"] * 2  # 未签收, 超期
    clock.advance(hours=12)  # every shift over: JX has nobody to text
    other = register(app, urgency="emergency", content="大山子楼道起火", division="JX01")[0]
    cases.perform(app, DISPATCHER, other.id, Action.DISPATCH, ActionInput(unit="JX"))
    assert [kind for kind, _ in texts(app, other.id)] == ["registered"]


def test_a_case_raised_to_emergency_while_a_unit_has_it_alerts_the_unit_and_its_deadlines_tighten(app):
    case = register(app)[0]
    dispatched, _ = cases.perform(app, DISPATCHER, case.id, Action.DISPATCH, ActionInput(unit="WJ"))
    cases.perform(app, AGENT, case.id, Action.CHANGE_URGENCY, ActionInput(urgency="urgent", reason="堆物堵住消防通道"))
    assert [kind for kind, _ in texts(app, case.id)] == ["registered"]  # 加急: no alert
    raised, _ = cases.perform(app, AGENT, case.id, Action.CHANGE_URGENCY,
                              ActionInput(urgency="紧急", reason="二次来电：堆物起火冒烟"))
    assert [kind for kind, _ in texts(app, case.id)] == ["registered", "urgent_dispatch"]
    assert "已派至望京街道" in texts(app, case.id)[-1][1]
    again = cases.show(app, case.id)  # as stored
    assert again.urgency.value == "emergency" and again.resolve_due == raised.events[-1].at + timedelta(hours=2)
    assert again.resolve_due < dispatched.resolve_due and again.sla_policy == "紧急"
    with pytest.raises(Forbidden) as refused:  # down, once dispatched, by an agent: refused, nothing written
        cases.perform(app, AGENT, case.id, Action.CHANGE_URGENCY, ActionInput(urgency="normal", reason="误报"))
    assert refused.value.field == "urgency"
    assert cases.show(app, case.id).version == again.version and len(texts(app, case.id)) == 2
    lowered, _ = cases.perform(app, DISPATCHER, case.id, Action.CHANGE_URGENCY,  # the centre's finding: no text
                               ActionInput(urgency="normal", reason="核实：并非起火"))
    assert lowered.resolve_due == dispatched.resolve_due and len(texts(app, case.id)) == 2
    with pytest.raises(InvalidInput) as unknown:
        cases.perform(app, DISPATCHER, case.id, Action.CHANGE_URGENCY, ActionInput(urgency="very", reason="x"))
    assert unknown.value.field == "urgency"


def test_an_ordinary_case_or_a_unit_without_a_duty_phone_gets_no_dispatch_text(app):
    ordinary = register(app)[0]
    cases.perform(app, DISPATCHER, ordinary.id, Action.DISPATCH, ActionInput(unit="WJ"))
    no_phone = register(app, urgency="emergency", division="JX01")[0]
    cases.perform(app, DISPATCHER, no_phone.id, Action.DISPATCH, ActionInput(unit="JX"))
    assert [kind for kind, _ in texts(app, ordinary.id) + texts(app, no_phone.id)] == ["registered", "registered"]


def test_an_emergency_registered_and_dispatched_at_once_alerts_the_unit_too(app):
    case, _, _ = intake.register(app, _principal(), Intake(content="3号楼燃气泄漏", kind="求助", urgency="emergency",
                                                           requester_phone=MOBILE, division="WJ01", category="WY1"),
                                 then=[(Action.DISPATCH, ActionInput(unit="WJ"))])
    assert [kind for kind, _ in texts(app, case.id)] == ["registered", "urgent_dispatch"]


def test_the_worker_keeps_delivering_and_survives_an_error_when_told_to(app, monkeypatch):
    class Stop(Exception):
        pass

    register(app)
    rounds, errors, fake = [], [], Gateway()
    real = notifications.deliver_due
    calls = iter([RuntimeError("database gone for a moment"), None, None])

    def flaky(*args, **kwargs):
        failure = next(calls)
        if failure:
            raise failure
        return real(*args, **kwargs)

    def sleep(seconds):
        if len(rounds) == 2:
            raise Stop

    monkeypatch.setattr(notifications, "deliver_due", flaky)
    monkeypatch.setattr(notifications.time, "sleep", sleep)
    with pytest.raises(Stop):
        notifications.keep_delivering(app, fake.gateway(), 5, rounds.append, on_error=errors.append)
    assert [str(e) for e in errors] == ["database gone for a moment"]
    assert [done.sent for done in rounds] == [1, 0] and len(fake.sent) == 1
    calls = iter([RuntimeError("again")])
    with pytest.raises(RuntimeError):  # without on_error an error stops the worker
        notifications.keep_delivering(app, fake.gateway(), 5, rounds.append)


def test_an_emergency_not_signed_for_in_time_texts_the_unit_again_once(app, clock):
    from jiesu.services.sla_scan import scan

    urgent = register(app, urgency="emergency", content="3号楼燃气泄漏")[0]
    ordinary = register(app, content="楼道灯坏了")[0]
    for case in (urgent, ordinary):
        cases.perform(app, DISPATCHER, case.id, Action.DISPATCH, ActionInput(unit="WJ"))
    clock.advance(minutes=20)
    scan(app)  # within the limit (half an hour): nothing
    assert [kind for kind, _ in texts(app, urgent.id)] == ["registered", "urgent_dispatch"]
    clock.advance(minutes=20)
    scan(app, record=False)  # a dry run records and sends nothing
    assert len(texts(app, urgent.id)) == 2
    scan(app)
    kind, text = texts(app, urgent.id)[-1]
    assert kind == "urgent_reminder" and f"紧急工单 {urgent.ticket} 已超过签收时限，望京街道仍未签收" in text
    scan(app)  # once per breach
    assert [kind for kind, _ in texts(app, urgent.id)].count("urgent_reminder") == 1
    clock.advance(days=2)
    scan(app)  # the ordinary case is late too, but it is no emergency
    assert [kind for kind, _ in texts(app, ordinary.id)] == ["registered"]


def test_a_unit_is_told_once_when_a_case_nears_its_deadline_and_once_when_it_is_past_it(app, clock):
    from jiesu.services.sla_scan import scan

    case = register(app, content="楼道堆物无人清理")[0]
    dispatched, _ = cases.perform(app, DISPATCHER, case.id, Action.DISPATCH, ActionInput(unit="WJ"))
    other = register(app, division="JX01")[0]  # 酒仙桥街道 has no duty phone: nobody to tell
    cases.perform(app, DISPATCHER, other.id, Action.DISPATCH, ActionInput(unit="JX"))
    scan(app)
    assert [kind for kind, _ in texts(app, case.id)] == ["registered"]  # days to go
    clock.advance(seconds=(dispatched.resolve_due - clock()).total_seconds() - 3600)  # an hour before
    scan(app, record=False)  # a dry run tells nobody
    assert len(texts(app, case.id)) == 1
    scan(app)
    scan(app)  # once per deadline
    kind, text = texts(app, case.id)[-1]
    assert [k for k, _ in texts(app, case.id)] == ["registered", "due_soon"]
    assert f"工单 {case.ticket} 将于 2026-12-02 18:00 到办结时限，望京街道尚未办结" in text and "申请延期" in text
    clock.advance(hours=2)
    scan(app)
    scan(app)  # once per breach
    kind, text = texts(app, case.id)[-1]
    assert [k for k, _ in texts(app, case.id)] == ["registered", "due_soon", "overdue"]
    assert f"工单 {case.ticket} 已超过办结时限（2026-12-02 18:00），望京街道仍未办结" in text
    assert [kind for kind, _ in texts(app, other.id)] == ["registered"]
    fake = Gateway()
    notifications.deliver_due(app, fake.gateway())
    assert [m["to"] for _, m in fake.sent].count("13900000001") == 2  # the duty phone, twice


def test_a_deadline_moved_by_an_extension_is_told_again_when_it_nears(app, clock):
    from jiesu.services.sla_scan import scan

    case = register(app)[0]
    dispatched, _ = cases.perform(app, DISPATCHER, case.id, Action.DISPATCH, ActionInput(unit="WJ"))
    cases.perform(app, WJ_HANDLER, case.id, Action.ACKNOWLEDGE, ActionInput())
    clock.advance(seconds=(dispatched.resolve_due - clock()).total_seconds() - 3600)
    scan(app)
    cases.perform(app, WJ_HANDLER, case.id, Action.REQUEST_EXTENSION, ActionInput(duration="5wd", reason="待采购"))
    extended, _ = cases.perform(app, DISPATCHER, case.id, Action.APPROVE_EXTENSION, ActionInput(duration="5wd"))
    scan(app)
    assert [k for k, _ in texts(app, case.id)] == ["registered", "due_soon", "extended"]  # the new deadline is far
    clock.advance(seconds=(extended.resolve_due - clock()).total_seconds() - 1800)
    scan(app)
    assert [k for k, _ in texts(app, case.id)] == ["registered", "due_soon", "extended", "due_soon"]


def test_a_breach_found_long_after_it_happened_is_recorded_without_a_text(app, clock):
    from jiesu.services.sla_scan import scan

    case = register(app)[0]
    cases.perform(app, DISPATCHER, case.id, Action.DISPATCH, ActionInput(unit="WJ"))
    clock.advance(days=30)  # nobody ran the scan meanwhile
    overdue = [item for item in scan(app) if item.request_id == case.id and item.limit == "resolve"]
    assert overdue and overdue[0].newly_recorded
    assert [kind for kind, _ in texts(app, case.id)] == ["registered"]


def test_the_units_question_is_texted_to_the_requester_and_only_to_a_mobile(app):
    case = register(app)[0]
    landline = register(app, phone="010-12345678")[0]
    for c in (case, landline):
        cases.perform(app, DISPATCHER, c.id, Action.DISPATCH, ActionInput(unit="WJ"))
        cases.perform(app, WJ_HANDLER, c.id, Action.ACKNOWLEDGE, ActionInput())
        cases.perform(app, WJ_HANDLER, c.id, Action.ASK_SUPPLEMENT, ActionInput(note="请提供具体楼号和堆物位置"))
    kind, text = texts(app, case.id)[-1]
    assert kind == "question" and f"（工单号 {case.ticket}）承办单位请您补充：请提供具体楼号和堆物位置。" in text
    assert [k for k, _ in texts(app, landline.id)] == []  # a landline gets no text (nor the 受理 one)


def test_a_co_handler_that_has_not_reported_back_is_told_once_near_its_limit_and_once_past_it(app, clock):
    from jiesu.services.sla_scan import scan

    case = register(app)[0]
    dispatched, _ = cases.perform(app, DISPATCHER, case.id, Action.DISPATCH,
                                  ActionInput(unit="JX", co_units=["WJ", "RLJ"]))  # both with a duty phone
    owed = {a.unit: a.report_due for a in dispatched.co_handling()}
    assert owed["WJ"] == owed["RLJ"] < dispatched.resolve_due  # the fixture's 默认: report within 3 working days
    cases.perform(app, JX_HANDLER, case.id, Action.ACKNOWLEDGE, ActionInput())  # co-handlers report once signed for
    scan(app)
    assert [kind for kind, _ in texts(app, case.id)] == ["registered"]  # three working days off: nothing to tell
    clock.advance(seconds=(owed["WJ"] - clock()).total_seconds() - 3600)
    assert sorted((i.unit, i.overdue) for i in scan(app) if i.limit == "report") == [("RLJ", False), ("WJ", False)]
    scan(app)  # once per deadline
    near = texts(app, case.id)
    assert [kind for kind, _ in near] == ["registered", "report_due_soon", "report_due_soon"]
    assert all(f"工单 {case.ticket} 由" in text and "须于 2026-11-26 18:00 前向主办单位酒仙桥街道反馈，尚未反馈" in text
               and "请在时限前在承办箱「协办待反馈」中反馈" in text for _, text in near[1:])
    clock.advance(minutes=62)
    late = sorted((i.unit, i.newly_recorded) for i in scan(app) if i.limit == "report")
    assert late == [("RLJ", True), ("WJ", True)]  # each co-handler's own breach, the same deadline
    scan(app)  # once per breach
    told = texts(app, case.id)[3:]
    assert [kind for kind, _ in told] == ["report_overdue", "report_overdue"]
    assert all(f"工单 {case.ticket} 由" in text and "协办反馈时限（2026-11-26 18:00）已过，尚未向主办单位酒仙桥街道反馈"
               in text and "协办待反馈" in text for _, text in told)
    assert {text.split("由")[1].split("协办")[0] for _, text in told} == {"望京街道", "热力集团"}
    cases.perform(app, WJ_HANDLER, case.id, Action.REPORT_BACK, ActionInput(note="已核实，楼道已清理"))
    assert [i.unit for i in scan(app) if i.limit == "report"] == ["RLJ"]  # reported: no longer owed
    fake = Gateway()
    notifications.deliver_due(app, fake.gateway())
    assert sorted(m["to"] for _, m in fake.sent if "协办反馈时限" in m["text"]) == ["13900000001", "13900000002"]
    assert sorted(m["to"] for _, m in fake.sent if "尚未反馈" in m["text"]) == ["13900000001", "13900000002"]


def test_a_sensitive_case_is_reported_to_whoever_leads_the_centres_shift_and_a_case_marked_later_too(app, clock):
    from jiesu.domain.enums import Role
    from jiesu.services import duty_roster
    from jiesu.services.users import Principal

    quiet = register(app, content="楼道灯坏了")[0]
    assert [kind for kind, _ in texts(app, quiet.id)] == ["registered"]  # the centre has no duty phone: nothing
    now = clock()
    duty_roster.add(app, Principal("督办王", Role.SUPERVISOR), "CENTRE", now - timedelta(hours=1),
                    now + timedelta(hours=11), "值班长孙", "13900000009")
    protest = register(app, content="张三等二十多户业主明天到区政府拉横幅", requester_name="张三",
                       sensitive="张三称已联系记者，记者电话13912345678")[0]
    [(kind, text)] = texts(app, protest.id)[1:]
    assert kind == "sensitive" and f"敏感诉求 {protest.ticket}（张*称已联系记者，记者电话139****5678）" in text
    assert "张三" not in text and "13912345678" not in text and "请值班领导关注" in text
    cases.perform(app, DISPATCHER, quiet.id, Action.CHANGE_SENSITIVITY,
                  ActionInput(sensitive=True, reason="诉求人再次来电称要进京上访"))
    assert texts(app, quiet.id)[-1][0] == "sensitive" and "进京上访" in texts(app, quiet.id)[-1][1]
    cases.perform(app, DISPATCHER, quiet.id, Action.CHANGE_SENSITIVITY, ActionInput(sensitive=False, reason="核实"))
    assert [kind for kind, _ in texts(app, quiet.id)] == ["registered", "sensitive"]  # clearing tells nobody
    fake = Gateway()
    delivered = notifications.deliver_due(app, fake.gateway())
    assert [m["to"] for _, m in fake.sent if "敏感诉求" in m["text"]] == ["13900000009"]  # the protest's only:
    assert delivered.cancelled == 1  # the report of the case cleared before it went is not sent


def test_a_requester_who_wrote_in_is_told_their_case_went_to_an_emergency_line_and_a_caller_is_not(app):
    sent, _, _ = register(app, channel="app", content="楼下两伙人正在打架，有人拿刀")
    cases.perform(app, DISPATCHER, sent.id, Action.HAND_OVER, ActionInput(line="110", reference="0231"))
    assert texts(app, sent.id)[-1] == (NoticeKind.HANDED_OVER.value, (
        f"【12345】您反映的问题（工单号 {sent.ticket}）属于 110 报警的处置范围，已转 110 报警，本热线不再另行派单。"
        "情况紧急或有变化，请直接拨打 110。"))
    called, _, _ = register(app, content="楼下两伙人正在打架")  # on the phone: the agent put them through
    cases.perform(app, AGENT, called.id, Action.HAND_OVER, ActionInput(line="110"))
    assert [kind for kind, _ in texts(app, called.id)] == [NoticeKind.REGISTERED.value]
    told, _, _ = register(app, channel="web", content="燃气味很重")  # told to 119, still the unit's: no such text
    cases.perform(app, DISPATCHER, told.id, Action.ALERT_LINE, ActionInput(line="119"))
    assert [kind for kind, _ in texts(app, told.id)] == [NoticeKind.REGISTERED.value]
