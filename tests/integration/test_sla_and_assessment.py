"""SLA scan, 三率 report and configuration loading against the database."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from jiesu.domain.errors import ConfigError, IllegalTransition
from jiesu.domain.workflow import Action
from jiesu.services import assessment, cases
from jiesu.services.assessment import sanlv, write_csv
from jiesu.services.cases import ActionInput, Intake
from jiesu.services.config_loader import load_config
from jiesu.services.sla_scan import scan
from jiesu.storage import tables as t
from tests.support import AGENT, CITY, DISPATCHER, SUPERVISOR, WJ_HANDLER, local


def new_case(app, clock, **overrides):
    fields = dict(content="物业不作为", kind="complaint", division="WJ01", category="WY1",
                  requester_phone="13812345678")
    fields.update(overrides)
    return cases.register(app, AGENT, Intake(**fields))


def act(app, clock, actor, rid, action, **params):
    clock.advance(minutes=10)
    return cases.perform(app, actor, rid, action, ActionInput(**params))[0]


def test_sla_scan_lists_due_soon_and_overdue_and_records_each_breach_once(app, clock):
    late = new_case(app, clock)
    act(app, clock, DISPATCHER, late.id, Action.DISPATCH, unit="WJ")  # sign-for due 2 working hours later
    clock.now = local(2026, 11, 23, 11, 0)
    soon = scan(app)
    assert [(i.request_id, i.limit, i.overdue) for i in soon] == [(late.id, "acknowledge", False)]
    clock.now = local(2026, 11, 24, 9, 0)
    first = scan(app)
    assert {(i.limit, i.overdue, i.newly_recorded) for i in first} == {("acknowledge", True, True)}
    second = scan(app)
    assert {(i.limit, i.overdue, i.newly_recorded) for i in second} == {("acknowledge", True, False)}
    with app.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(t.sla_breaches)).scalar() == 1
    clock.now = local(2026, 11, 24, 18, 30)  # first contact (1 working day) now overdue too
    third = scan(app)
    assert sorted((i.limit, i.newly_recorded) for i in third) == [("acknowledge", False), ("contact", True)]


def test_a_dry_run_scan_records_nothing(app, clock):
    case = new_case(app, clock)
    act(app, clock, DISPATCHER, case.id, Action.DISPATCH, unit="WJ")
    clock.now = local(2026, 11, 25, 9, 0)
    assert scan(app, record=False)
    with app.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(t.sla_breaches)).scalar() == 0


def handle(app, clock, rid, unit_actor, *, on_time=True, solved=True, satisfaction="满意"):
    act(app, clock, DISPATCHER, rid, Action.DISPATCH, unit=unit_actor.unit)
    if not on_time:
        clock.advance(days=2)
    act(app, clock, unit_actor, rid, Action.ACKNOWLEDGE)
    act(app, clock, unit_actor, rid, Action.RECORD_CONTACT, note="已联系")
    act(app, clock, unit_actor, rid, Action.RESOLVE, reply="已处理")
    act(app, clock, DISPATCHER, rid, Action.ACCEPT_REPLY)
    act(app, clock, AGENT, rid, Action.FOLLOW_UP, solved=solved, satisfaction=satisfaction)


def test_the_monthly_ranking_uses_the_configured_formulas(app, clock, tmp_path):
    from jiesu.domain.enums import Role
    from jiesu.domain.request import Actor

    jx = Actor("酒仙桥", Role.HANDLER, "JX")
    for on_time, solved, satisfaction in [(True, True, "满意"), (True, True, "基本满意"), (False, False, "不满意")]:
        handle(app, clock, new_case(app, clock).id, WJ_HANDLER, on_time=on_time, solved=solved,
               satisfaction=satisfaction)
    handle(app, clock, new_case(app, clock, division="JX01").id, jx)
    excluded = new_case(app, clock, division="JX01")
    handle(app, clock, excluded.id, jx, solved=False, satisfaction="不满意")
    act(app, clock, DISPATCHER, excluded.id, Action.FLAG_UNREASONABLE, reason="超出政策范围")
    act(app, clock, SUPERVISOR, excluded.id, Action.APPROVE_UNREASONABLE)

    report = sanlv(app, "2026-11")
    wj, jx_score = report.scores[1], report.scores[0]
    assert (jx_score.unit, jx_score.rank, jx_score.score) == ("JX", 1, pytest.approx(100.0))
    assert wj.unit == "WJ" and wj.rank == 2
    assert wj.response_rate == pytest.approx(2 / 3)
    assert wj.resolution_rate == pytest.approx(2 / 3)
    assert wj.satisfaction_rate == pytest.approx((1 + 0.8) / 3)
    assert wj.score == pytest.approx(10 * 2 / 3 + 45 * 2 / 3 + 45 * 0.6)
    assert sanlv(app, "2026-10").scores == []
    write_csv(report, tmp_path / "sanlv.csv")
    lines = (tmp_path / "sanlv.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("类别,类内排名,单位代码,单位") and lines[1].startswith("街道/乡镇,1,JX,酒仙桥街道")


def test_a_months_sanlv_is_kept_by_the_process_and_says_when_it_was_counted(app, clock):
    handle(app, clock, new_case(app, clock).id, WJ_HANDLER)
    counted = sanlv(app, "2026-11")
    assert counted.counted_at == clock() and [s.callbacks for s in counted.scores] == [1]
    handle(app, clock, new_case(app, clock).id, WJ_HANDLER, solved=False, satisfaction="不满意")
    assert sanlv(app, "2026-11") is counted  # within five minutes: as counted, saying when
    assert assessment.unit_standing(app, "2026-11", "WJ").counted_at == counted.counted_at
    app.scores.invalidate()  # (a server counts again in the background every five minutes)
    again = sanlv(app, "2026-11")
    assert [s.callbacks for s in again.scores] == [2] and again.counted_at == clock()


def test_a_units_standing_names_the_cases_that_lowered_it(app, clock):
    from jiesu.domain.enums import Role
    from jiesu.domain.errors import NotFound
    from jiesu.domain.request import Actor
    from jiesu.services.assessment import unit_standing

    jx = Actor("酒仙桥", Role.HANDLER, "JX")
    good, late, unhappy = (new_case(app, clock, content=f"物业不作为 {n}") for n in range(3))
    handle(app, clock, good.id, WJ_HANDLER)
    handle(app, clock, late.id, WJ_HANDLER, on_time=False, satisfaction="基本满意")
    handle(app, clock, unhappy.id, WJ_HANDLER, solved=False, satisfaction="不满意")
    handle(app, clock, new_case(app, clock, division="JX01").id, jx, solved=False, satisfaction="不满意")

    wj = unit_standing(app, "2026-11", "WJ")
    assert wj.unit_name == "望京街道" and wj.score == next(s for s in sanlv(app, "2026-11").scores if s.unit == "WJ")
    assert (wj.score.rank, wj.ranked_among) == (1, 2)  # among the 街道: WJ and JX
    assert [(x.request_id, x.what) for x in wj.late] == [(late.id, "签收、联系诉求人超时")]
    assert [(x.request_id, x.what) for x in wj.callbacks] == [(late.id, "已解决，基本满意"), (unhappy.id, "未解决，不满意")]
    assert unit_standing(app, "2026-10", "WJ").score is None  # nothing counted that month
    with pytest.raises(NotFound) as unknown:
        unit_standing(app, "2026-11", "NOPE")
    assert unknown.value.field == "unit"


def test_on_time_means_by_each_deadline_to_the_second(app, clock):
    """The month is counted in the database: an assignment signed for and contacted exactly at its deadlines is on
    time, one second after either is late, never contacted is late."""
    from sqlalchemy import update

    from jiesu.services.assessment import unit_standing

    ids = [new_case(app, clock, content=f"物业不作为 {n}").id for n in range(4)]
    for rid in ids:
        handle(app, clock, rid, WJ_HANDLER)
    a = t.assignments
    second = timedelta(seconds=1)
    with app.engine.begin() as c:
        rows = {row.request_id: row for row in c.execute(select(a).where(a.c.request_id.in_(ids)))}
        for rid, acknowledged, contacted in (
                (ids[0], rows[ids[0]].acknowledge_due, rows[ids[0]].contact_due),
                (ids[1], rows[ids[1]].acknowledge_due + second, rows[ids[1]].contact_due - second),
                (ids[2], rows[ids[2]].acknowledge_due, rows[ids[2]].contact_due + second),
                (ids[3], rows[ids[3]].acknowledge_due - second, None)):
            c.execute(update(a).where(a.c.request_id == rid).values(acknowledged_at=acknowledged, contacted_at=contacted))
    wj = next(s for s in sanlv(app, "2026-11").scores if s.unit == "WJ")
    assert (wj.due, wj.responded) == (4, 1)
    standing = unit_standing(app, "2026-11", "WJ")
    assert [(x.request_id, x.what) for x in standing.late] == [
        (ids[1], "签收超时"), (ids[2], "联系诉求人超时"), (ids[3], "联系诉求人超时")]


def test_a_co_handler_counts_its_share_of_the_callbacks_and_sees_them(app, clock):
    """The fixture city's rules give co-handlers half of each callback (sla.yaml: co_handler_share 0.5)."""
    from jiesu.services.assessment import unit_standing

    shared, alone = new_case(app, clock, content="物业不作为 甲"), new_case(app, clock, content="物业不作为 乙")
    for rid, co_units, solved, satisfaction in ((shared.id, ["ZJW"], False, "不满意"), (alone.id, [], True, "满意")):
        act(app, clock, DISPATCHER, rid, Action.DISPATCH, unit="WJ", co_units=co_units)
        act(app, clock, WJ_HANDLER, rid, Action.ACKNOWLEDGE)
        act(app, clock, WJ_HANDLER, rid, Action.RECORD_CONTACT, note="已联系")
        act(app, clock, WJ_HANDLER, rid, Action.RESOLVE, reply="已处理")
        act(app, clock, DISPATCHER, rid, Action.ACCEPT_REPLY)
        act(app, clock, AGENT, rid, Action.FOLLOW_UP, solved=solved, satisfaction=satisfaction)
    scores = {s.unit: s for s in sanlv(app, "2026-11").scores}
    assert (scores["WJ"].callbacks, scores["WJ"].solved, scores["WJ"].satisfied) == (2, 1, 1)
    assert (scores["ZJW"].callbacks, scores["ZJW"].solved, scores["ZJW"].satisfied) == (0.5, 0, 0)
    assert [(x.request_id, x.what) for x in unit_standing(app, "2026-11", "ZJW").callbacks] == [
        (shared.id, "未解决，不满意（协办）")]
    assert [x.request_id for x in unit_standing(app, "2026-11", "WJ").callbacks] == [shared.id]


