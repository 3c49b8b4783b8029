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


def clusters(matrix: sparse.csr_matrix, threshold: float, block: int = 2000) -> list[list[int]]:
    """The connected components of the graph joining every two rows with cosine ≥ `threshold` (single linkage),
    largest first; the same groups as components(similar_pairs(…)) without a Python object per pair."""
    from scipy.sparse.csgraph import connected_components

    n = matrix.shape[0]
    if n == 0:
        return []
    rows, columns = [], []
    transposed = matrix.T.tocsc()
    for start in range(0, n, block):
        products = (matrix[start:start + block] @ transposed).tocoo()
        keep = (products.data >= threshold) & (products.row + start < products.col)
        rows.append(products.row[keep] + start)
        columns.append(products.col[keep])
    edges = np.concatenate(rows), np.concatenate(columns)
    graph = sparse.csr_matrix((np.ones(len(edges[0]), np.int8), edges), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    groups = [group.tolist() for group in np.split(order, bounds)]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def leader_clusters(matrix: sparse.csr_matrix, threshold: float, block: int = 1000) -> list[list[int]]:
    """Clusters for large groups, in row order: each block of rows joins the cluster of its most similar leader
    (cosine ≥ `threshold`); the rows that join none are clustered among themselves exactly (`clusters`) and the
    first row of each new cluster becomes its leader. The work grows with rows × leaders instead of rows², and
    a cluster does not chain through look-alikes of look-alikes the way single linkage does."""
    n = matrix.shape[0]
    labels = np.full(n, -1, np.int64)
    leaders: list[int] = []
    leader_labels: list[int] = []
    leader_matrix = None
    for start in range(0, n, block):
        rows = np.arange(start, min(start + block, n))
        if leader_matrix is not None:
            scores = (matrix[rows] @ leader_matrix.T).toarray()
            best = scores.argmax(axis=1)
            joined = scores[np.arange(len(rows)), best] >= threshold
            labels[rows[joined]] = np.asarray(leader_labels)[best[joined]]
            rows = rows[~joined]
        if len(rows):
            for group in clusters(matrix[rows], threshold):
                label = len(leader_labels)
                labels[rows[group]] = label
                leaders.append(int(rows[group[0]]))
                leader_labels.append(label)
            leader_matrix = matrix[leaders]
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    return sorted((g.tolist() for g in np.split(order, bounds)), key=lambda g: (-len(g), g[0]))


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
