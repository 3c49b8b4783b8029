"""敏感诉求 read from the text (nlp/sensitivity.py), checked against the labelled set kept with the tests."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from jiesu.nlp.sensitivity import KINDS, MARKED_BY_HAND, kinds_of, sensitivity

ROWS = list(csv.DictReader((Path(__file__).parents[1] / "fixtures" / "sensitivity_labelled.csv")
                           .open(encoding="utf-8")))


def test_the_labelled_set_has_every_kind_and_hard_negatives():
    kinds = {k for r in ROWS for k in r["kinds"].split("|") if k}
    assert kinds == set(KINDS)
    assert sum(1 for r in ROWS if r["kinds"]) >= 35 and sum(1 for r in ROWS if not r["kinds"]) >= 35


@pytest.mark.parametrize("row", ROWS, ids=[r["note"] for r in ROWS])
def test_each_labelled_text_gets_exactly_its_kinds(row):
    assert sensitivity(row["text"]).kinds == tuple(k for k in row["kinds"].split("|") if k)


@pytest.mark.parametrize("text", ["我们不想拉横幅，只想解决问题", "业主们没有上访也未拉横幅", "我不会去找媒体的"])
def test_a_phrase_denied_just_before_it_is_not_a_threat(text):
    assert not sensitivity(text).sensitive


def test_the_reason_names_each_kind_with_the_phrase_that_shows_it_whatever_the_line_breaks():
    found = sensitivity("工友们明天集体\n上访，\n还要发 抖音")
    assert found.kinds == ("群体性", "舆情")
    assert found.reason == "群体性（集体上访）；舆情（发抖音）"
    assert sensitivity("").reason == "" and not sensitivity("   ").sensitive


def test_analytics_keep_the_kinds_a_reason_names_and_count_a_persons_reason_as_marked_by_hand():
    assert kinds_of("群体性（拉横幅）；舆情（找媒体）") == ("群体性", "舆情")
    assert kinds_of("来电称明天去区政府；情绪激动") == (MARKED_BY_HAND,)  # a person's words, whatever they say
    assert kinds_of("群体性：业主要拉横幅") == (MARKED_BY_HAND,) and kinds_of("") == kinds_of(None) == ()