def test_a_callback_nobody_answered_counts_in_no_rate_and_lowers_nobody(app, clock):
    from jiesu.services.assessment import unit_standing

    reached, unreached = new_case(app, clock, content="物业不作为 甲"), new_case(app, clock, content="物业不作为 乙")
    handle(app, clock, reached.id, WJ_HANDLER, solved=True, satisfaction="满意")
    act(app, clock, DISPATCHER, unreached.id, Action.DISPATCH, unit="WJ")
    act(app, clock, WJ_HANDLER, unreached.id, Action.ACKNOWLEDGE)
    act(app, clock, WJ_HANDLER, unreached.id, Action.RECORD_CONTACT, note="已联系")
    act(app, clock, WJ_HANDLER, unreached.id, Action.RESOLVE, reply="已处理")
    act(app, clock, DISPATCHER, unreached.id, Action.ACCEPT_REPLY)
    with pytest.raises(IllegalTransition):
        act(app, clock, AGENT, unreached.id, Action.CALLBACK_UNREACHABLE)
    for _ in range(3):
        act(app, clock, AGENT, unreached.id, Action.CALLBACK_UNANSWERED, note="无人接听")
        clock.advance(hours=1)
    act(app, clock, AGENT, unreached.id, Action.CALLBACK_UNREACHABLE, note="三个时段均未接通")
    stored = cases.show(app, unreached.id)  # read back from the database
    assert stored.status.value == "closed" and (stored.follow_ups[-1].solved, stored.follow_ups[-1].satisfaction) == (
        None, None)
    assert len(stored.unanswered_calls()) == 3
    wj = next(s for s in sanlv(app, "2026-11").scores if s.unit == "WJ")
    assert (wj.due, wj.callbacks, wj.solved, wj.resolution_rate, wj.satisfaction_rate) == (2, 1, 1, 1.0, 1.0)
    assert unit_standing(app, "2026-11", "WJ").callbacks == []


