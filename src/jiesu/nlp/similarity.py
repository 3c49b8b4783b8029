"""Text similarity for repeats and issue clustering: cosine over character 1–3-gram TF-IDF vectors, all pairs
above a threshold computed exactly with sparse matrix products in blocks, and connected components."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from jiesu.nlp.char_ngrams import CharNgramTfidf


def vectors(texts: list[str]) -> sparse.csr_matrix:
    """L2-normalised TF-IDF rows; the IDF comes from the texts themselves."""
    return CharNgramTfidf(max_n=3, min_df=1).fit(texts).transform(texts)


def similar_pairs(matrix: sparse.csr_matrix, threshold: float, block: int = 2000) -> list[tuple[int, int, float]]:
    """Every pair (i < j) whose cosine similarity is at least `threshold` (exact, block by block)."""
    pairs: list[tuple[int, int, float]] = []
    transposed = matrix.T.tocsc()
    for start in range(0, matrix.shape[0], block):
        products = (matrix[start:start + block] @ transposed).tocoo()
        rows = products.row + start
        keep = (products.data >= threshold) & (rows < products.col)
        pairs.extend(zip(rows[keep].tolist(), products.col[keep].tolist(), products.data[keep].tolist(),
                         strict=True))
    return pairs


def components(n: int, pairs: list[tuple[int, int, float]]) -> list[list[int]]:
    """Connected components (union-find) over the pairs; every index belongs to exactly one component."""
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return int(i)

    for i, j, _ in pairs:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))
