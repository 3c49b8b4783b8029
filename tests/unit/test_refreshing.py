"""Figures a process keeps: counted once, then again in the background while the old ones answer."""

import threading

from jiesu.services.refreshing import Refreshing


class Counter:
    """A count that can be held back until the test lets it finish."""

    def __init__(self) -> None:
        self.calls: list[object] = []
        self.release = threading.Event()
        self.release.set()
        self.fail = False

    def __call__(self, key):
        self.release.wait(10)
        if self.fail:
            raise RuntimeError("the database went away")
        self.calls.append(key)
        return f"{key}#{len(self.calls)}"


def settle(name: str) -> None:
    for thread in threading.enumerate():
        if thread.name == name:
            thread.join(10)


def test_the_first_use_counts_at_once_and_later_uses_within_the_interval_reuse_it():
    count = Counter()
    kept = Refreshing("t1", count, refresh_seconds=300)
    assert kept.get("2026-11") == "2026-11#1"
    assert kept.get("2026-11") == "2026-11#1" and kept.get("2026-10") == "2026-10#2"  # each key on its own
    assert count.calls == ["2026-11", "2026-10"]
    kept.invalidate()
    assert kept.get("2026-11") == "2026-11#3"


def test_a_stale_value_answers_at_once_while_the_new_count_is_made_in_the_background():
    count = Counter()
    kept = Refreshing("t2", count, refresh_seconds=0)
    assert kept.get() == "None#1"
    count.release.clear()  # the next count takes its time
    assert kept.get() == "None#1"  # not waited for
    assert kept.get() == "None#1" and len([t for t in threading.enumerate() if t.name == "t2"]) == 1  # one recount
    count.release.set()
    settle("t2")
    assert kept.get() == "None#2"


def test_a_starting_server_answers_the_placeholder_until_the_first_count_is_done():
    count = Counter()
    count.release.clear()
    kept = Refreshing("t3", count, placeholder=lambda: "nothing yet")
    kept.start()
    assert kept.get() == "nothing yet"
    count.release.set()
    settle("t3")
    assert kept.get() == "None#1"


def test_a_failed_recount_keeps_the_old_value_and_is_tried_again_later(caplog):
    count = Counter()
    kept = Refreshing("t4", count, refresh_seconds=0)
    assert kept.get() == "None#1"
    count.fail = True
    assert kept.get() == "None#1"
    settle("t4")
    assert "后台统计失败" in caplog.text
    count.fail = False
    kept.get()  # due again: recounted in the background
    settle("t4")
    assert kept.get() == "None#2"


def test_a_value_nobody_asked_for_in_a_long_while_is_counted_again_before_it_is_shown():
    count = Counter()
    kept = Refreshing("t5", count, refresh_seconds=0, max_age_seconds=0)
    assert kept.get() == "None#1"
    assert kept.get() == "None#2"  # at once, in the caller's thread: not the old one while a new one is made


def test_a_value_is_counted_again_in_the_background_as_soon_as_its_source_changed():
    count, source = Counter(), {"version": 1}
    kept = Refreshing("t6", count, refresh_seconds=float("inf"), check_seconds=0,
                      changed=lambda key, value: source["version"] != int(value.split("#")[1]))
    assert kept.get() == "None#1"
    assert kept.get() == "None#1" and count.calls == [None]  # unchanged: not counted again
    source["version"] = 2
    count.release.clear()
    assert kept.get() == "None#1"  # the old value answers while the new one is made
    count.release.set()
    settle("t6")
    assert kept.get() == "None#2"


def test_a_count_begun_before_an_invalidation_is_not_kept():
    count = Counter()
    kept = Refreshing("t7", count, refresh_seconds=0)
    assert kept.get() == "None#1"
    count.release.clear()
    kept.get()  # a background recount starts, held back
    kept.invalidate()  # meanwhile the data changed here
    count.release.set()
    settle("t7")
    assert kept.get() == "None#3"  # counted again, not the recount begun before the change
