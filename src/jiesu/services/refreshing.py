"""Figures a process keeps and counts again in the background: the 改派经验 the router is advised by, the 三率 of a
month. Each is a read over weeks of cases (seconds to minutes at a year of Beijing) that changes little from one
case to the next, so no request should wait for it more than once."""

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
    figures of hours ago. `start(key)` makes the first count in the background too (server start-up); until it is
    done, `get` answers `placeholder` (when given) instead of waiting. A failed recount is logged and tried again
    after `refresh_seconds`; the old value stays."""

    def __init__(self, name: str, compute: Callable[[Hashable], T], refresh_seconds: float = 300.0,
                 placeholder: Callable[[], T] | None = None, max_age_seconds: float = 3600.0) -> None:
        self.name, self.compute = name, compute
        self.refresh_seconds, self.max_age_seconds = refresh_seconds, max_age_seconds
        self.placeholder = placeholder
        self._lock = threading.Lock()
        self._values: dict[Hashable, tuple[T, float]] = {}  # key → (value, monotonic time counted)
        self._busy: set[Hashable] = set()  # keys being counted in the background
        self._starting: set[Hashable] = set()  # … for the first time, from `start`

    def start(self, key: Hashable = None) -> None:
        with self._lock:
            if key in self._values or key in self._busy:
                return
            self._busy.add(key)
            if self.placeholder is not None:
                self._starting.add(key)
        threading.Thread(target=self._recount, args=(key,), name=self.name, daemon=True).start()

    def invalidate(self) -> None:
        """Count again on next use, in the caller's thread."""
        with self._lock:
            self._values.clear()

    def get(self, key: Hashable = None) -> T:
        with self._lock:
            found = self._values.get(key)
            if found is not None and time.monotonic() - found[1] >= self.max_age_seconds:
                found = None  # too old to show while a new count is made
            if found is None and key in self._starting and self.placeholder is not None:
                return self.placeholder()
            if found is not None and key not in self._busy and \
                    time.monotonic() - found[1] >= self.refresh_seconds:
                self._busy.add(key)
                threading.Thread(target=self._recount, args=(key,), name=self.name, daemon=True).start()
        if found is not None:
            return found[0]
        value = self.compute(key)
        with self._lock:
            self._values[key] = (value, time.monotonic())
        return value

    def _recount(self, key: Hashable) -> None:
        try:
            value = self.compute(key)
            with self._lock:
                self._values[key] = (value, time.monotonic())
        except Exception:
            log.exception("%s：后台统计失败，沿用上次的结果，稍后重试", self.name)
            with self._lock:
                if key in self._values:  # not at once again
                    self._values[key] = (self._values[key][0], time.monotonic())
        finally:
            with self._lock:
                self._busy.discard(key)
                self._starting.discard(key)
