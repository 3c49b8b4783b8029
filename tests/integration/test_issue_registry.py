"""Stored issues (一类事): incremental growth, dispatch as one root-cause task, merging members, and the
candidates for the month's topic — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from jiesu.domain.errors import IllegalTransition, InvalidInput, NotFound
from jiesu.domain.workflow import Status
from jiesu.issues import registry
from jiesu.services import cases
from jiesu.services.cases import Intake
from jiesu.storage import tables as t
from tests.support import AGENT, DISPATCHER

NOISE = ["望京西园三区楼下烧烤店油烟扰民，晚上烟很大", "望京西园三区烧烤店油烟扰民，窗户都不能开",
         "望京西园三区的烧烤店油烟扰民严重，请管一管"]


def register(app, clock, content, division="WJ01", category="WY1"):
    clock.advance(minutes=30)
    return cases.register(app, AGENT, Intake(content=content, category=category, division=division))


def count(app, table) -> int:
    with app.uow(read_only=True) as uow:
        return uow.connection.execute(select(func.count()).select_from(table)).scalar()


def test_issues_grow_incrementally_and_never_cluster_again(app, clock):
    members = [register(app, clock, text) for text in NOISE]
    register(app, clock, "小区电梯坏了一周没人修")  # alone: not a class of problems
    first = registry.build(app)
    assert (first.considered, first.joined, first.new_issues, first.in_new_issues) == (4, 0, 1, 3)
    [issue] = registry.ranked(app)
    assert issue.size == 3 and issue.requesters == 3 and issue.category == "WY1" and issue.state == "未派发"
    assert "油烟" in issue.keywords
    later = register(app, clock, "又来反映：望京西园三区烧烤店油烟扰民")
    register(app, clock, "望京西园三区烧烤店油烟扰民", division="JX01")  # another 街道 of the same district
    other_matter = register(app, clock, "望京西园三区烧烤店油烟扰民", category="ZS1")  # another matter: never joins
    second = registry.build(app)
    assert (second.considered, second.joined) == (4, 2)
    found, rows = registry.get(app, issue.id)
    assert found.size == 5 and later.id in {x.id for x in rows} and other_matter.id not in {x.id for x in rows}
    assert {x.id for x in rows} >= {m.id for m in members}
    again = registry.build(app)  # nothing new: the two loners are looked at again (a later repeat may pair them)
    assert (again.considered, again.joined, again.new_issues) == (2, 0, 0)


def test_an_issue_is_dispatched_as_one_task_once_and_bad_input_writes_nothing(app, clock):
    for text in NOISE:
        register(app, clock, text)
    registry.build(app)
    [issue] = registry.ranked(app)
    before = count(app, t.requests)
    with pytest.raises(NotFound):
        registry.dispatch(app, DISPATCHER, issue.id, "NOPE")
    with pytest.raises(NotFound):
        registry.dispatch(app, DISPATCHER, 9999, "WJ")
    assert count(app, t.requests) == before and registry.get(app, issue.id)[0].task_id is None
    task_id = registry.dispatch(app, DISPATCHER, issue.id, "WJ", "请统一整治")
    task = cases.show(app, task_id)
    assert task.status == Status.DISPATCHED and task.lead_unit == "WJ" and task.channel.value == "proactive"
    assert f"问题 {issue.id}" in task.content and task.category == "WY1"
    tracked = registry.get(app, issue.id)[0]
    assert tracked.task_id == task_id and tracked.state == "治理中"
    with pytest.raises(IllegalTransition):
        registry.dispatch(app, DISPATCHER, issue.id, "WJ")
    registry.build(app)  # the task itself never becomes a member of an issue
    assert task_id not in {x.id for x in registry.get(app, issue.id)[1]}


def test_members_are_merged_into_one_in_one_transaction(app, clock):
    made = [register(app, clock, text) for text in NOISE]
    registry.build(app)
    [issue] = registry.ranked(app)
    master, *rest = made
    with pytest.raises(InvalidInput) as error:
        registry.merge(app, DISPATCHER, issue.id, master.id, [x.id for x in rest] + [99999])
    assert error.value.field == "members"
    assert all(cases.show(app, x.id).status == Status.REGISTERED for x in rest)  # nothing half-done
    assert registry.merge(app, DISPATCHER, issue.id, master.id, [x.id for x in rest]) == 2
    assert cases.show(app, master.id).merged_ids == [x.id for x in rest]
    assert all(cases.show(app, x.id).status == Status.MERGED for x in rest)


def test_topic_candidates_are_issues_present_in_each_recent_month(app, clock):
    for text in NOISE:  # a burst in one month: not persistent
        register(app, clock, text)
    for _ in range(3):  # a matter that keeps coming back month after month
        clock.advance(days=31)
        for text in ("酒仙桥路口下雨就积水，车辆无法通行", "酒仙桥路口积水严重，下雨天车辆无法通行"):
            register(app, clock, text, division="JX01", category="ZS1")
    registry.build(app)
    candidates = registry.topic_candidates(app, months=3)
    assert len(candidates) == 1
    issue, recent = candidates[0]
    assert issue.category == "ZS1" and recent == 6
    with pytest.raises(InvalidInput):
        registry.topic_candidates(app, months=0)
