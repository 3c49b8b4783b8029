"""Finding the stored texts similar to a new one without comparing it with all of them.

An inverted index from each character n-gram to the texts that contain it. A query looks up only its `probes`
most informative n-grams (the highest TF-IDF weights: n-grams rare in the corpus and frequent in the text), takes
every text sharing at least one of them as a candidate, keeps the candidates that pass the caller's filter
(time window, area, category), and scores those exactly by cosine over the same character 1–3-gram TF-IDF as the
all-pairs clustering (hashed, so that texts stored after the index was built keep all their n-grams). Two texts with a high cosine share most of their weight, hence almost always one of their
heaviest n-grams; `bench/dedup.py` measures what is lost against exact all-pairs similarity.

N-grams found in more than `max_posting` texts are never probed (they would make every text a candidate).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import sparse

from jiesu.nlp.char_ngrams import HashedCharNgramTfidf, distinct

PROBES = 10
MAX_POSTING = 5_000


class RepeatIndex:
    def __init__(self, texts: list[str], probes: int = PROBES, max_posting: int = MAX_POSTING) -> None:
        """Fit the n-gram weights on `texts` and index them (row i is texts[i])."""
        self.probes, self.max_posting = probes, max_posting
        self.vectorizer = HashedCharNgramTfidf(max_n=3)
        self.rows = self.vectorizer.fit_transform_chunked(texts)  # with no texts yet: every idf is 1
        postings = self.rows.T.tocsr()  # n-gram → the rows that contain it; only which rows is kept, not weights
        self.posting_starts, self.posting_rows = postings.indptr, postings.indices
        self.posting_sizes = np.diff(self.posting_starts)

    def __len__(self) -> int:
        return self.rows.shape[0]

    @property
    def nbytes(self) -> int:
        """Memory held by the index (rows with their weights, postings as row numbers only)."""
        return (self.rows.data.nbytes + self.rows.indices.nbytes + self.rows.indptr.nbytes
                + self.posting_starts.nbytes + self.posting_rows.nbytes + self.posting_sizes.nbytes)

    def vector(self, text: str) -> sparse.csr_matrix:
        return self.vectorizer.transform([text])

    def candidates(self, query: sparse.csr_matrix, distinct_rows: bool = True) -> np.ndarray:
        """The rows sharing at least one of the query's heaviest informative n-grams (with repeats when
        `distinct_rows` is false: filtering them first and de-duplicating the few that remain is cheaper)."""
        if len(self) == 0 or query.nnz == 0:
            return np.zeros(0, np.int64)
        features, weights = query.indices, query.data
        sizes = self.posting_sizes[features]
        usable = (sizes > 0) & (sizes <= self.max_posting)  # n-grams no stored text has cannot find anything
        features, weights = features[usable], weights[usable]
        chosen = features[np.argsort(-weights, kind="stable")[: self.probes]]
        if len(chosen) == 0:
            return np.zeros(0, np.int64)
        pointers = self.posting_starts
        rows = np.concatenate([self.posting_rows[pointers[f]:pointers[f + 1]] for f in chosen])
        return distinct(rows)[0] if distinct_rows else rows

    def scores(self, rows: np.ndarray, vector: sparse.csr_matrix) -> np.ndarray:
        """Cosine of `vector` with each of `rows` (a sparse product over 2^20 columns would allocate per column)."""
        return cosine_with(self.rows[rows], vector)

    def query(self, text: str | sparse.csr_matrix, threshold: float, keep: Callable[[np.ndarray], np.ndarray] | None = None,
              top: int | None = None) -> list[tuple[int, float]]:
        """(row, cosine) of the stored texts at least `threshold` similar to `text`, best first. `keep` narrows the
        candidate rows (a boolean mask over them) before they are scored. `text` may be its `vector` already."""
        if len(self) == 0:
            return []
        vector = self.vector(text) if isinstance(text, str) else text
        rows = self.candidates(vector, distinct_rows=False)
        if keep is not None and len(rows):
            rows = rows[keep(rows)]
        if len(rows) == 0:
            return []
        rows = distinct(rows)[0]
        scores = self.scores(rows, vector)
        hits = scores >= threshold
        order = np.argsort(-scores[hits], kind="stable")
        found = [(int(r), float(s)) for r, s in zip(rows[hits][order], scores[hits][order], strict=True)]
        return found[:top] if top else found


def cosine_with(matrix: sparse.csr_matrix, vector: sparse.csr_matrix) -> np.ndarray:
    """Dot product of each (L2-normalised) row with one sparse vector: the rows' entries in the vector's columns."""
    return cosine_rows(matrix.indptr, matrix.indices, matrix.data, vector)


def cosine_rows(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, vector: sparse.csr_matrix) -> np.ndarray:
    """`cosine_with` on rows given as the three CSR arrays (no matrix to build for a few rows)."""
    result = np.zeros(len(indptr) - 1, np.float64)
    if len(indices) == 0 or vector.nnz == 0:
        return result
    order = np.argsort(vector.indices)
    columns, weights = vector.indices[order], vector.data[order]
    where = np.minimum(np.searchsorted(columns, indices), len(columns) - 1)
    hit = columns[where] == indices
    products = np.where(hit, data * weights[where], 0.0)
    lengths = np.diff(indptr)
    filled = lengths > 0
    result[filled] = np.add.reduceat(products, indptr[:-1][filled] - indptr[0])
    return result
