"""The analytics store and its named metrics, on a small fixture with exact expected numbers."""

from __future__ import annotations

from datetime import UTC, date

from jiesu.analytics import metrics, store
from jiesu.domain.workflow import Action
from jiesu.services import cases
from jiesu.services.cases import ActionInput, Intake
from tests.support import AGENT, DISPATCHER, SUPERVISOR, WJ_HANDLER


def seed(app, clock):
    """Three cases in November 2026: two by phone (one resolved late, one on time), one from the web."""
    made = []
    for channel, category, division in (("phone", "WY1", "WJ01"), ("phone", "WY1", "WJ02"), ("web", "ZS1", "JX01")):
        made.append(cases.register(app, AGENT, Intake(content=f"{category} 测试", channel=channel,
                                                       category=category, division=division)))
        clock.advance(minutes=10)
    first, second, _ = made
    for case in (first, second):
        cases.perform(app, DISPATCHER, case.id, Action.DISPATCH, ActionInput(unit="WJ"))
        clock.advance(minutes=30)
        cases.perform(app, WJ_HANDLER, case.id, Action.ACKNOWLEDGE, ActionInput())
    clock.advance(days=1)
    cases.perform(app, WJ_HANDLER, first.id, Action.RESOLVE, ActionInput(reply="已办"))
    cases.perform(app, DISPATCHER, first.id, Action.ACCEPT_REPLY, ActionInput())
    cases.perform(app, SUPERVISOR, first.id, Action.FOLLOW_UP, ActionInput(solved=True, satisfaction="basic"))
    clock.advance(days=20)  # the second case is now far past its 7-working-day deadline
    return made


def test_metrics_give_exact_numbers_and_refresh_is_incremental(app, clock, tmp_path):
    seed(app, clock)
    path = tmp_path / "a.duckdb"
    assert store.refresh(app, path).cases == 3
    assert store.refresh(app, path).cases == 0  # nothing changed since
    connection = store.connect(path)
    november = metrics.Filters(start=date(2026, 11, 1), end=date(2026, 12, 1))
    assert metrics.run(connection, "by_channel", november).rows == [["phone", 2, 66.7], ["web", 1, 33.3]]
    assert metrics.run(connection, "by_category", november, level=1).rows == [["CX", 2, 66.7], ["HJ", 1, 33.3]]
    assert metrics.run(connection, "by_area", november, level="subdistrict").rows == [["WJ", 2, 66.7], ["JX", 1, 33.3]]
    assert metrics.run(connection, "volume", november, period="month").rows == [["2026-11-01", 3, None, None]]
    assert metrics.run(connection, "satisfaction", november).rows == [["2026-11", 1, 100.0, 80.0, 0]]
    now_utc = clock.now.astimezone(UTC).replace(tzinfo=None)
    deadlines = dict(metrics.run(connection, "deadlines", metrics.Filters(now=now_utc)).rows)
    assert deadlines == {"按时签收率%": 100.0, "按时办结率%": 100.0, "当前超期件": 1}
    assert metrics.run(connection, "by_channel", metrics.Filters(channel="web")).rows == [["web", 1, 100.0]]
    connection.close()
    # a change to one case is picked up by the next refresh
    clock.advance(minutes=5)
    third = cases.list_cases(app, cases.CaseFilter(statuses=["registered"]))[0]
    cases.perform(app, DISPATCHER, third.id, Action.DISPATCH, ActionInput(unit="HBJ"))
    assert store.refresh(app, path).cases == 1
    connection = store.connect(path)
    assert connection.execute("SELECT status FROM cases WHERE id = ?", [third.id]).fetchone() == ("dispatched",)
    assert connection.execute("SELECT count(*) FROM events").fetchone() == (11,)  # 6 + 3 + 2
    connection.close()
    # an approved unreasonable case leaves the satisfaction figures
    first = cases.list_cases(app, cases.CaseFilter(statuses=["closed"]))[0]
    clock.advance(minutes=5)
    cases.perform(app, DISPATCHER, first.id, Action.FLAG_UNREASONABLE, ActionInput(reason="超出政策范围"))
    cases.perform(app, SUPERVISOR, first.id, Action.APPROVE_UNREASONABLE, ActionInput())
    store.refresh(app, path)
    connection = store.connect(path)
    assert metrics.run(connection, "satisfaction", november).rows == []
    connection.close()


