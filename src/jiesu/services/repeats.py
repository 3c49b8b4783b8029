"""The intake repeat check (同类件): the stored requests similar to the one being taken, in the same 街道 and
category within a year, found through an n-gram index (`nlp/repeat_index.py`) instead of a scan.

Each server process keeps one `RepeatSearch`. It indexes the requests of the last `WINDOW` on first use; every check
first reads the requests stored since (by id, so other processes' intakes are seen too) into a small tail that is
scored directly with the index's weights; when the tail grows past 5 % of the index, a new index (new weights) is
built in a background thread and swapped in, so no intake waits for it. Below 2,000 requests the index is simply
rebuilt whenever requests came in.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from scipy import sparse
from sqlalchemy import bindparam, select

from jiesu.domain.workflow import Status
from jiesu.nlp.repeat_index import RepeatIndex, cosine_with
from jiesu.storage import tables as t

WINDOW = timedelta(days=365)
SMALL = 2_000  # an index this small is rebuilt whenever requests came in (milliseconds): its weights stay right
REBUILD_SHARE = 0.05  # a bigger one is rebuilt in the background once the tail reaches 5 % of it
REBUILD_MIN = 1_000  # and at least this many
_r = t.requests
_ROWS = select(_r.c.id, _r.c.title, _r.c.content, _r.c.division, _r.c.category, _r.c.received_at).where(
    _r.c.status.not_in([Status.MERGED.value, Status.WITHDRAWN.value]))
_NEWER = _ROWS.where(_r.c.id > bindparam("after")).order_by(_r.c.id)


@dataclass
class _Snapshot:
    """An index with the facts needed to filter its rows (arrays aligned with the index rows)."""

    index: RepeatIndex
    ids: np.ndarray
    divisions: np.ndarray  # codes as small integers (see RepeatSearch.code)
    categories: np.ndarray
    received: np.ndarray  # seconds since the epoch
    last_id: int


class RepeatSearch:
    def __init__(self, window: timedelta = WINDOW) -> None:
        self.window = window
        self.lock = threading.Lock()
        self.codes: dict[str | None, int] = {None: 0}
        self.snapshot: _Snapshot | None = None
        self.tail: list[tuple[int, int, int, float]] = []  # id, division, category, received
        self.tail_rows: list[sparse.csr_matrix] = []
        self.tail_last_id = 0
        self.rebuilding = False

    def code(self, value: str | None) -> int:
        if value not in self.codes:
            self.codes[value] = len(self.codes)
        return self.codes[value]

    def _build(self, connection, now: datetime) -> _Snapshot:
        rows = connection.execute(_ROWS.where(_r.c.received_at >= now - self.window).order_by(_r.c.id)).all()
        index = RepeatIndex([f"{x.title} {x.content}" for x in rows])
        with self.lock:
            facts = (np.array([x.id for x in rows], np.int64),
                     np.array([self.code(x.division) for x in rows], np.int32),
                     np.array([self.code(x.category) for x in rows], np.int32),
                     np.array([x.received_at.timestamp() for x in rows], np.float64))
        return _Snapshot(index, *facts, last_id=rows[-1].id if rows else 0)

    def _catch_up(self, connection) -> None:
        """Read the requests stored since the last look into the tail."""
        after, snapshot = self.tail_last_id, self.snapshot
        newer = connection.execute(_NEWER, {"after": after}).all()
        if not newer or snapshot.index.vectorizer is None:
            return
        vectors = snapshot.index.vectorizer.transform([f"{x.title} {x.content}" for x in newer])
        with self.lock:
            if self.tail_last_id != after or self.snapshot is not snapshot:
                return  # another thread caught up, or a new index came in meanwhile: the next check reads again
            for x in newer:
                self.tail.append((x.id, self.code(x.division), self.code(x.category), x.received_at.timestamp()))
            self.tail_rows.append(vectors)
            self.tail_last_id = newer[-1].id

    def start(self, app) -> None:
        """Build the index in the background (a server calls this at start: a year of a big city takes a minute,
        during which checks answer with nothing rather than make an intake wait)."""
        if self.snapshot is None and not self.rebuilding:
            self._rebuild_in_background(app.engine, app.now())

    def _rebuild_in_background(self, engine, now: datetime) -> None:
        def work() -> None:
            try:
                with engine.connect() as connection:
                    fresh = self._build(connection, now)
                with self.lock:  # what was stored after the new index was read comes in through the tail again
                    self.snapshot, self.tail, self.tail_rows, self.tail_last_id = fresh, [], [], fresh.last_id
            finally:
                self.rebuilding = False

        self.rebuilding = True
        threading.Thread(target=work, name="repeat-index", daemon=True).start()

    def search(self, app, connection, text: str, places: list[str], category: str | None,
               threshold: float, top: int = 5) -> list[tuple[int, float]]:
        """(request id, cosine) of the similar requests in `places` (and `category` when given) received within
        the window, best first."""
        now = app.now()
        if self.snapshot is None and self.rebuilding:
            return []  # the first index is still being built (see start)
        if self.snapshot is None or (len(self.snapshot.index) < SMALL and connection.execute(
                _NEWER.limit(1), {"after": self.snapshot.last_id}).first() is not None):
            snapshot = self._build(connection, now)
            with self.lock:
                self.snapshot, self.tail, self.tail_rows, self.tail_last_id = snapshot, [], [], snapshot.last_id
        self._catch_up(connection)
        if len(self.tail) > max(REBUILD_MIN, REBUILD_SHARE * len(self.snapshot.index)) and not self.rebuilding:
            self._rebuild_in_background(app.engine, now)
        with self.lock:
            snapshot, tail, tail_rows = self.snapshot, list(self.tail), list(self.tail_rows)
            wanted_places = np.array([self.codes[p] for p in places if p in self.codes], np.int32)
            wanted_category = self.codes.get(category) if category else None
        if snapshot.index.vectorizer is None or not text.strip():
            return []
        since = (now - self.window).timestamp()

        def keep(divisions, categories, received):
            mask = np.isin(divisions, wanted_places) & (received >= since)
            if category:
                mask &= categories == (wanted_category if wanted_category is not None else -1)
            return mask

        found = [(int(snapshot.ids[row]), score) for row, score in snapshot.index.query(
            text, threshold, keep=lambda rows: keep(snapshot.divisions[rows], snapshot.categories[rows],
                                                    snapshot.received[rows]))]
        if tail and tail_rows:
            facts = np.array(tail, np.float64)
            mask = keep(facts[:, 1].astype(np.int32), facts[:, 2].astype(np.int32), facts[:, 3])
            if mask.any():
                rows = sparse.vstack(tail_rows, format="csr")[np.flatnonzero(mask)]
                scores = cosine_with(rows, snapshot.index.vector(text))
                ids = facts[mask, 0].astype(np.int64)
                found += [(int(i), float(s)) for i, s in zip(ids, scores, strict=True) if s >= threshold]
        found.sort(key=lambda pair: -pair[1])
        return found[:top]
