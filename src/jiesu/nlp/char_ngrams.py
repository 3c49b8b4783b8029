"""Character 1–3-gram TF-IDF, vectorised with NumPy.

scikit-learn's TfidfVectorizer builds every n-gram as a Python string (about 1,500 texts/s here); this encoder
turns a whole batch into code points once and forms each n-gram as one 63-bit integer (21 bits per character),
then maps them to columns with a sorted-array search. Same features as TfidfVectorizer(analyzer="char",
ngram_range=(1, 3), sublinear_tf=True, min_df=…) with a smooth idf and L2 rows, an order of magnitude faster.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

_BITS = 21  # every Unicode code point fits in 21 bits; three of them fit in an int64


def _codes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts' code points in one array, and each text's start offset (with the total at the end)."""
    joined = "".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    starts = np.concatenate(([0], np.cumsum(lengths)))
    return codes, starts


def distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values and how often each occurs. (np.unique of NumPy 2.4 hashes large integer arrays
    and is tens of times slower than sorting them.)"""
    ordered = np.sort(values)
    first = np.ones(len(ordered), bool)
    first[1:] = ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(first)
    return ordered[starts], np.diff(np.append(starts, len(ordered)))


def counts(docs: np.ndarray, columns: np.ndarray, n_docs: int, n_columns: int) -> sparse.csr_matrix:
    """How often each column occurs in each document, built straight as CSR (scipy's COO route costs a tenth of
    a millisecond per call whatever the size, which a single intake text pays every time). Each (document,
    column) pair is one integer, document first, so one sort orders them as CSR wants (a two-key lexsort took
    twice as long on a million texts). Large batches go through scipy instead (see below)."""
    if len(docs) > 100_000 or n_docs * max(n_columns, 1) >= 2**62:
        # a batch: scipy's own conversion sorts each row on its own, in C (six times faster than one sort of
        # every pair for a chunk of 100,000 texts); its fixed cost only matters for a single intake text
        matrix = sparse.csr_matrix((np.ones(len(docs), np.float32), (docs, columns)), shape=(n_docs, n_columns))
        matrix.sum_duplicates()
        return matrix
    present, times = distinct(docs.astype(np.int64) * n_columns + columns)
    doc_of = present // n_columns
    index_type = np.int32 if len(present) < 2**31 else np.int64
    indptr = np.zeros(n_docs + 1, index_type)
    np.cumsum(np.bincount(doc_of, minlength=n_docs), out=indptr[1:])
    return sparse.csr_matrix((times.astype(np.float32), (present - doc_of * n_columns).astype(index_type), indptr),
                             shape=(n_docs, n_columns))


def normalise(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """L2-normalise the rows in place (no diagonal-matrix product: that allocates per column)."""
    matrix.data = matrix.data.astype(np.float32, copy=False)
    lengths = np.diff(matrix.indptr)
    squares = np.zeros(len(lengths), np.float64)
    filled = lengths > 0
    squares[filled] = np.add.reduceat(matrix.data.astype(np.float64) ** 2, matrix.indptr[:-1][filled])
    norms = np.sqrt(squares)
    norms[norms == 0] = 1
    matrix.data /= np.repeat(norms, lengths).astype(np.float32)
    return matrix


def _ngrams(texts: list[str], max_n: int) -> tuple[np.ndarray, np.ndarray]:
    """(document index, n-gram key) for every character n-gram of every text, n = 1..max_n."""
    codes, starts = _codes(texts)
    doc_of = np.repeat(np.arange(len(texts)), np.diff(starts))
    keys, docs = [], []
    for n in range(1, max_n + 1):
        if len(codes) < n:
            break
        key = codes[: len(codes) - n + 1].copy()
        for k in range(1, n):
            key = (key << _BITS) | codes[k: len(codes) - n + 1 + k]
        key |= np.int64(n) << 62 if n == 1 else 0  # keep 1-grams apart from (impossible) all-zero prefixes
        doc = doc_of[: len(codes) - n + 1]
        same_doc = doc == doc_of[n - 1:]  # n-grams must not cross from one text into the next
        keys.append(key[same_doc])
        docs.append(doc[same_doc])
    if not keys:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(docs), np.concatenate(keys)


class CharNgramTfidf(BaseEstimator, TransformerMixin):
    def __init__(self, max_n: int = 3, min_df: int = 2, max_features: int | None = None) -> None:
        self.max_n = max_n
        self.min_df = min_df
        self.max_features = max_features

    def fit(self, texts, y=None):
        texts = list(texts)
        docs, keys = _ngrams(texts, self.max_n)
        order = np.lexsort((keys, docs))  # by document, then n-gram: repeats within a document are adjacent
        docs, keys = docs[order], keys[order]
        first = np.ones(len(keys), bool)
        first[1:] = (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])
        vocabulary, document_frequency = distinct(keys[first])
        keep = document_frequency >= self.min_df
        vocabulary, document_frequency = vocabulary[keep], document_frequency[keep]
        if self.max_features and len(vocabulary) > self.max_features:
            top = np.argsort(-document_frequency, kind="stable")[: self.max_features]
            top.sort()
            vocabulary, document_frequency = vocabulary[top], document_frequency[top]
        self.vocabulary_ = vocabulary
        self.idf_ = (np.log((1 + len(texts)) / (1 + document_frequency)) + 1).astype(np.float32)
        return self

    def transform(self, texts):
        texts = list(texts)
        docs, keys = _ngrams(texts, self.max_n)
        columns = np.searchsorted(self.vocabulary_, keys)
        columns[columns == len(self.vocabulary_)] = 0
        known = self.vocabulary_[columns] == keys if len(self.vocabulary_) else np.zeros(len(keys), bool)
        matrix = counts(docs[known], columns[known], len(texts), len(self.vocabulary_))
        matrix.data = (np.log(matrix.data) + 1) * self.idf_[matrix.indices]  # sublinear tf × idf
        return normalise(matrix)


class HashedCharNgramTfidf:
    """The same weights as CharNgramTfidf(min_df=1), with n-grams hashed into 2^bits columns instead of a fitted
    vocabulary: a text fitted later (a request stored after the index was built) keeps every n-gram, and an n-gram
    no fitted text had gets the highest idf. Collisions at 2^20 columns are rare enough not to matter here."""

    def __init__(self, max_n: int = 3, bits: int = 20) -> None:
        self.max_n, self.bits = max_n, bits

    def _columns(self, keys: np.ndarray) -> np.ndarray:
        mixed = keys.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads nearby keys
        return (mixed >> np.uint64(64 - self.bits)).astype(np.int64)

    def fit(self, texts, chunk: int = 100_000):
        """Document frequencies counted chunk by chunk (memory stays that of one chunk)."""
        texts = list(texts)
        frequency = np.zeros(1 << self.bits, np.int64)
        for start in range(0, len(texts), chunk):
            docs, keys = _ngrams(texts[start:start + chunk], self.max_n)
            pairs, _ = distinct(docs * (1 << self.bits) + self._columns(keys))  # each (text, column) once
            frequency += np.bincount(pairs % (1 << self.bits), minlength=1 << self.bits)
        self.idf_ = (np.log((1 + len(texts)) / (1 + frequency)) + 1).astype(np.float32)
        return self

    def fit_transform_chunked(self, texts, chunk: int = 100_000) -> sparse.csr_matrix:
        """`fit(texts)` then `transform_chunked(texts)` in one pass: each chunk's n-grams are found and counted
        once, the document frequencies read off the counts, the weights applied at the end."""
        texts = list(texts)
        frequency = np.zeros(1 << self.bits, np.int64)
        parts = []
        for start in range(0, len(texts), chunk):
            part = texts[start:start + chunk]
            docs, keys = _ngrams(part, self.max_n)
            matrix = counts(docs, self._columns(keys), len(part), 1 << self.bits)
            frequency += np.bincount(matrix.indices, minlength=1 << self.bits)  # each (text, column) once
            parts.append(matrix)
        self.idf_ = (np.log((1 + len(texts)) / (1 + frequency)) + 1).astype(np.float32)
        for matrix in parts:
            matrix.data = (np.log(matrix.data) + 1) * self.idf_[matrix.indices]
            normalise(matrix)
        return sparse.vstack(parts, format="csr") if parts else sparse.csr_matrix((0, 1 << self.bits), dtype=np.float32)

    def transform_chunked(self, texts, chunk: int = 100_000) -> sparse.csr_matrix:
        texts = list(texts)
        parts = [self.transform(texts[start:start + chunk]) for start in range(0, len(texts), chunk)]
        return sparse.vstack(parts, format="csr") if parts else sparse.csr_matrix((0, 1 << self.bits), dtype=np.float32)

    def transform(self, texts):
        texts = list(texts)
        docs, keys = _ngrams(texts, self.max_n)
        matrix = counts(docs, self._columns(keys), len(texts), 1 << self.bits)
        matrix.data = (np.log(matrix.data) + 1) * self.idf_[matrix.indices]
        return normalise(matrix)