def test_handling_time_by_unit_and_first_contact_resolution(app, clock, tmp_path):
    complaint = cases.register(app, AGENT, Intake(content="楼道堆物", category="WY1", division="WJ01"))
    cases.perform(app, DISPATCHER, complaint.id, Action.DISPATCH, ActionInput(unit="WJ"))
    clock.advance(hours=5)
    cases.perform(app, WJ_HANDLER, complaint.id, Action.ACKNOWLEDGE, ActionInput())
    cases.perform(app, WJ_HANDLER, complaint.id, Action.RESOLVE, ActionInput(reply="已办"))
    cases.perform(app, DISPATCHER, complaint.id, Action.SEND_BACK, ActionInput(reason="答复不完整"))
    clock.advance(hours=5)
    cases.perform(app, WJ_HANDLER, complaint.id, Action.RESOLVE, ActionInput(reply="已清理并告知物业"))
    for answered in (True, False):
        inquiry = cases.register(app, AGENT, Intake(content="公租房怎么申请", kind="咨询", category="WY1",
                                                    division="WJ01"))
        if answered:
            cases.perform(app, AGENT, inquiry.id, Action.ANSWER_DIRECTLY, ActionInput(reply="到街道申请"))
    path = tmp_path / "a.duckdb"
    store.refresh(app, path)
    connection = store.connect(path)
    everything = metrics.Filters()
    assert metrics.run(connection, "handling_by_unit", everything).rows == [["WJ", 1, 10.0, 10.0, 100.0, 1]]
    assert metrics.run(connection, "first_contact", everything).rows == [
        ["inquiry", 2, 1, 50.0], ["complaint", 1, 0, 0.0], ["合计", 3, 1, 33.3]]
    connection.close()


def test_a_store_of_an_older_layout_is_rebuilt(app, clock, tmp_path):
    import duckdb

    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    old.execute("CREATE TABLE follow_ups (request_id BIGINT)")
    old.close()
    seed(app, clock)
    assert store.refresh(app, path).cases == 3


def test_keywords_are_kept_with_each_case_counted_by_the_metric_and_searchable(app, clock, tmp_path):
    texts = ("楼下烧烤店油烟扰民，晚上烟味很大", "烧烤店油烟直排，窗户都不能开", "道路积水严重，车辆无法通行")
    made = [cases.register(app, AGENT, Intake(content=text, category="WY1", division="WJ01")) for text in texts]
    assert "油烟" in made[0].keywords and "烧烤店" in made[1].keywords and "积水" in made[2].keywords
    assert cases.show(app, made[0].id).keywords == made[0].keywords  # stored with the case
    path = tmp_path / "k.duckdb"
    store.refresh(app, path)
    connection = store.connect(path)
    table = metrics.run(connection, "keywords", metrics.Filters(), top=3)
    connection.close()
    assert table.rows[:2] == [["油烟", 2, 66.7], ["烧烤店", 2, 66.7]] or \
        table.rows[:2] == [["烧烤店", 2, 66.7], ["油烟", 2, 66.7]]
    found = cases.list_cases(app, cases.CaseFilter(keyword="油烟"))
    assert sorted(x.id for x in found) == sorted(x.id for x in made[:2])
    assert cases.list_cases(app, cases.CaseFilter(keyword="油")) == []  # a whole keyword, not a fragment


def test_drill_down_filters_narrow_the_case_list(app, clock):
    from datetime import timedelta

    seed(app, clock)
    def ids(**kwargs):
        return sorted(x.id for x in cases.list_cases(app, cases.CaseFilter(**kwargs)))

    every = ids()
    assert len(every) == 3
    assert len(ids(area="WJ")) == 2 and len(ids(area="WJ01")) == 1  # a 街道 includes its communities
    assert cases.count_cases(app, cases.CaseFilter(area="WJ", limit=1)) == 2  # all of them, not a page
    assert len(ids(category_tree="CX")) == 2 and len(ids(category_tree="HJ")) == 1  # a first-level category
    assert len(ids(channel="web")) == 1 and len(ids(channel="web", area="WJ")) == 0
    assert len(ids(kind="complaint")) == 3 and ids(kind="inquiry") == []
    start = clock.now - timedelta(days=30)
    assert ids(received_from=start, received_to=start + timedelta(days=1)) == []
    assert ids(received_from=start - timedelta(days=30)) == every
    import pytest

    from jiesu.domain.errors import InvalidInput
    with pytest.raises(InvalidInput) as error:
        ids(area="NOPE")
    assert error.value.field == "area"
    with pytest.raises(InvalidInput) as error:
        ids(category_tree="NOPE")
    assert error.value.field == "category"