def test_the_configured_callback_rules_decide_when_a_requester_is_unreachable(app, clock, tmp_path):
    city = tmp_path / "city"
    shutil.copytree(CITY, city)
    sla = (city / "sla.yaml").read_text(encoding="utf-8")
    (city / "sla.yaml").write_text(sla.replace("  co_handler_share: 0.5\n", "  co_handler_share: 0.5\n"
                                               "  callback_tries: 1\n  callback_spread_hours: 0\n"), encoding="utf-8")
    load_config(app, city, "admin2")
    case = new_case(app, clock)
    for actor, action, params in ((DISPATCHER, Action.DISPATCH, {"unit": "WJ"}), (WJ_HANDLER, Action.ACKNOWLEDGE, {}),
                                  (WJ_HANDLER, Action.RESOLVE, {"reply": "已处理"}), (DISPATCHER, Action.ACCEPT_REPLY, {}),
                                  (AGENT, Action.CALLBACK_UNANSWERED, {"note": "空号"})):
        act(app, clock, actor, case.id, action, **params)
    assert act(app, clock, AGENT, case.id, Action.CALLBACK_UNREACHABLE).status.value == "closed"
    (city / "sla.yaml").write_text(sla.replace("  co_handler_share: 0.5\n", "  co_handler_share: 0.5\n"
                                               "  callback_tries: 0\n"), encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(app, city, "admin2")
    assert "回访无法联系前的未接通次数应为正整数" in str(refused.value)


def test_each_kind_of_unit_is_ranked_on_its_own(app, clock):
    from jiesu.domain.enums import Role
    from jiesu.domain.request import Actor

    heating = Actor("热力集团", Role.HANDLER, "RLJ")
    handle(app, clock, new_case(app, clock).id, WJ_HANDLER, solved=False, satisfaction="不满意")
    handle(app, clock, new_case(app, clock).id, heating)
    report = sanlv(app, "2026-11")
    assert [(group, [(s.unit, s.rank) for s in scores]) for group, scores in report.groups()] == [
        ("区（全辖区）", [("CY", 1)]), ("街道/乡镇", [("WJ", 1)]), ("公共服务企业", [("RLJ", 1)])]
    assert [s.unit for s in report.scores] == ["WJ", "RLJ"]  # the flat list is grouped in the same order
    whole = report.areas[0]  # 朝阳区 with 望京街道 (its own cases: none), ranked among districts on that
    assert (whole.unit, whole.callbacks, whole.solved, whole.score) == ("CY", 1, 0, next(
        s.score for s in report.scores if s.unit == "WJ"))


def test_a_bad_month_is_refused(app):
    from jiesu.domain.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        sanlv(app, "2026-13")
    assert caught.value.field == "month"


def test_a_broken_configuration_keeps_the_previous_one(app, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(CITY, broken)
    (broken / "units.csv").write_text("code,name,kind,parent\nA,甲,department,B\nB,乙,department,A\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(app, broken, "test")
    with app.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(t.units)).scalar() == 11
        assert c.execute(select(func.count()).select_from(t.config_loads)).scalar() == 1


def test_reloading_configuration_keeps_a_history(app):
    load_config(app, CITY, "admin2")
    with app.engine.connect() as c:
        loads = c.execute(select(t.config_loads.c.loaded_by).order_by(t.config_loads.c.id)).scalars().all()
    assert loads == ["test", "admin2"]
