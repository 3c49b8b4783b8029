"""The intake repeat check's index kept current: requests stored after it was built (also by another process)
are found through its tail, and a background rebuild swaps in new weights without losing any."""

from __future__ import annotations

import time

from jiesu.services import cases, repeats
from jiesu.services.cases import Intake
from jiesu.services.repeats import RepeatSearch
from tests.support import AGENT

NOISE = "花家地社区北门搅拌站夜里噪音很大，灰尘污染严重"
OTHER = ["公租房申请条件是什么", "小区电梯坏了一周没人修", "酒仙桥路口下雨就积水", "楼道垃圾没人清理"]


def register(app, clock, content, division="WJ02"):
    clock.advance(minutes=10)
    return cases.register(app, AGENT, Intake(content=content, category="ZS1", division=division))


def test_the_tail_and_the_background_rebuild_keep_the_index_current(app, clock, monkeypatch):
    monkeypatch.setattr(repeats, "REBUILD_MIN", 100)  # no background rebuild until asked below
    monkeypatch.setattr(repeats, "REBUILD_EVERY", 0.0)
    for text in OTHER:
        register(app, clock, text)
    search = RepeatSearch()
    with app.uow(read_only=True) as uow:
        assert search.search(app, uow.connection, NOISE, ["WJ02"], "ZS1", 0.2) == []
    first = register(app, clock, NOISE)
    elsewhere = register(app, clock, NOISE, division="JX01")  # another 街道: never suggested
    with app.uow(read_only=True) as uow:
        hits = search.search(app, uow.connection, "投诉花家地北门的搅拌站噪音灰尘", ["WJ02"], "ZS1", 0.2)
    assert [i for i, _ in hits] == [first.id] and len(search.snapshot.tail) == 2
    assert elsewhere.id not in [i for i, _ in hits]
    monkeypatch.setattr(repeats, "REBUILD_MIN", 3)
    for _ in range(3):  # the tail passes 3: a new index is built in the background
        register(app, clock, "又一件：" + OTHER[0])
    with app.uow(read_only=True) as uow:
        search.search(app, uow.connection, NOISE, ["WJ02"], "ZS1", 0.2)
    for _ in range(100):
        if not search.rebuilding:
            break
        time.sleep(0.05)
    assert not search.rebuilding and len(search.snapshot.tail) == 0 and len(search.snapshot.index) == 2 + 4 + 3
    with app.uow(read_only=True) as uow:
        hits = search.search(app, uow.connection, "投诉花家地北门的搅拌站噪音灰尘", ["WJ02"], "ZS1", 0.2)
    assert [i for i, _ in hits] == [first.id]


def test_newly_stored_requests_are_read_at_most_once_per_interval(app, clock, monkeypatch):
    search = RepeatSearch(catch_up_every=3600.0)
    with app.uow(read_only=True) as uow:
        assert search.search(app, uow.connection, NOISE, ["WJ02"], "ZS1", 0.2) == []  # the first check reads
    first = register(app, clock, NOISE)
    with app.uow(read_only=True) as uow:  # within the interval: not read yet
        assert search.search(app, uow.connection, NOISE, ["WJ02"], "ZS1", 0.2) == []
    search.last_catch_up -= 3600.0  # the interval has passed
    with app.uow(read_only=True) as uow:
        assert [i for i, _ in search.search(app, uow.connection, NOISE, ["WJ02"], "ZS1", 0.2)] == [first.id]
