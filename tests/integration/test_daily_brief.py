"""每日要情: the day's brief, on a small fixture with exact expected numbers."""

from __future__ import annotations

from datetime import date

import pytest

from jiesu.analytics import daily
from jiesu.domain.errors import InvalidInput
from jiesu.services import cases
from jiesu.services.cases import Intake
from tests.e2e import test_api
from tests.support import AGENT, local

api = test_api.api  # the staff API with a user of each role


def register(app, clock, when, **intake):
    clock.now = when
    return cases.register(app, AGENT, Intake(**({"content": "物业不清理楼道垃圾", "category": "WY1",
                                                   "division": "WJ01"} | intake)))


def test_the_brief_counts_the_day_against_the_day_before_and_a_week_before_and_lists_what_to_watch(app, clock,
                                                                                                   tmp_path):
    register(app, clock, local(2026, 11, 16, 10, 0))  # Monday a week before
    register(app, clock, local(2026, 11, 16, 23, 59))
    register(app, clock, local(2026, 11, 22, 12, 0), category="ZS1", content="工地夜间施工噪音大")  # the day before
    register(app, clock, local(2026, 11, 23, 0, 1))  # Monday 23 November, Beijing time
    gas = register(app, clock, local(2026, 11, 23, 8, 0), content="楼道燃气味很浓", urgency="emergency")
    protest = register(app, clock, local(2026, 11, 23, 20, 0), sensitive="群体性（拉横幅），联系人13912345678",
                       content="业主们准备到区政府门口拉横幅，电话13812345678")
    register(app, clock, local(2026, 11, 24, 0, 0))  # the next day: not counted
    clock.now = local(2026, 11, 24, 9, 0)
    brief = daily.build(app, date(2026, 11, 23), tmp_path / "a.duckdb")
    assert (brief.total, brief.day_before, brief.week_before) == (3, 1, 2)
    assert brief.change(brief.total, brief.day_before) == "+200.0%" and brief.change(3, 0) == "—"
    assert brief.channels == [("电话", 3)]
    assert [(c.ticket, c.why) for c in brief.emergencies] == [(gas.ticket, "")] and brief.emergency_count == 1
    assert [(c.id, c.why, c.unit, c.status) for c in brief.sensitive] == [
        (protest.id, "群体性（拉横幅），联系人139****5678", "未派单", "已受理")]
    assert "13812345678" not in brief.sensitive[0].title  # masked, as in every list
    assert brief.matters.keys == ["WY"] and brief.matters.rows[0][1:] == [3, 0.1, 42.0]  # 2 in the 28 days before
    assert brief.overdue_now == 0


def test_the_day_asked_for_is_yesterday_by_default_and_a_bad_or_future_day_is_refused_naming_it():
    today = date(2026, 11, 24)
    assert daily.day_of(None, today) == date(2026, 11, 23) and daily.day_of("2026-11-01", today) == date(2026, 11, 1)
    for bad in ("2026-13-01", "昨天", "2026-11-25"):
        with pytest.raises(InvalidInput) as refused:
            daily.day_of(bad, today)
        assert refused.value.field == "day"


def test_the_page_shows_yesterday_to_supervisors_and_analysts_only_and_refuses_a_day_to_come(app, clock, api):
    register(app, clock, local(2026, 11, 22, 20, 0), sensitive="舆情（找媒体）", content="物业再不修电梯我就找媒体")
    clock.now = local(2026, 11, 23, 9, 30)
    test_api.login(api, "supervisor")
    page = api.get("/brief")
    assert page.status_code == 200 and "每日要情 <span class=\"count\">2026-11-22（星期日）" in page.text
    assert 'id="brief-total"><a href="/cases?day=2026-11-22">1</a>' in page.text
    assert "舆情（找媒体）" in page.text and "/cases?day=2026-11-22&amp;sensitive=yes" in page.text and 'href="/brief?day=2026-11-23"' in page.text
    later = api.get("/brief", params={"day": "2026-11-24"})
    assert later.status_code == 400 and "还没有到" in later.text
    api.cookies.clear()
    test_api.login(api, "wj")
    assert api.get("/brief").status_code == 403


