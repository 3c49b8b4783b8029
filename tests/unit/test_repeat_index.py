"""The n-gram index behind the intake repeat check: what it finds matches exact cosine similarity."""

from __future__ import annotations

import numpy as np

from jiesu.nlp.repeat_index import RepeatIndex
from jiesu.nlp.similarity import vectors

TEXTS = ["花家地社区北门搅拌站夜里噪音很大，灰尘污染严重", "望京西园三区物业不清理楼道垃圾", "公租房申请条件是什么",
         "小区电梯坏了一周没人修，老人上下楼困难", "酒仙桥路口下雨就积水，车辆无法通行"] * 3


def test_the_index_finds_the_texts_a_full_scan_finds_with_the_same_scores():
    texts = [f"{t}{i}" for i, t in enumerate(TEXTS)]
    index = RepeatIndex(texts)
    query = "投诉花家地北门的搅拌站，晚上噪音扰民，灰尘也大"
    scan = (index.rows @ index.vector(query).T).toarray().ravel()  # every stored text compared
    found = index.query(query, 0.2)
    assert {row for row, _ in found} == {0, 5, 10} == set(np.flatnonzero(scan >= 0.2).tolist())
    assert all(abs(score - scan[row]) < 1e-6 for row, score in found)
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    # the hashed weights are the plain character n-gram TF-IDF: same cosine as the clustering's vectors
    plain = vectors(texts)
    assert abs(float((plain[0] @ plain[5].T).toarray()[0, 0]) - float((index.rows[0] @ index.rows[5].T)
                                                                       .toarray()[0, 0])) < 1e-5


def test_the_filter_narrows_the_candidates_before_scoring_and_top_caps_the_answer():
    index = RepeatIndex(TEXTS)
    everything = index.query(TEXTS[0], 0.5)
    assert {row for row, _ in everything} == {0, 5, 10}
    assert {row for row, _ in index.query(TEXTS[0], 0.5, keep=lambda rows: rows > 3)} == {5, 10}
    assert len(index.query(TEXTS[0], 0.5, top=1)) == 1


def test_an_empty_index_and_an_unknown_text_find_nothing():
    assert RepeatIndex([]).query("任何内容", 0.1) == []
    assert RepeatIndex(TEXTS).query("zzzz", 0.1) == []


def test_ngrams_in_too_many_texts_are_never_probed():
    index = RepeatIndex(TEXTS, max_posting=2)  # every n-gram of these texts is in 3 of them
    assert len(index.candidates(index.vector(TEXTS[0]))) == 0
