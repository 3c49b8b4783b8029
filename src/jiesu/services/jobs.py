"""Long operations started from a page (归并新工单) run in a background thread of the server. Their state — the
stage, how far it got, the result or the error — is kept in the database (settings_kv, key `job.NAME`), so that
whichever server process answers the page's polling can tell it, and a second start while one runs is refused."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update

from jiesu.bootstrap import App
from jiesu.domain.errors import DomainError
from jiesu.storage import tables as t

STALE = timedelta(minutes=2)  # a running job not heard of for this long died with its process
HEARTBEAT = 30.0  # seconds between two "still alive" writes of a running job, whatever its progress
EVERY = 0.5  # seconds at least between two progress writes
log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]


def state(app: App, name: str) -> dict | None:
    """{state: running|done|failed, stage, done, total, message, started_at, updated_at} of the last run, or None."""
    with app.uow(read_only=True) as uow:
        return uow.connection.execute(select(t.settings_kv.c.value).where(t.settings_kv.c.key == f"job.{name}")
                                      ).scalar()


def running(app: App, job: dict | None) -> bool:
    return bool(job and job["state"] == "running"
                and app.now() - datetime.fromisoformat(job["updated_at"]) < STALE)


def start(app: App, name: str, work: Callable[[Progress], str]) -> bool:
    """Run `work(progress)` in a background thread unless a run of `name` is going on (False then). `work` returns
    the message to show when it is done."""
    key = f"job.{name}"
    with app.uow() as uow:
        c = uow.connection
        current = c.execute(select(t.settings_kv.c.value).where(t.settings_kv.c.key == key)).scalar()
        if running(app, current):
            return False
        stamp = app.now().isoformat()
        fresh = {"state": "running", "stage": "排队", "done": 0, "total": 0, "message": "", "started_at": stamp,
                 "updated_at": stamp, "run": uuid.uuid4().hex}
        uow.config.put_setting(key, fresh)
        uow.commit()
    last = [0.0]
    writing = threading.Lock()  # progress, heartbeat and the end write one at a time: none undoes another
    finished = threading.Event()

    def write(**changes) -> None:
        with writing, app.uow() as uow:
            c = uow.connection
            value = c.execute(select(t.settings_kv.c.value).where(t.settings_kv.c.key == key)).scalar() or fresh
            if value.get("run") != fresh["run"]:
                return  # taken for dead and started again since: this run's news no longer counts
            value = {**value, **changes, "updated_at": app.now().isoformat()}
            c.execute(update(t.settings_kv).where(t.settings_kv.c.key == key).values(value=value))
            uow.commit()

    def progress(stage: str, done: int, total: int) -> None:
        if time.monotonic() - last[0] >= EVERY or done == total:
            last[0] = time.monotonic()
            write(stage=stage, done=done, total=total)

    def beat() -> None:  # a long stage reports no progress; this tells the pages that the run is alive
        while not finished.wait(HEARTBEAT):
            try:
                write()
            except Exception:  # the database is away for a moment: the next beat or progress write says it
                log.warning("后台任务 %s 的心跳未能写入", name, exc_info=True)

    def run() -> None:
        heart = threading.Thread(target=beat, name=f"job-{name}-heartbeat", daemon=True)
        heart.start()
        try:
            outcome = {"state": "done", "message": work(progress)}
        except DomainError as error:
            outcome = {"state": "failed", "message": error.message}
        except Exception:
            log.exception("后台任务 %s 失败", name)
            outcome = {"state": "failed", "message": "内部错误，详见服务器日志；可稍后重试"}
        finished.set()
        heart.join()
        write(**outcome)

    threading.Thread(target=run, name=f"job-{name}", daemon=True).start()
    return True
