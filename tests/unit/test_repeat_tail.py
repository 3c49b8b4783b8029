"""The repeat index's tail: appended in batches, it holds exactly the rows stacked in order, and a view taken
before an append (even one that moves the buffers) keeps what it saw."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from jiesu.services.repeats import _Facts, _Tail


def batch(start: int, count: int, rng) -> tuple[_Facts, sparse.csr_matrix]:
    rows = sparse.random(count, 50, density=0.3, format="csr", dtype=np.float32, random_state=rng)
    ids = np.arange(start, start + count, dtype=np.int64)
    return _Facts(ids, (ids % 3).astype(np.int32), (ids % 2).astype(np.int32), ids.astype(np.float64)), rows


def test_batches_appended_equal_the_rows_stacked_and_old_views_stay_as_they_were():
    rng = np.random.default_rng(7)
    tail = _Tail(50)
    assert len(tail) == 0 and tail.last_id is None
    facts, rows = tail.view()
    assert rows.matrix().shape == (0, 50) and len(facts.ids) == 0
    stacked, start, early = [], 1, None
    for count in (1, 3, 70, 1, 200, 5):  # past the first capacity (64 rows): the buffers move
        f, r = batch(start, count, rng)
        tail.append(f, r)
        stacked.append(r)
        start += count
        if early is None:
            early = tail.view()
            early_dense = early[1].matrix().toarray().copy()
    facts, rows = tail.view()
    assert len(tail) == start - 1 and tail.last_id == start - 1
    assert np.array_equal(facts.ids, np.arange(1, start)) and np.array_equal(facts.divisions, facts.ids % 3)
    everything = sparse.vstack(stacked, format="csr")
    assert np.array_equal(rows.matrix().toarray(), everything.toarray())
    assert early[1].matrix().shape == (1, 50) and np.array_equal(early[1].matrix().toarray(), early_dense)
    vector = sparse.random(1, 50, density=0.5, format="csr", dtype=np.float32, random_state=rng)
    chosen = np.array([0, 3, 4, 150, len(tail) - 1])
    assert np.allclose(rows.cosine(chosen, vector), (everything[chosen] @ vector.T).toarray().ravel(), atol=1e-6)
