"""The lifecycle through the services and the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from jiesu.domain.enums import Role
from jiesu.domain.errors import ConflictError, Forbidden, IllegalTransition, InvalidInput, NotFound
from jiesu.domain.request import Actor
from jiesu.domain.workflow import Action, Status
from jiesu.services import cases
from jiesu.services.cases import ActionInput, CaseFilter, Intake
from jiesu.storage import tables as t
from tests.support import AGENT, DISPATCHER, SUPERVISOR, WJ_HANDLER, local


def intake(**overrides) -> Intake:
    fields = dict(content="望京西园三区物业不清理楼道垃圾，已经一周了", kind="投诉", channel="phone",
                  requester_name="张三", requester_phone="13812345678", address="望京西园三区",
                  division="WJ01", category="WY1")
    fields.update(overrides)
    return Intake(**fields)


def counts(app) -> dict[str, int]:
    with app.engine.connect() as c:
        return {name: c.execute(select(func.count()).select_from(table)).scalar()
                for name, table in (("requests", t.requests), ("events", t.events), ("assignments", t.assignments))}


def act(app, clock, actor, rid, action, minutes=30, **params):
    clock.advance(minutes=minutes)
    return cases.perform(app, actor, rid, action, ActionInput(**params))[0]


def test_a_case_goes_from_intake_to_archive_and_every_step_is_stored(app, clock):
    r = cases.register(app, AGENT, intake())
    assert r.ticket == f"20261123{r.id:07d}" and r.status == Status.REGISTERED
    act(app, clock, DISPATCHER, r.id, Action.DISPATCH, unit="WJ", co_units=["ZJW"])
    act(app, clock, WJ_HANDLER, r.id, Action.ACKNOWLEDGE)
    act(app, clock, WJ_HANDLER, r.id, Action.RECORD_CONTACT, note="已电话联系诉求人")
    act(app, clock, WJ_HANDLER, r.id, Action.REQUEST_EXTENSION, duration="3wd", reason="需协调物业公司")
    act(app, clock, SUPERVISOR, r.id, Action.APPROVE_EXTENSION)
    act(app, clock, WJ_HANDLER, r.id, Action.RESOLVE, reply="已督促物业清理")
    act(app, clock, DISPATCHER, r.id, Action.ACCEPT_REPLY)
    act(app, clock, AGENT, r.id, Action.FOLLOW_UP, solved=True, satisfaction="基本满意")
    final = act(app, clock, SUPERVISOR, r.id, Action.ARCHIVE)
    stored = cases.show(app, r.id)
    assert stored.status == Status.ARCHIVED == final.status
    assert [e.action for e in stored.events] == [
        Action.REGISTER, Action.DISPATCH, Action.ACKNOWLEDGE, Action.RECORD_CONTACT, Action.REQUEST_EXTENSION,
        Action.APPROVE_EXTENSION, Action.RESOLVE, Action.ACCEPT_REPLY, Action.FOLLOW_UP, Action.ARCHIVE]
    assert stored.requester.phone == "13812345678" and stored.requester.name == "张三"
    assert stored.resolve_due == local(2026, 12, 7, 18, 0)  # 7wd from Mon 23 Nov = Wed 2 Dec, +3wd = Mon 7 Dec
    dispatch = stored.events[1]
    assert dispatch.actor == DISPATCHER.name and "基本履职" in dispatch.note  # who and why
    assert dispatch.changes["suggested_unit"] == [None, "WJ"]
    assert stored.follow_ups[0].satisfaction.value == "basic" and stored.follow_ups[0].unit == "WJ"


def test_personal_data_is_encrypted_at_rest(app):
    r = cases.register(app, AGENT, intake())
    with app.engine.connect() as c:
        row = c.execute(select(t.requests.c.requester_phone, t.requests.c.requester_name)
                        .where(t.requests.c.id == r.id)).one()
    assert b"13812345678" not in bytes(row.requester_phone) and "张三".encode() not in bytes(row.requester_name)


@pytest.mark.parametrize(("field", "overrides"), [
    ("category", {"category": "NOPE"}),
    ("location.division", {"division": "XX99"}),
    ("location.division", {"division": "ZJW"}),
    ("requester.phone", {"requester_phone": "1234"}),
    ("content", {"content": ""}),
    ("content", {"content": "长" * 10_001}),
    ("kind", {"kind": "抱怨"}),
    ("channel", {"channel": "pigeon"}),
    ("urgency", {"urgency": "asap"}),
])
def test_bad_intake_is_refused_and_nothing_is_written(app, field, overrides):
    before = counts(app)
    with pytest.raises(InvalidInput) as caught:
        cases.register(app, AGENT, intake(**overrides))
    assert caught.value.field == field
    assert counts(app) == before


def test_an_action_not_allowed_now_is_refused_and_nothing_is_written(app, clock):
    r = cases.register(app, AGENT, intake())
    before = counts(app)
    with pytest.raises(IllegalTransition) as caught:
        act(app, clock, WJ_HANDLER, r.id, Action.RESOLVE, reply="已办")
    assert "已受理" in caught.value.message and "办结答复" in caught.value.message
    assert counts(app) == before


def test_dispatch_to_an_unknown_unit_or_below_the_duty_list_is_refused(app, clock):
    r = cases.register(app, AGENT, intake(category="ZS1"))
    with pytest.raises(NotFound) as caught:
        act(app, clock, DISPATCHER, r.id, Action.DISPATCH, unit="NOPE")
    assert caught.value.field == "unit"
    with pytest.raises(InvalidInput) as caught:
        act(app, clock, DISPATCHER, r.id, Action.DISPATCH, unit="WJ")
    assert "不得下沉" in caught.value.message
    with pytest.raises(InvalidInput) as caught:
        act(app, clock, DISPATCHER, r.id, Action.DISPATCH, unit="HBJ", co_units=["WJ02"])
    assert caught.value.field == "co_units"
    assert cases.show(app, r.id).status == Status.REGISTERED


def test_a_handler_of_another_unit_is_refused(app, clock):
    r = cases.register(app, AGENT, intake())
    act(app, clock, DISPATCHER, r.id, Action.DISPATCH, unit="WJ")
    with pytest.raises(Forbidden):
        act(app, clock, Actor("酒仙桥", Role.HANDLER, "JX"), r.id, Action.ACKNOWLEDGE)


def test_a_stale_version_is_a_conflict(app, clock):
    r = cases.register(app, AGENT, intake())
    act(app, clock, DISPATCHER, r.id, Action.DISPATCH, unit="WJ")
    with pytest.raises(ConflictError):
        cases.perform(app, WJ_HANDLER, r.id, Action.ACKNOWLEDGE, ActionInput(), expected_version=1)


def test_two_writers_on_one_loaded_case_one_wins_the_other_gets_a_conflict(app, clock):
    r = cases.register(app, AGENT, intake())
    act(app, clock, DISPATCHER, r.id, Action.DISPATCH, unit="WJ")
    with app.uow() as first, app.uow(read_only=True) as second:  # read_only: two writers in one thread would queue
        a = first.requests.get(r.id)
        b = second.requests.get(r.id)
        a.acknowledge(WJ_HANDLER, clock.advance(minutes=5))
        b.withdraw(AGENT, clock.now, "诉求人撤回")
        first.requests.save(a)
        first.commit()
        with pytest.raises(ConflictError):
            second.requests.save(b)
    stored = cases.show(app, r.id)
    assert [e.action for e in stored.events][-1] == Action.ACKNOWLEDGE and stored.version == 3


def test_concurrent_handlers_with_the_same_version_never_lose_an_update(app, clock):
    r = cases.register(app, AGENT, intake())
    version = act(app, clock, DISPATCHER, r.id, Action.DISPATCH, unit="WJ").version
    act(app, clock, WJ_HANDLER, r.id, Action.ACKNOWLEDGE)
    version += 1
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def note(i: int) -> None:
        barrier.wait()
        try:
            cases.perform(app, WJ_HANDLER, r.id, Action.NOTE_PROGRESS, ActionInput(note=f"进展{i}"),
                          expected_version=version)
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=note, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    stored = cases.show(app, r.id)
    assert sum(e.action == Action.NOTE_PROGRESS for e in stored.events) == 1


def test_a_crash_in_the_middle_of_an_action_leaves_the_case_as_it_was(app, clock, monkeypatch):
    r = cases.register(app, AGENT, intake())
    before = counts(app)
    from jiesu.storage import request_repository

    def crash(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(request_repository, "event_row", crash)  # after the request row is updated
    with pytest.raises(RuntimeError):
        act(app, clock, DISPATCHER, r.id, Action.DISPATCH, unit="WJ")
    monkeypatch.undo()
    assert counts(app) == before
    stored = cases.show(app, r.id)
    assert stored.status == Status.REGISTERED and stored.version == 1 and stored.lead_unit is None


def test_merge_keeps_every_requester_for_the_callback(app, clock):
    master = cases.register(app, AGENT, intake())
    clock.advance(minutes=10)
    repeat = cases.register(app, AGENT, intake(requester_name="李四", requester_phone="13900001111"))
    act(app, clock, DISPATCHER, repeat.id, Action.MERGE, master=master.id, reason="同一事项")
    act(app, clock, DISPATCHER, master.id, Action.DISPATCH, unit="WJ")
    act(app, clock, WJ_HANDLER, master.id, Action.ACKNOWLEDGE)
    act(app, clock, WJ_HANDLER, master.id, Action.RESOLVE, reply="已处理")
    act(app, clock, DISPATCHER, master.id, Action.ACCEPT_REPLY)
    waiting = CaseFilter(merged_callbacks_due=True)
    assert cases.list_cases(app, waiting) == []  # the case's own requester first (待回访)
    act(app, clock, AGENT, master.id, Action.FOLLOW_UP, solved=True, satisfaction="满意")
    assert [row.id for row in cases.list_cases(app, waiting)] == [master.id]  # 李四 still waits for the call
    act(app, clock, AGENT, master.id, Action.FOLLOW_UP, solved=True, satisfaction="满意", requester_ref=repeat.id)
    assert cases.list_cases(app, waiting) == []
    stored_master, stored_repeat = cases.show(app, master.id), cases.show(app, repeat.id)
    assert stored_repeat.status == Status.MERGED and stored_repeat.master_id == master.id
    assert stored_master.merged_ids == [repeat.id]
    assert [f.requester_ref for f in stored_master.follow_ups] == [None, repeat.id]


def test_the_callback_desk_says_who_may_be_given_up_only_of_requesters_still_waiting(app, clock):
    master = cases.register(app, AGENT, intake())
    others = [cases.register(app, AGENT, intake(requester_name=name, requester_phone=phone))
              for name, phone in (("李四", "13900001111"), ("王五", "13900002222"))]
    for other in others:
        act(app, clock, DISPATCHER, other.id, Action.MERGE, master=master.id, reason="同一事项")
    for actor, action, params in ((DISPATCHER, Action.DISPATCH, {"unit": "WJ"}), (WJ_HANDLER, Action.ACKNOWLEDGE, {}),
                                  (WJ_HANDLER, Action.RESOLVE, {"reply": "已处理"}), (DISPATCHER, Action.ACCEPT_REPLY, {}),
                                  (AGENT, Action.FOLLOW_UP, {"solved": True, "satisfaction": "满意"})):
        act(app, clock, actor, master.id, action, **params)
    for _ in range(3):  # 李四: three calls an hour and a half apart, nobody answers
        act(app, clock, AGENT, master.id, Action.CALLBACK_UNANSWERED, minutes=90, requester_ref=others[0].id)
    assert cases.unanswered_calls(app, [master.id])[master.id][::2] == (3, True)  # 李四 may be given up
    act(app, clock, AGENT, master.id, Action.CALLBACK_UNREACHABLE, requester_ref=others[0].id)
    act(app, clock, AGENT, master.id, Action.CALLBACK_UNANSWERED, requester_ref=others[1].id)
    assert cases.unanswered_calls(app, [master.id])[master.id][::2] == (4, False)  # 王五 not yet; 李四 is done


def test_an_unknown_case_is_not_found(app):
    with pytest.raises(NotFound):
        cases.show(app, 999)


def test_work_queues_put_emergencies_and_the_nearest_deadlines_first_and_count_what_they_leave_out(app, clock):
    from jiesu.web.pages import work

    def dispatched(kind: str, urgency: str = "normal") -> int:
        case = cases.register(app, AGENT, intake(kind=kind, urgency=urgency))
        cases.perform(app, DISPATCHER, case.id, Action.DISPATCH, ActionInput(unit="WJ"))
        clock.advance(minutes=10)
        return case.id

    overdue = dispatched("投诉")
    clock.advance(days=10)
    complaint, inquiry, emergency = dispatched("投诉"), dispatched("咨询"), dispatched("求助", "emergency")
    queue = cases.CaseFilter(statuses=["dispatched"], visible_to_unit="WJ", by_deadline=True, limit=10)
    # the emergency first though the overdue case's deadline is earlier; then by deadline: the inquiry (3 working
    # days) before the complaint received before it (7)
    assert [row.id for row in cases.list_cases(app, queue)] == [emergency, overdue, inquiry, complaint]
    newest_first = [row.id for row in cases.list_cases(app, cases.CaseFilter(statuses=["dispatched"]))]
    assert newest_first == [emergency, inquiry, complaint, overdue]  # the case list itself is unchanged
    heading, items, total = work(app, "待签收", limit=2, statuses=["dispatched"], visible_to_unit="WJ")
    assert ([row.id for row in items], total) == ([emergency, overdue], 4)


def test_an_extension_moves_the_report_deadline_of_a_community_held_by_the_old_one_and_it_is_stored(app, clock):
    street = Actor("望京承办人", Role.HANDLER, "WJ", frozenset({"WJ01"}))
    case = cases.register(app, AGENT, intake())
    act(app, clock, DISPATCHER, case.id, Action.DISPATCH, unit="WJ")
    act(app, clock, street, case.id, Action.ACKNOWLEDGE)
    clock.now = local(2026, 11, 30, 10, 0)  # Monday after: the fixture's 3 working days would reach 3 Dec
    handed = act(app, clock, street, case.id, Action.DELEGATE, unit="WJ01")
    assert handed.co_handling()[0].report_due == handed.resolve_due == local(2026, 12, 2, 18, 0)
    act(app, clock, street, case.id, Action.REQUEST_EXTENSION, duration="5wd", reason="社区需协调物业")
    act(app, clock, DISPATCHER, case.id, Action.APPROVE_EXTENSION, duration="5wd")
    stored = cases.show(app, case.id)
    assert stored.resolve_due == local(2026, 12, 9, 18, 0)
    assert stored.co_handling()[0].report_due == local(2026, 12, 3, 18, 0)  # as read back from the database