def test_the_time_slot_filter_reads_beijing_weekday_and_hour(app, clock):
    """The dashboard's weekday × hour cells: Monday 07:00 in Beijing is Sunday 23:00 in UTC, where the cases are
    stored; Sunday (ISO 7) is day 0 to SQLite."""
    import pytest

    from jiesu.domain.errors import InvalidInput
    from tests.support import local

    placed = {}
    for label, moment in (("mon07", local(2026, 11, 23, 7, 0)), ("mon0759", local(2026, 11, 23, 7, 59)),
                          ("sun22", local(2026, 11, 22, 22, 30)), ("mon08", local(2026, 11, 23, 8, 0))):
        placed[label] = cases.register(app, AGENT, Intake(content="路灯不亮", category="WY1", division="WJ01",
                                                          received_at=moment)).id

    def ids(slot):
        return sorted(x.id for x in cases.list_cases(app, cases.CaseFilter(slot=cases.parse_slot(slot))))

    assert ids("1-07") == sorted([placed["mon07"], placed["mon0759"]])
    assert ids("7-22") == [placed["sun22"]] and ids("1-08") == [placed["mon08"]]
    assert ids("7-23") == [] and ids("1-23") == []
    for bad in ("8-01", "1-24", "monday", "1-"):
        with pytest.raises(InvalidInput) as error:
            cases.parse_slot(bad)
        assert error.value.field == "slot"


def test_early_warnings_find_a_rising_matter_and_what_rose_at_this_time_last_year(app, clock, tmp_path):
    """未诉先办, with exact numbers: 望京 (WJ) 物业 requests jump in the last week; 噪声 (ZS) rose last year in the
    four weeks from this date; steady matters raise nothing."""
    today = clock.now
    made = []

    def at(moment, category, division):
        clock.now = moment
        made.append(cases.register(app, AGENT, Intake(content=f"{category} 测试", category=category,
                                                       division=division)))

    from datetime import timedelta

    last_year = today - timedelta(weeks=52)
    for day in range(0, 28, 14):  # before the date last year: 2 noise requests
        at(last_year - timedelta(days=27 - day), "ZS1", "JX01")
    for day in range(12):  # after it: 12
        at(last_year + timedelta(days=day, hours=1), "ZS1", "JX01")
    for week in range(8):  # 物业 in 望京: one every other week in the 8 weeks before the last 7 days …
        if week % 2 == 0:
            at(today - timedelta(days=7 + 7 * week + 3), "WY1", "WJ01")
        at(today - timedelta(days=7 + 7 * week + 2), "GR1", "JX01")  # … heating in 酒仙桥 every week, steadily
    for day in range(6):  # … and 6 in the last 7 days
        at(today - timedelta(days=day, hours=1), "WY1", "WJ02")
    at(today - timedelta(days=2), "GR1", "JX01")
    clock.now = today
    path = tmp_path / "w.duckdb"
    store.refresh(app, path)
    connection = store.connect(path)
    now_utc = today.astimezone(UTC).replace(tzinfo=None)
    rising = metrics.run(connection, "rising", metrics.Filters(now=now_utc))
    assert rising.rows == [["WJ", "WY", 6, 0.5, 12.0, 7.8]]  # (6 − 0.5) / √0.5 = 7.8
    assert metrics.run(connection, "rising", metrics.Filters(now=now_utc, district="CY")).rows == [["WJ", "WY", 6, 0.5,
                                                                                                   12.0, 7.8]]
    assert metrics.run(connection, "rising", metrics.Filters(now=now_utc, category1="HJ")).rows == []
    seasonal = metrics.run(connection, "seasonal", metrics.Filters(now=now_utc))
    assert seasonal.rows == [["ZS", 12, 2, 6.0]]
    a_month_ago = metrics.Filters(now=now_utc, end=date(2026, 10, 24))  # the window ends where the period ends
    assert metrics.run(connection, "rising", a_month_ago).rows == []
    connection.close()


