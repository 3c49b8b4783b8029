"""工单查询's words: a text as the overlapping character pairs of its runs of letters and digits."""

from __future__ import annotations

from jiesu.nlp.search_terms import runs, terms


def test_a_run_is_its_pairs_in_order_and_punctuation_and_spaces_end_a_run():
    assert terms("噪音扰民") == [["噪音", "音扰", "扰民"]]
    assert terms("楼下饭店，噪音 扰民!") == [["楼下", "下饭", "饭店"], ["噪音"], ["扰民"]]
    assert terms("3号楼", "B座") == [["3号", "号楼"], ["b座"]]


def test_full_width_letters_and_digits_are_the_ascii_ones_and_case_is_folded():
    assert runs("ＡＢＣ１２３") == runs("abc123") == ["abc123"]
    assert terms("XY小区") == terms("xy小区")


def test_a_text_of_single_characters_has_nothing_for_the_index():
    assert terms("路") == [] and terms("路 灯") == [] and terms("，。！") == [] and terms(None, "") == []
    assert terms("a_b") == []  # an underscore is not a letter
