"""Personal data removed after its keeping period: finished cases before the date lose the requester's name, phone
and tracking code, and the personal data written about them is masked; the cases, their steps and callbacks stay;
open cases, 信访件 and later cases are untouched; every batch is one transaction with its audit line."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from jiesu.api.views import case_view
from jiesu.domain.enums import Role
from jiesu.domain.errors import InvalidInput
from jiesu.domain.workflow import Action, Status
from jiesu.services import audit, cases, intake, petitions, retention
from jiesu.services.cases import ActionInput, Intake
from jiesu.services.users import Principal
from jiesu.storage import tables as t
from tests.support import AGENT, DISPATCHER, png

TEXT = "我叫张三，身份证11010519491231002X，请回电13912345678，问公租房申请条件"


def inquiry(app, **overrides) -> int:
    fields = dict(content=TEXT, kind="咨询", requester_name="张三", requester_phone="13812345678",
                  division="WJ01", category="WY1")
    return cases.register(app, AGENT, Intake(**{**fields, **overrides})).id


def answered(app, clock) -> int:
    request_id = inquiry(app, sensitive="张三来电称要找记者，记者电话13912345678")
    clock.advance(minutes=5)
    cases.perform(app, AGENT, request_id, Action.ANSWER_DIRECTLY,
                  ActionInput(reply="张三您好，已短信发送到13912345678，请查收"))
    return request_id


def row(app, request_id):
    with app.engine.connect() as c:
        return c.execute(select(t.requests).where(t.requests.c.id == request_id)).one()


def test_finished_cases_before_the_date_lose_their_personal_data_and_keep_the_rest(app, clock):
    old = answered(app, clock)
    still_open = inquiry(app, kind="投诉")
    cases.perform(app, DISPATCHER, still_open, Action.DISPATCH, ActionInput(unit="WJ"))
    petition = answered(app, clock)
    petitions.open_petition(app, "信访科", petition, date(2026, 11, 23))
    clock.advance(days=2)
    later = answered(app, clock)
    before = row(app, old)
    assert retention.count_due(app, date(2026, 11, 24)) == 1

    done = retention.anonymise(app, date(2026, 11, 24), "管理员甲")
    assert (done.cases, done.batches) == (1, 1)
    case = cases.show(app, old)
    assert case.requester.name == "" and case.requester.phone is None and case.status == Status.ANSWERED
    assert "张三" not in case.content and "张*" in case.content and "13912345678" not in case.content
    assert "11010519491231002X" not in case.content and "公租房申请条件" in case.content  # the matter stays
    assert "13912345678" not in case.reply and "张三" not in case.reply
    assert case.sensitive == "张*来电称要找记者，记者电话139****5678"  # still one, the people in it masked
    shown = case_view(case, Principal("坐席", Role.AGENT))
    assert shown["anonymised_at"] and shown["may_reveal"] is False  # nothing left to reveal
    assert all("13912345678" not in str(e.changes) and "张三" not in e.note for e in case.events)
    assert [e.action for e in case.events] == [e.action for e in cases.show(app, later).events]  # the steps stay
    after = row(app, old)
    assert after.requester_key is None and after.anonymised_at is not None and after.version == before.version + 1
    with app.engine.connect() as c:
        assert c.execute(select(t.citizen_access).where(t.citizen_access.c.request_id == old)).first() is None
        assert c.execute(select(t.notifications).where(t.notifications.c.request_id == old)).first() is None
        assert c.execute(select(t.notifications).where(t.notifications.c.request_id == later)).first() is not None
    for untouched in (still_open, petition, later):
        assert cases.show(app, untouched).requester.phone == "13812345678"
    [line], _ = audit.entries(app, audit.AuditQuery(action="retention"))
    assert line.actor == "管理员甲"
    assert line.detail == {"cases": 1, "attachments": 0, "received_before": "2026-11-24"}
    assert retention.anonymise(app, date(2026, 11, 24), "管理员甲").cases == 0  # nothing is done twice


def test_photos_and_picture_addresses_of_anonymised_cases_are_deleted(app, clock):
    agent = Principal(AGENT.name, Role.AGENT)
    photo = png()
    old = intake.register(app, agent, Intake(content=TEXT, kind="咨询", requester_phone="13812345678",
                                             division="WJ01", category="WY1"), photos=[photo])[0].id
    hosted = intake.register(app, agent, Intake(content=TEXT, kind="咨询", division="WJ01", category="WY1"),
                             media_url="https://example.org/photos/13812345678.jpg")[0].id
    for request_id in (old, hosted):
        cases.perform(app, AGENT, request_id, Action.ANSWER_DIRECTLY, ActionInput(reply="已答复"))
    clock.advance(days=2)
    kept = intake.register(app, agent, Intake(content=TEXT, kind="咨询", division="WJ01", category="WY1"),
                           photos=[photo])[0].id
    cases.perform(app, AGENT, kept, Action.ANSWER_DIRECTLY, ActionInput(reply="已答复"))

    done = retention.anonymise(app, clock().date() - timedelta(days=1), "管理员甲")
    assert (done.cases, done.attachments) == (2, 2)
    with app.engine.connect() as c:
        left = c.execute(select(t.attachments.c.request_id)).scalars().all()
    assert left == [kept]  # the later case keeps its photo
    [line], _ = audit.entries(app, audit.AuditQuery(action="retention"))
    assert line.detail["attachments"] == 2


def test_each_batch_is_one_transaction_with_its_audit_line(app, clock, monkeypatch):
    for _ in range(3):
        answered(app, clock)
    clock.advance(days=1)
    monkeypatch.setattr(retention, "BATCH", 2)
    seen = []
    done = retention.anonymise(app, date(2026, 11, 24), "admin", progress=seen.append)
    assert (done.cases, done.batches, seen) == (3, 2, [2, 1])
    assert audit.entries(app, audit.AuditQuery(action="retention.anonymise"))[1] == 2


def test_a_date_after_today_is_refused(app):
    with pytest.raises(InvalidInput) as error:
        retention.anonymise(app, date(2026, 12, 1), "admin")
    assert error.value.field == "before"


def test_a_merged_case_waits_for_its_master_whose_callback_still_calls_its_requester(app, clock):
    master = inquiry(app, kind="投诉")
    clock.advance(minutes=10)
    repeat = inquiry(app, kind="投诉", requester_name="李四", requester_phone="13900001111")
    cases.perform(app, DISPATCHER, repeat, Action.MERGE, ActionInput(master=master, reason="同一事项"))
    clock.advance(days=1)
    assert retention.anonymise(app, date(2026, 11, 24), "admin").cases == 0  # the master is still open
    assert cases.show(app, repeat).requester.phone == "13900001111"
    with app.engine.begin() as c:  # the master finished (its whole workflow is tested elsewhere)
        c.execute(t.requests.update().where(t.requests.c.id == master).values(status=Status.ARCHIVED.value))
    assert retention.anonymise(app, date(2026, 11, 24), "admin").cases == 2


def test_the_callers_numbers_of_old_calls_go_unless_a_case_on_the_call_keeps_its_requesters(app, clock):
    from datetime import timedelta

    from jiesu.services import calls

    def heard(ref: str) -> dict:
        return {"ref": ref, "caller": "13812345678", "offered_at": clock() - timedelta(minutes=30),
                "answered_at": clock() - timedelta(minutes=29), "ended_at": clock() - timedelta(minutes=25),
                "agent": "坐席甲"}

    calls.receive(app, [heard("C-done"), heard("C-open"), heard("C-alone")], "话务系统")
    finished = answered(app, clock)
    still_open = inquiry(app, kind="投诉", call_ref="C-open")
    with app.engine.begin() as c:
        calls.link(c, "C-done", finished)
    clock.advance(days=2)
    done = retention.anonymise(app, date(2026, 11, 24), "管理员甲")
    assert (done.cases, done.calls) == (1, 2)
    with app.engine.connect() as c:
        kept = dict(c.execute(select(t.calls.c.ref, t.calls.c.caller_phone)).all())
        agents = set(c.execute(select(t.calls.c.agent)).scalars())
    assert kept["C-done"] is None and kept["C-alone"] is None and kept["C-open"] is not None
    assert agents == {"坐席甲"}  # the call's times and agent stay for the figures
    assert cases.show(app, still_open).requester.phone == "13812345678"
    lines, _ = audit.entries(app, audit.AuditQuery(action="retention", target="话务记录"))
    assert [line.detail for line in lines] == [{"calls": 2, "received_before": "2026-11-24"}]
