"""Figures a process keeps and counts again in the background: the 改派经验 the router is advised by, the 三率 of a
month, the 知识库's search index. Each is a read over many rows (seconds to minutes at a year of Beijing) that
changes little from one request to the next, so no request should wait for it more than once."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Refreshing(Generic[T]):
    """Values by key, each computed on first use in the caller's thread and, once older than `refresh_seconds`,
    computed again in a background thread while the old value keeps answering — unless it is older than
    `max_age_seconds` (nobody asked for a long while): then the caller waits for a new one rather than be shown
    figures of hours ago. With `changed(key, value)`, asked at most every `check_seconds`, a value is also computed
    again in the background as soon as what it was made from has changed. `start(key)` makes the first count in the
    background too (server start-up); until it is done, `get` answers `placeholder` (when given) instead of
    waiting. A failed recount is logged and tried again after `refresh_seconds`; the old value stays. A value
    computed from before `invalidate` is never kept after it."""

    def __init__(self, name: str, compute: Callable[[Hashable], T], refresh_seconds: float = 300.0,
                 placeholder: Callable[[], T] | None = None, max_age_seconds: float = 3600.0,
                 changed: Callable[[Hashable, T], bool] | None = None, check_seconds: float = 1.0) -> None:
        self.name, self.compute = name, compute
        self.refresh_seconds, self.max_age_seconds = refresh_seconds, max_age_seconds
        self.placeholder = placeholder
        self.changed, self.check_seconds = changed, check_seconds
        self._lock = threading.Lock()
        self._values: dict[Hashable, tuple[T, float]] = {}  # key → (value, monotonic time counted)
        self._checked: dict[Hashable, float] = {}  # key → when `changed` was last asked
        self._busy: set[Hashable] = set()  # keys being counted in the background
        self._starting: set[Hashable] = set()  # … for the first time, from `start`
        self._generation = 0  # moved on by `invalidate`: a count begun before it is not kept

    def start(self, key: Hashable = None) -> None:
        with self._lock:
            if key in self._values or key in self._busy:
                return
            self._busy.add(key)
            if self.placeholder is not None:
                self._starting.add(key)
            generation = self._generation
        self._in_background(key, generation)

    def invalidate(self) -> None:
        """Count again on next use, in the caller's thread."""
        with self._lock:
            self._values.clear()
            self._generation += 1

    def get(self, key: Hashable = None) -> T:
        ask = False
        with self._lock:
            found = self._values.get(key)
            now = time.monotonic()
            if found is not None and now - found[1] >= self.max_age_seconds:
                found = None  # too old to show while a new count is made
            if found is None and key in self._starting and self.placeholder is not None:
                return self.placeholder()
            generation = self._generation
            if found is not None and key not in self._busy:
                if now - found[1] >= self.refresh_seconds:
                    self._busy.add(key)
                    self._in_background(key, generation)
                elif self.changed is not None and now - self._checked.get(key, found[1]) >= self.check_seconds:
                    self._checked[key] = now
                    ask = True
        if found is not None:
            if ask and self._has_changed(key, found[0]):
                with self._lock:
                    if key in self._busy:
                        return found[0]
                    self._busy.add(key)
                    generation = self._generation
                self._in_background(key, generation)
            return found[0]
        value = self.compute(key)
        self._keep(key, value, generation)
        return value

    def _has_changed(self, key: Hashable, value: T) -> bool:
        if self.changed is None:
            return False
        try:
            return self.changed(key, value)
        except Exception:
            log.exception("%s：检查数据是否变化失败，沿用现有结果", self.name)
            return False

    def _keep(self, key: Hashable, value: T, generation: int) -> None:
        with self._lock:
            if self._generation == generation:
                self._values[key] = (value, time.monotonic())
                self._checked[key] = time.monotonic()

    def _in_background(self, key: Hashable, generation: int) -> None:
        """Count `key` again in a thread; the count is kept only if nothing was invalidated since `generation`."""
        threading.Thread(target=self._recount, args=(key, generation), name=self.name, daemon=True).start()

    def _recount(self, key: Hashable, generation: int) -> None:
        try:
            self._keep(key, self.compute(key), generation)
        except Exception:
            log.exception("%s：后台统计失败，沿用上次的结果，稍后重试", self.name)
            with self._lock:
                if key in self._values:  # not at once again
                    self._values[key] = (self._values[key][0], time.monotonic())
        finally:
            with self._lock:
                self._busy.discard(key)
                self._starting.discard(key)