def test_a_callback_nobody_answered_is_counted_apart_from_the_rates(app, clock, tmp_path):
    _, second, _ = seed(app, clock)
    cases.perform(app, WJ_HANDLER, second.id, Action.RESOLVE, ActionInput(reply="已办"))
    cases.perform(app, DISPATCHER, second.id, Action.ACCEPT_REPLY, ActionInput())
    for _ in range(3):
        cases.perform(app, AGENT, second.id, Action.CALLBACK_UNANSWERED, ActionInput(note="无人接听"))
        clock.advance(hours=1.5)
    cases.perform(app, AGENT, second.id, Action.CALLBACK_UNREACHABLE, ActionInput(note="三个时段均未接通"))
    store.refresh(app, tmp_path / "a.duckdb")
    connection = store.connect(tmp_path / "a.duckdb")
    assert metrics.run(connection, "satisfaction", metrics.Filters()).rows == [
        ["2026-11", 1, 100.0, 80.0, 0], ["2026-12", 0, None, None, 1]]
    connection.close()


def test_the_agents_workload_counts_what_each_agent_recorded_in_the_period(app, clock, tmp_path):
    from jiesu.domain.enums import Role
    from jiesu.domain.request import Actor

    seed(app, clock)  # the agent registers three cases in November; a supervisor makes the one callback
    other = Actor("坐席小李", Role.AGENT)
    late = cases.register(app, other, Intake(content="WY1 测试", channel="phone", category="WY1", division="WJ01"))
    cases.perform(app, other, late.id, Action.DISPATCH, ActionInput(unit="WJ"))
    cases.perform(app, other, late.id, Action.SUPPLEMENT, ActionInput(note="诉求人来电补充：3 号楼也有"))
    fire = cases.register(app, other, Intake(content="楼道着火了", channel="phone", division="WJ01"))
    cases.perform(app, other, fire.id, Action.HAND_OVER, ActionInput(line="119"))
    store.refresh(app, tmp_path / "a.duckdb")
    connection = store.connect(tmp_path / "a.duckdb")
    november = metrics.Filters(start=date(2026, 11, 1), end=date(2026, 12, 1))
    table = metrics.run(connection, "agent_workload", november)
    assert table.columns == ["坐席", "受理", "直接办结", "派单", "转紧急热线", "催办登记", "补充登记", "回访",
                             "回访未接通", "回访无法联系", "合计", "接听来电", "平均通话（秒）"]
    assert table.rows == [[AGENT.name, 3, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, None]]  # no call records: none answered
    assert metrics.run(connection, "agent_workload", metrics.Filters(start=date(2026, 12, 1))).rows == [
        ["坐席小李", 2, 0, 1, 1, 0, 1, 0, 0, 0, 5, 0, None]]
    web = metrics.run(connection, "agent_workload", metrics.Filters(start=date(2026, 11, 1), channel="web")).rows
    assert web == [[AGENT.name, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, None]]
    connection.close()


def test_sensitive_requests_are_counted_by_kind_and_area_and_follow_a_later_mark(app, clock, tmp_path):
    protest = cases.register(app, AGENT, Intake(content="业主要拉横幅", category="WY1", division="WJ01",
                                                sensitive="群体性（拉横幅）；舆情（找媒体）"))
    cases.register(app, AGENT, Intake(content="路灯坏了", category="WY1", division="JX01"))
    path = tmp_path / "a.duckdb"
    store.refresh(app, path)
    november = metrics.Filters(start=date(2026, 11, 1), end=date(2026, 12, 1))
    connection = store.connect(path)
    assert metrics.run(connection, "sensitive", november).rows == [["群体性", 1], ["舆情", 1]]
    assert metrics.run(connection, "sensitive", november, by="district").rows == [["CY", 1]]
    assert connection.execute("SELECT count(*) FROM cases WHERE len(sensitive_kinds) = 0").fetchone() == (1,)
    connection.close()
    clock.advance(minutes=5)
    cases.perform(app, DISPATCHER, protest.id, Action.CHANGE_SENSITIVITY, ActionInput(sensitive=False, reason="核实"))
    store.refresh(app, path)  # the change reaches the copy with the next refresh
    connection = store.connect(path)
    assert metrics.run(connection, "sensitive", november).rows == []
    assert metrics.run(connection, "sensitive", november, by="subdistrict").rows == []
    connection.close()


