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
    assert metrics.run(connection, "satisfaction", november).rows == [["2026-11", 1, 100.0, 80.0]]
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


def test_a_store_of_an_older_layout_is_rebuilt(app, clock, tmp_path):
    import duckdb

    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    old.execute("CREATE TABLE follow_ups (request_id BIGINT)")
    old.close()
    seed(app, clock)
    assert store.refresh(app, path).cases == 3
