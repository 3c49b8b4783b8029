"""Background jobs started from a page: their state is in the database for every server process to read; one
run at a time; a failure is reported with its reason; a run whose process died does not block the next."""

from __future__ import annotations

import threading
import time

from jiesu.domain.errors import InvalidInput
from jiesu.services import jobs


def wait(app, name):
    for _ in range(200):
        job = jobs.state(app, name)
        if not jobs.running(app, job):
            return job
        time.sleep(0.02)
    raise AssertionError("the job did not finish")


def test_one_run_at_a_time_with_progress_then_its_message(app, monkeypatch):
    monkeypatch.setattr(jobs, "EVERY", 0.0)
    release, reported = threading.Event(), threading.Event()

    def work(progress):
        progress("聚类新工单", 3, 10)
        reported.set()
        release.wait(5)
        return "完成：3 件"

    assert jobs.start(app, "demo", work)
    assert reported.wait(5)
    job = jobs.state(app, "demo")
    assert jobs.running(app, job) and (job["stage"], job["done"], job["total"]) == ("聚类新工单", 3, 10)
    assert not jobs.start(app, "demo", work)  # refused while the first runs
    release.set()
    job = wait(app, "demo")
    assert job["state"] == "done" and job["message"] == "完成：3 件"


def test_a_failure_is_kept_with_its_reason_and_a_dead_run_does_not_block(app, clock):
    def fails(progress):
        raise InvalidInput("阈值应在 0 与 1 之间", field="threshold")

    assert jobs.start(app, "demo", fails)
    job = wait(app, "demo")
    assert job["state"] == "failed" and job["message"] == "阈值应在 0 与 1 之间"

    def hangs(progress):
        threading.Event().wait(0.5)
        return "迟到的结果"

    assert jobs.start(app, "demo", hangs)
    clock.advance(minutes=3)  # not heard of for longer than STALE: its process is taken for dead
    assert not jobs.running(app, jobs.state(app, "demo"))
    assert jobs.start(app, "demo", lambda progress: "重新开始")
    time.sleep(0.8)  # the first run ends late: its result must not overwrite the new run's
    assert wait(app, "demo")["message"] == "重新开始"


def test_a_long_stage_without_progress_is_kept_alive_by_its_heartbeat(app, clock, monkeypatch):
    monkeypatch.setattr(jobs, "HEARTBEAT", 0.05)
    release = threading.Event()
    assert jobs.start(app, "demo", lambda progress: release.wait(5) and "做完了")
    clock.advance(minutes=3)  # longer than STALE without progress …
    time.sleep(0.3)  # … but the heartbeat wrote in the meantime
    assert jobs.running(app, jobs.state(app, "demo"))
    assert not jobs.start(app, "demo", lambda progress: "第二次")
    release.set()
    job = wait(app, "demo")
    assert (job["state"], job["message"]) == ("done", "做完了")  # the last heartbeat did not overwrite the end