def test_the_emergency_lines_count_the_cases_handed_over_and_told_per_line(app, clock, tmp_path):
    fight = cases.register(app, AGENT, Intake(content="楼下有人持刀打架", division="WJ01"))
    cases.perform(app, AGENT, fight.id, Action.HAND_OVER, ActionInput(line="110", reference="0231"))
    gas = cases.register(app, AGENT, Intake(content="楼道燃气味很重", category="WY1", division="WJ01"))
    cases.perform(app, AGENT, gas.id, Action.ALERT_LINE, ActionInput(line="119"))
    cases.perform(app, AGENT, gas.id, Action.ALERT_LINE, ActionInput(line="120", note="有人头晕"))
    cases.perform(app, AGENT, gas.id, Action.DISPATCH, ActionInput(unit="WJ"))
    again = cases.register(app, AGENT, Intake(content="燃气味", category="WY1", division="JX01", channel="web"))
    cases.perform(app, AGENT, again.id, Action.ALERT_LINE, ActionInput(line="119"))
    cases.perform(app, AGENT, again.id, Action.ALERT_LINE, ActionInput(line="119", note="再次通报"))  # one case
    cases.register(app, AGENT, Intake(content="路灯坏了", category="WY1", division="JX01"))
    path = tmp_path / "a.duckdb"
    store.refresh(app, path)
    connection = store.connect(path)
    november = metrics.Filters(start=date(2026, 11, 1), end=date(2026, 12, 1))
    table = metrics.run(connection, "emergency_lines", november)
    assert table.columns == ["紧急热线", "转紧急热线", "通报紧急热线"]
    assert table.rows == [["110 报警", 1, 0], ["119 火警", 0, 2], ["120 急救", 0, 1]]
    web = metrics.Filters(start=date(2026, 11, 1), end=date(2026, 12, 1), channel="web")  # narrowed by the case
    assert metrics.run(connection, "emergency_lines", web).rows == [["119 火警", 0, 1]]
    assert metrics.run(connection, "emergency_lines", metrics.Filters(start=date(2026, 12, 1))).rows == []
    connection.close()


def test_the_staffing_advice_reads_the_calls_of_each_weekday_hour_over_whole_weeks(app, clock, tmp_path):
    from datetime import datetime, timedelta

    import pytest

    from jiesu.domain.errors import InvalidInput
    from tests.support import local

    clock.now = local(2026, 11, 30, 8, 0)  # Monday morning
    for week in range(4):  # four Mondays before today, 9 o'clock: 50, 50, 50 and 50 calls
        monday = local(2026, 11, 2, 9, 0) + timedelta(weeks=week)
        for minute in range(50):
            cases.register(app, AGENT, Intake(content="路灯不亮", channel="phone", division="WJ01", category="WY1",
                                              received_at=monday + timedelta(minutes=minute)))
    cases.register(app, AGENT, Intake(content="网上反映路灯不亮", channel="web", division="WJ01", category="WY1",
                                      received_at=local(2026, 11, 23, 9, 30)))  # not a call
    cases.register(app, AGENT, Intake(content="今天的来电", channel="phone", division="WJ01", category="WY1",
                                      received_at=local(2026, 11, 30, 7, 0)))  # today: not a whole day yet
    store.refresh(app, tmp_path / "a.duckdb")
    connection = store.connect(tmp_path / "a.duckdb")
    now = metrics.Filters(now=datetime(2026, 11, 30, 0, 0))  # naive UTC: 08:00 Beijing
    table = metrics.run(connection, "staffing", now)
    assert len(table.rows) == 7 * 24 and table.columns[2:] == ["每小时来电（均值）", "在线坐席", "排班人数"]
    rows = {(weekday, hour): rest for weekday, hour, *rest in table.rows}
    assert rows[(1, 9)] == [50.0, 7, 10]  # 50 calls of 5 minutes: 4.2 erlangs; 6 agents answer 71 % within 20 s,
    # 7 answer 87 %; with 30 % of their time away, 10 on the roster
    assert rows[(1, 7)] == [0.0, 0, 0] and rows[(1, 10)] == [0.0, 0, 0]
    assert metrics.run(connection, "staffing", now, handling=180).rows[9][2:] == [50.0, 5, 8]
    assert metrics.run(connection, "staffing", now, weeks=2).rows[9][2:] == [50.0, 7, 10]
    with pytest.raises(InvalidInput) as refused:
        metrics.run(connection, "staffing", now, share=1.2)
    assert refused.value.field == "share"
    connection.close()
