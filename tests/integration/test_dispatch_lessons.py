"""改派经验 counted from the stored cases and used wherever a unit is suggested (SQLite and PostgreSQL)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from jiesu.api.app import create_app
from jiesu.domain.enums import Role
from jiesu.domain.request import Actor
from jiesu.domain.workflow import Action
from jiesu.services import cases
from jiesu.services.cases import ActionInput, Intake
from jiesu.services.dispatch_lessons import lesson_lines
from jiesu.services.users import add_user, create_token
from tests.support import AGENT, DISPATCHER, WJ_HANDLER

CGW_HANDLER = Actor("城管委承办人", Role.HANDLER, "CGW")


def case(app) -> int:
    return cases.register(app, AGENT, Intake(content="望京西园三区物业不清理楼道垃圾，已经一周了", kind="投诉",
                                             division="WJ01", category="WY1")).id


def act(app, clock, actor, rid, action, **params):
    clock.advance(minutes=20)
    return cases.perform(app, actor, rid, action, ActionInput(**params))[0]


def moved_to_cgw_and_settled(app, clock, settle: bool = True) -> int:
    rid = case(app)
    act(app, clock, DISPATCHER, rid, Action.DISPATCH, unit="WJ")
    act(app, clock, WJ_HANDLER, rid, Action.RETURN, reason="本街道无执法权，属城管委职责")
    act(app, clock, DISPATCHER, rid, Action.REDISPATCH, unit="CGW", reason="退单审核通过")
    if settle:
        act(app, clock, CGW_HANDLER, rid, Action.ACKNOWLEDGE)
        act(app, clock, CGW_HANDLER, rid, Action.RESOLVE, reply="已责令整改")
    return rid


def kept_by_wj(app, clock) -> int:
    rid = case(app)
    act(app, clock, DISPATCHER, rid, Action.DISPATCH, unit="WJ")
    act(app, clock, WJ_HANDLER, rid, Action.RETURN, reason="不属本街道")
    act(app, clock, DISPATCHER, rid, Action.REJECT_RETURN, reason="属街道基本履职事项，驳回退单")
    return rid


def suggested(app) -> str:
    app.lessons.invalidate()  # a server counts them again every few minutes
    return cases.suggest_routing(app, "WY1", "WJ01").best.unit.code


def lines(app):
    app.lessons.invalidate()
    return lesson_lines(app)


def test_returns_settled_elsewhere_teach_the_router_and_the_next_dispatch_records_the_advice(app, clock):
    kept_by_wj(app, clock)  # a return the centre rejected: the 街道 was right
    moved_to_cgw_and_settled(app, clock, settle=False)  # moved, but not settled yet: no evidence
    moved_to_cgw_and_settled(app, clock)
    moved_to_cgw_and_settled(app, clock)
    assert suggested(app) == "WJ"  # 2 settled moves of 4 cases sent: a note, not yet the first choice
    note = cases.suggest_routing(app, "WY1", "WJ01").notes[-1]
    assert note == "改派经验：近 90 天朝阳区「物业服务」派至街道/乡镇 4 件，2 件经退单或改派由区城管委办结"

    moved_to_cgw_and_settled(app, clock)
    assert suggested(app) == "CGW"  # 3 of 5
    [line] = lines(app)
    assert (line.matter, line.district, line.listed, line.moved_to, line.standing) == \
        ("城乡建设 / 物业管理 / 物业服务", "朝阳区", "街道/乡镇", "区城管委", "首选建议")
    assert (line.lesson.moved, line.lesson.dispatched, line.lesson.followed) == (3, 5, 0)
    assert line.catalogue_line == "WY1,department,basic,CGW,CY"  # what to add to duties.csv for 朝阳区

    rid = case(app)
    dispatched = act(app, clock, DISPATCHER, rid, Action.DISPATCH, unit="CGW")
    assert dispatched.events[-1].changes["suggested_unit"] == [None, "CGW"]
    assert dispatched.assignments[-1].reason.startswith("区城管委：改派经验——近 90 天朝阳区「物业服务」")


def test_cases_sent_straight_to_the_unit_that_settles_them_keep_the_lesson(app, clock):
    for _ in range(3):
        moved_to_cgw_and_settled(app, clock)
    for _ in range(4):  # dispatchers now follow the advice
        rid = case(app)
        act(app, clock, DISPATCHER, rid, Action.DISPATCH, unit="CGW")
        act(app, clock, CGW_HANDLER, rid, Action.ACKNOWLEDGE)
        act(app, clock, CGW_HANDLER, rid, Action.RESOLVE, reply="已责令整改")
    [line] = lines(app)
    assert (line.lesson.moved, line.lesson.dispatched, line.lesson.followed) == (3, 3, 4)
    clock.advance(days=95)  # the moves fall out of the window; the straight dispatches were later, but also out
    assert suggested(app) == "WJ"
    assert lines(app) == []


def test_the_lessons_page_lists_them_for_dispatchers_and_refuses_handlers(app, clock):
    for _ in range(3):
        moved_to_cgw_and_settled(app, clock)
    app.lessons.invalidate()
    client = TestClient(create_app(app))

    def page(name, role, unit=None):
        add_user(app, name, role, "password-123", unit)
        return client.get("/lessons", headers={"Authorization": f"Bearer {create_token(app, name)}"})

    shown = page("li", "dispatcher")
    assert shown.status_code == 200
    row = shown.text.split('<table class="list" id="lessons">')[1]
    assert "物业服务" in row and "朝阳区" in row and "区城管委" in row and "3 / 3" in row and "首选建议" in row
    assert page("wj", "handler", "WJ").status_code == 403


def test_the_lessons_are_counted_only_when_a_unit_is_suggested(app, clock):
    from jiesu.domain.dispatch_lessons import LessonBook
    from jiesu.services.refreshing import Refreshing

    counts = []
    app.lessons = Refreshing("test-lessons", lambda _: counts.append(1) or LessonBook(()))
    rid = cases.register(app, AGENT, Intake(content="望京西园三区门口占道经营", division="WJ01")).id  # no category
    assert counts == []  # nothing to route: not counted (at a year of Beijing a count takes tens of seconds)
    act(app, clock, DISPATCHER, rid, Action.RECLASSIFY, category="WY1", reason="改类")
    assert counts == []
    act(app, clock, DISPATCHER, rid, Action.DISPATCH, unit="WJ")  # the suggestion is recorded with the dispatch
    assert counts == [1]


def test_a_lesson_written_into_the_districts_own_list_is_followed_by_the_list_itself(app, clock, tmp_path):
    import shutil

    from jiesu.services.config_loader import load_config
    from tests.support import CITY

    for _ in range(3):
        moved_to_cgw_and_settled(app, clock)
    assert suggested(app) == "CGW"
    city = tmp_path / "city"
    shutil.copytree(CITY, city)
    duties = (city / "duties.csv").read_text(encoding="utf-8").replace("category,level,duty_type,unit\n",
                                                                        "category,level,duty_type,unit,district\n")
    (city / "duties.csv").write_text(duties + "WY1,department,basic,CGW,CY\nWY1,subdistrict,cooperate,,CY\n",
                                     encoding="utf-8")
    load_config(app, city, "管理员")  # as an administrator does after reading /lessons
    app.lessons.invalidate()
    routed = cases.suggest_routing(app, "WY1", "WJ01")
    assert routed.best.unit.code == "CGW" and routed.best.reason.endswith("（朝阳区派单目录）")
    assert not any("改派经验" in note for note in routed.notes)  # the list says it now
    [line] = lines(app)
    assert line.standing == "已写入派单目录" and line.catalogue_line is None  # listed for its 90 days, as done
