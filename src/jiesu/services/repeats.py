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
from jiesu.nlp.repeat_index import RepeatIndex, cosine_rows
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


class _Tail:
    """The requests stored after the index was built: their facts and their rows (with the index's weights) in
    buffers that grow by doubling, so that adding a request costs its own size, not a copy of the whole tail
    (a copy per intake grew with the tail and took throughput down as a run went on).

    Only appended to (under the search's catch-up lock); a reader takes `view()`, which is the first `n` rows of
    the buffers at that moment: later appends write past them or into new buffers, never into what it sees."""

    def __init__(self, columns: int) -> None:
        self.columns, self.n, self.nnz = columns, 0, 0
        self.ids = np.zeros(64, np.int64)
        self.divisions = np.zeros(64, np.int32)
        self.categories = np.zeros(64, np.int32)
        self.received = np.zeros(64, np.float64)
        self.indptr = np.zeros(65, np.int64)
        self.indices = np.zeros(64 * 256, np.int32)
        self.data = np.zeros(64 * 256, np.float32)

    def __len__(self) -> int:
        return self.n

    @property
    def last_id(self) -> int | None:
        return int(self.ids[self.n - 1]) if self.n else None

    @staticmethod
    def _room(array: np.ndarray, needed: int) -> np.ndarray:
        if needed <= len(array):
            return array
        grown = np.zeros(max(needed, 2 * len(array)), array.dtype)
        grown[: len(array)] = array
        return grown

    def append(self, facts: _Facts, rows: sparse.csr_matrix) -> None:
        n, nnz, count = self.n, self.nnz, len(facts.ids)
        self.ids, self.divisions, self.categories, self.received = (
            self._room(a, n + count) for a in (self.ids, self.divisions, self.categories, self.received))
        self.indptr = self._room(self.indptr, n + count + 1)
        self.indices, self.data = (self._room(a, nnz + rows.nnz) for a in (self.indices, self.data))
        self.ids[n:n + count], self.divisions[n:n + count] = facts.ids, facts.divisions
        self.categories[n:n + count], self.received[n:n + count] = facts.categories, facts.received
        self.indices[nnz:nnz + rows.nnz], self.data[nnz:nnz + rows.nnz] = rows.indices, rows.data
        self.indptr[n + 1:n + count + 1] = nnz + rows.indptr[1:]
        self.nnz, self.n = nnz + rows.nnz, n + count  # published last: a reader never sees a half-written row

    def view(self) -> tuple[_Facts, _Rows]:
        n, nnz = self.n, self.nnz
        facts = _Facts(self.ids[:n], self.divisions[:n], self.categories[:n], self.received[:n])
        return facts, _Rows(self.indptr[:n + 1], self.indices[:nnz], self.data[:nnz], self.columns)


@dataclass
class _Rows:
    """Rows of the tail as CSR arrays (a scipy matrix of them costs more to build than a check to score)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    columns: int

    def cosine(self, chosen: np.ndarray, vector: sparse.csr_matrix) -> np.ndarray:
        """Cosine of `vector` with the rows `chosen`."""
        starts = self.indptr[chosen]
        lengths = self.indptr[chosen + 1] - starts
        bounds = np.concatenate(([0], np.cumsum(lengths)))
        positions = np.repeat(starts - bounds[:-1], lengths) + np.arange(bounds[-1])
        return cosine_rows(bounds, self.indices[positions], self.data[positions], vector)

    def matrix(self) -> sparse.csr_matrix:
        return sparse.csr_matrix((self.data, self.indices, self.indptr), shape=(len(self.indptr) - 1, self.columns))


@dataclass
class _Snapshot:
    index: RepeatIndex
    facts: _Facts
    last_id: int
    tail: _Tail


class RepeatSearch:
    def __init__(self, window: timedelta = WINDOW, catch_up_every: float = 0.0) -> None:
        """`catch_up_every`: seconds at least between two reads of the requests stored since the last one (the
        server's setting `repeat_catch_up_seconds`). Under load one read and one batch transform then serve every
        check of that interval (a read per check cost a sixth of an intake's time); a request stored less than
        this before a check may not be suggested to it."""
        self.window, self.catch_up_every = window, catch_up_every
        self.lock = threading.Lock()
        self.catching_up = threading.Lock()  # one catch-up at a time: a request is added to the tail once
        self.last_catch_up = -float("inf")  # time.monotonic() of the last read of newer requests
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
        return _Snapshot(index, self._facts(rows), rows[-1].id if rows else 0, _Tail(index.rows.shape[1]))

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

    def _catch_up(self, connection, snapshot: _Snapshot) -> None:
        """Add the requests stored since the snapshot's last look to its tail (at most every `catch_up_every`)."""
        with self.catching_up:
            if time.monotonic() - self.last_catch_up < self.catch_up_every:
                return
            self.last_catch_up = time.monotonic()
            tail = snapshot.tail
            after = tail.last_id or snapshot.last_id
            newer = connection.execute(_NEWER, {"after": after}).all()
            if newer:
                tail.append(self._facts(newer), snapshot.index.vectorizer.transform(
                    [f"{x.title} {x.content}" for x in newer]))

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
        snapshot = self.snapshot
        self._catch_up(connection, snapshot)
        tail, tail_rows = snapshot.tail.view()
        if len(tail.ids) > max(REBUILD_MIN, REBUILD_SHARE * len(snapshot.index)) and not self.rebuilding \
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

        vector = snapshot.index.vector(text)
        found = [(int(snapshot.facts.ids[row]), score) for row, score in snapshot.index.query(
            vector, threshold, keep=lambda rows: keep(snapshot.facts, rows))]
        if len(tail.ids):
            chosen = np.flatnonzero(keep(tail, slice(None)))
            if len(chosen):
                scores = tail_rows.cosine(chosen, vector)
                found += [(int(tail.ids[i]), float(s)) for i, s in zip(chosen, scores, strict=True)
                          if s >= threshold]
        found.sort(key=lambda pair: -pair[1])
        return found[:top]