def test_the_brief_over_the_api_for_a_leaders_client_and_only_for_supervisors_and_analysts(app, clock, api):
    from tests.e2e.test_api import call

    register(app, clock, local(2026, 11, 22, 20, 0), sensitive="舆情（找媒体），记者电话13912345678")
    clock.now = local(2026, 11, 23, 9, 30)
    got = call(api, "analyst", "GET", "/api/v1/brief")
    assert got.status_code == 200, got.text
    brief = got.json()
    assert (brief["day"], brief["total"], brief["sensitive_count"]) == ("2026-11-22", 1, 1)
    assert brief["sensitive"][0]["why"] == "舆情（找媒体），记者电话139****5678"  # masked as on the page
    assert brief["matters"] == [{"code": "WY", "matter": "物业管理", "requests": 1, "usual": 0.0, "ratio": None}]
    assert call(api, "wj", "GET", "/api/v1/brief").status_code == 403
    bad = call(api, "supervisor", "GET", "/api/v1/brief", params={"day": "2026-11-31"})
    assert bad.status_code == 400 and bad.json()["field"] == "day"


def test_the_brief_says_which_emergency_line_took_a_case_or_was_told_of_it(app, clock, tmp_path):
    from jiesu.domain.workflow import Action
    from jiesu.services.cases import ActionInput
    from tests.support import DISPATCHER

    fire = register(app, clock, local(2026, 11, 23, 8, 0), content="楼道着火了", urgency="emergency")
    cases.perform(app, AGENT, fire.id, Action.HAND_OVER, ActionInput(line="119", reference="0231"))
    gas = register(app, clock, local(2026, 11, 23, 9, 0), content="楼道燃气味很浓", urgency="emergency")
    for line in ("119", "120", "119"):
        cases.perform(app, AGENT, gas.id, Action.ALERT_LINE, ActionInput(line=line))
    cases.perform(app, DISPATCHER, gas.id, Action.DISPATCH, ActionInput(unit="WJ"))
    clock.now = local(2026, 11, 24, 9, 0)
    brief = daily.build(app, date(2026, 11, 23), tmp_path / "a.duckdb")
    assert [(c.id, c.unit, c.status) for c in brief.emergencies] == [
        (fire.id, "已转 119 火警", "已转紧急热线"), (gas.id, "望京街道（已通报 119 火警、120 急救）", "待签收")]


def test_the_brief_tells_how_the_phones_were_answered_that_day(app, clock, api, tmp_path):
    from datetime import timedelta

    from jiesu.services import calls
    from tests.e2e.test_api import call

    def heard(ref: str, at, wait: float | None) -> dict:
        answered = at + timedelta(seconds=wait) if wait is not None else None
        return {"ref": ref, "caller": "", "offered_at": at, "answered_at": answered,
                "ended_at": (answered or at) + timedelta(seconds=60), "agent": "agent" if answered else None}

    day = local(2026, 11, 22, 10, 0)
    calls.receive(app, [heard("a", day, 5), heard("b", day, 30), heard("c", day, None), heard("d", day, 10),
                        heard("other-day", local(2026, 11, 21, 10, 0), 5)], "话务系统")
    clock.now = local(2026, 11, 23, 9, 30)
    brief = call(api, "analyst", "GET", "/api/v1/brief").json()
    assert brief["calls"] == {"offered": 4, "answered": 3, "abandoned": 1, "short_abandoned": 0, "answer_rate": 75.0,
                              "service_level": 50.0, "mean_wait": 15.0, "mean_talk": 60.0}
    test_api.login(api, "supervisor")
    page = api.get("/brief").text
    assert "话务：来电 4 通，接通 3 通，接通率 75.0%，20 秒接通率 50.0%，呼损 1 通，平均等待 15.0 秒。" in page
    assert "呼损中已回拨 0 通，来电人再次接通或已受理 0 通，隐藏号码 1 通，未回拨 0 通。" in page
    assert call(api, "analyst", "GET", "/api/v1/brief", params={"day": "2026-11-20"}).json()["calls"] is None
    printed = daily.write(daily.build(app, date(2026, 11, 22)), tmp_path / "brief.html", "12345", clock.now)
    assert "接通率 75.0%，20 秒接通率 50.0%，呼损 1 通" in printed.read_text(encoding="utf-8")  # the printed brief too
