"""The intake repeat check (同类件): the stored requests similar to the one being taken, in the same 街道 and
category within a year, found through an n-gram index (`nlp/repeat_index.py`) instead of a scan.

Each server process keeps one `RepeatSearch`. The server builds its index of the last `WINDOW` in a background
thread at start (checks answer with nothing until it is ready); without a server it is built on first use. Every
check first reads the requests stored since (by id, so other processes' intakes count at once) into a tail that
is scored directly with the index's weights; once the tail passes `REBUILD_MIN` requests and 5 % of the index (and
`REBUILD_EVERY` seconds have passed since the last rebuild), a new index (new weights) is built in a background
thread and swapped in, so no intake waits for it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from scipy import sparse
from sqlalchemy import bindparam, select

from jiesu.domain.workflow import Status
from jiesu.nlp.repeat_index import RepeatIndex, cosine_with
from jiesu.storage import tables as t

WINDOW = timedelta(days=365)
REBUILD_MIN = 500
REBUILD_SHARE = 0.05
REBUILD_EVERY = 120.0  # seconds at least between two rebuilds of one process (each costs a read of the window)
_r = t.requests
_ROWS = select(_r.c.id, _r.c.title, _r.c.content, _r.c.division, _r.c.category, _r.c.received_at).where(
    _r.c.status.not_in([Status.MERGED.value, Status.WITHDRAWN.value]))
_NEWER = _ROWS.where(_r.c.id > bindparam("after")).order_by(_r.c.id)


@dataclass
class _Facts:
    """What the filter needs of each row: request id, 街道/社区 and category (as small integers), receipt time."""

    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    divisions: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    categories: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    received: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))

    def extend(self, other: _Facts) -> _Facts:
        return _Facts(*(np.concatenate((a, b)) for a, b in ((self.ids, other.ids), (self.divisions, other.divisions),
                                                              (self.categories, other.categories),
                                                              (self.received, other.received))))


@dataclass
class _Snapshot:
    index: RepeatIndex
    facts: _Facts
    last_id: int
    tail_rows: sparse.csr_matrix  # requests stored after the index was built, with the index's weights
    tail: _Facts


class RepeatSearch:
    def __init__(self, window: timedelta = WINDOW) -> None:
        self.window = window
        self.lock = threading.Lock()
        self.codes: dict[str | None, int] = {None: 0}
        self.snapshot: _Snapshot | None = None
        self.rebuilding = False
        self.last_rebuild = 0.0  # time.monotonic() of the last background rebuild

    def _code(self, value: str | None) -> int:
        if value not in self.codes:
            self.codes[value] = len(self.codes)
        return self.codes[value]

    def _facts(self, rows) -> _Facts:
        with self.lock:
            return _Facts(np.array([x.id for x in rows], np.int64),
                          np.array([self._code(x.division) for x in rows], np.int32),
                          np.array([self._code(x.category) for x in rows], np.int32),
                          np.array([x.received_at.timestamp() for x in rows], np.float64))

    def _build(self, connection, now: datetime) -> _Snapshot:
        rows = connection.execute(_ROWS.where(_r.c.received_at >= now - self.window).order_by(_r.c.id)).all()
        index = RepeatIndex([f"{x.title} {x.content}" for x in rows])
        return _Snapshot(index, self._facts(rows), rows[-1].id if rows else 0, index.rows[:0], _Facts())

    def start(self, app) -> None:
        """Build the index in the background (a server calls this at start: a year of a big city takes a minute)."""
        if self.snapshot is None and not self.rebuilding:
            self._rebuild_in_background(app.engine, app.now())

    def _rebuild_in_background(self, engine, now: datetime) -> None:
        def work() -> None:
            try:
                with engine.connect() as connection:
                    fresh = self._build(connection, now)
                with self.lock:  # what was stored after the new index read its rows comes in through its tail
                    self.snapshot = fresh
            finally:
                self.rebuilding = False

        self.rebuilding = True
        self.last_rebuild = time.monotonic()
        threading.Thread(target=work, name="repeat-index", daemon=True).start()

    def _catch_up(self, connection, snapshot: _Snapshot) -> _Snapshot:
        """The snapshot with the requests stored since its last look added to its tail."""
        after = int(snapshot.tail.ids[-1]) if len(snapshot.tail.ids) else snapshot.last_id
        newer = connection.execute(_NEWER, {"after": after}).all()
        if not newer:
            return snapshot
        rows = sparse.vstack([snapshot.tail_rows,
                              snapshot.index.vectorizer.transform([f"{x.title} {x.content}" for x in newer])],
                             format="csr")
        grown = _Snapshot(snapshot.index, snapshot.facts, snapshot.last_id, rows, snapshot.tail.extend(self._facts(newer)))
        with self.lock:
            if self.snapshot is snapshot:  # else another thread or a rebuild came first; this check still uses it
                self.snapshot = grown
        return grown

    def search(self, app, connection, text: str, places: list[str], category: str | None,
               threshold: float, top: int = 5) -> list[tuple[int, float]]:
        """(request id, cosine) of the similar requests in `places` (and `category` when given) received within
        the window, best first."""
        now = app.now()
        if self.snapshot is None:
            if self.rebuilding:
                return []  # the first index is still being built (see start)
            built = self._build(connection, now)
            with self.lock:
                self.snapshot = self.snapshot or built
        snapshot = self._catch_up(connection, self.snapshot)
        if len(snapshot.tail.ids) > max(REBUILD_MIN, REBUILD_SHARE * len(snapshot.index)) and not self.rebuilding \
                and time.monotonic() - self.last_rebuild >= REBUILD_EVERY:
            self._rebuild_in_background(app.engine, now)
        if not text.strip():
            return []
        with self.lock:
            wanted_places = np.array([self.codes[p] for p in places if p in self.codes], np.int32)
            wanted_category = self.codes.get(category, -1) if category else None
        since = (now - self.window).timestamp()

        def keep(facts: _Facts, rows: np.ndarray | slice) -> np.ndarray:
            mask = np.isin(facts.divisions[rows], wanted_places) & (facts.received[rows] >= since)
            if wanted_category is not None:
                mask &= facts.categories[rows] == wanted_category
            return mask

        found = [(int(snapshot.facts.ids[row]), score) for row, score in snapshot.index.query(
            text, threshold, keep=lambda rows: keep(snapshot.facts, rows))]
        if len(snapshot.tail.ids):
            chosen = np.flatnonzero(keep(snapshot.tail, slice(None)))
            if len(chosen):
                scores = cosine_with(snapshot.tail_rows[chosen], snapshot.index.vector(text))
                found += [(int(snapshot.tail.ids[i]), float(s)) for i, s in zip(chosen, scores, strict=True)
                          if s >= threshold]
        found.sort(key=lambda pair: -pair[1])
        return found[:top]
