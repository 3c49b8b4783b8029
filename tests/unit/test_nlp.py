"""Urgency, personal data, places and the classifier's building blocks, on small fixtures."""

import csv
import json

import numpy as np
import pytest

from jiesu.domain.errors import InvalidInput
from jiesu.nlp import pii
from jiesu.nlp.char_ngrams import CharNgramTfidf
from jiesu.nlp.classifier import TextClassifier, evaluate
from jiesu.nlp.places import Gazetteer
from jiesu.nlp.urgency import urgency
from tests.support import FIXTURES, fixture_router


def test_urgency_recall_comes_first_on_the_labelled_set():
    rows = list(csv.DictReader((FIXTURES / "urgency_labelled.csv").open(encoding="utf-8")))
    urgent = [r for r in rows if r["urgent"] == "1"]
    flagged = [r for r in rows if urgency(r["text"], month=12).urgent]
    true_positives = [r for r in flagged if r["urgent"] == "1"]
    recall = len(true_positives) / len(urgent)
    precision = len(true_positives) / len(flagged)
    assert len(urgent) >= 30 and len(rows) - len(urgent) >= 40
    assert recall == 1.0, [r["text"] for r in urgent if r not in flagged]
    assert precision >= 0.95


def test_hard_negatives_are_not_emergencies():
    for text in ("楼下火锅店油烟太大", "燃气费怎么缴", "消防通道被占用", "防火门坏了"):
        assert not urgency(text, 12).urgent


@pytest.mark.parametrize("text", [
    "小区电梯经常困人，希望督促物业更换电梯",  # a standing complaint
    "孩子打针后昏迷过，现在要求医院赔偿",  # 过: it happened before
    "2018年工地塌方我父亲受伤，工伤待遇至今没解决",  # a dated past event
    "电动车在楼道充电，一旦起火后果不堪设想",  # a danger that might come
    "这是老百姓的救命钱",  # the word, not a cry for help
])
def test_a_danger_told_as_past_possible_or_chronic_is_not_an_emergency(text):
    assert not urgency(text, 12).urgent


def test_a_word_of_harm_is_an_emergency_only_with_a_sign_that_it_is_happening_now():
    assert not urgency("去工地的路上受伤，要求单位认定工伤", 6).urgent
    guess = urgency("工地有人受伤了，现在还躺在地上", 6)
    assert guess.urgent and "受伤" in guess.reason


def test_an_emergency_says_why():
    guess = urgency("楼道里有很浓的燃气味", 6)
    assert guess.urgent and "燃气味" in guess.reason


@pytest.mark.parametrize(("text", "line"), [
    ("楼道里有很浓的燃气味", "119"),  # gas: the fire brigade (the gas company is dispatched as well)
    ("我家对面楼五层着火了，火很大", "119"),
    ("电梯突然停了，我和孩子被困在里面", "119"),
    ("我儿子说不想活了，把自己锁在屋里", "110"),
    ("小孩掉进河里溺水了，快来人", "110"),
    ("有位老人晕倒在公交站，叫不醒", "120"),
    ("大树被风刮倒，横在马路中间，车过不去", "122"),
    ("小区门口电线断了掉在地上", ""),  # the power company's work: dispatched, no emergency line
    ("楼上暖气管道爆管，水流到楼下了", ""),
    ("家里只有一位独居老人，暖气不热", ""),  # the winter rule: the heating company's work
])
def test_an_emergency_names_the_line_to_put_the_caller_through_to(text, line):
    guess = urgency(text, 1)
    assert guess.urgent and guess.line == line


def test_the_line_named_agrees_with_the_labelled_set_and_never_names_another_line_than_the_right_one():
    rows = [r for r in csv.DictReader((FIXTURES / "urgency_labelled.csv").open(encoding="utf-8")) if r["urgent"] == "1"]
    named = [(r["line"], urgency(r["text"], month=12).line, r["text"]) for r in rows]
    agreed = sum(label == guess for label, guess, _ in named)
    assert agreed / len(named) >= 0.9, [n for n in named if n[0] != n[1]]
    assert not [n for n in named if n[0] and n[1] and n[0] != n[1]]  # a wrong line sends the caller the wrong way
    assert {label for label, _, _ in named} == {"", "110", "119", "120", "122"}


def test_no_emergency_names_no_line():
    assert urgency("楼下火锅店油烟太大", 1).line == ""


def test_an_old_person_without_heating_is_urgent_in_winter_only():
    text = "家里只有一位独居老人，暖气不热"
    assert urgency(text, 1).urgent and not urgency(text, 7).urgent


@pytest.mark.parametrize(("text", "kind", "masked"), [
    ("我的电话13812345678，请回电", "mobile", "我的电话138****5678，请回电"),
    ("座机 010-62345678", "landline", "座机 010-****5678"),
    ("身份证号11010519491231002X", "id_card", "身份证号1101**********002X"),
    ("卡号 6222 0202 0000 0000 006", "bank_card", None),
    ("邮箱 zhang.san@example.com", "email", "邮箱 z***@example.com"),
    ("车牌京A12345违停", "plate", "车牌京A***45违停"),
    ("新能源车牌粤BD12345", "plate", None),
])
def test_personal_data_in_free_text_is_found_and_masked(text, kind, masked):
    found = pii.find(text)
    assert [f.kind for f in found] == [kind]
    result = pii.mask(text)
    assert found[0].text not in result
    if masked:
        assert result == masked


def test_an_id_number_with_a_bad_checksum_or_a_card_failing_luhn_is_not_personal_data():
    assert pii.find("编号110105194912310021") == []  # checksum should be X
    assert [f.kind for f in pii.find("订单号 1234567890123456")] == []  # fails Luhn
    assert pii.id_card_valid("11010519491231002X") and not pii.id_card_valid("110105194912310021")
    assert pii.luhn_valid("6222 0202 0000 0000 006") and not pii.luhn_valid("1234567890123456")


def test_places_are_found_in_the_text_most_specific_first():
    gazetteer = Gazetteer(fixture_router().directory, {"西园三区": "WJ01"})
    assert gazetteer.locate("望京街道花家地社区门口垃圾成堆").division == "WJ02"
    assert gazetteer.locate("望京那边路灯不亮").division == "WJ"
    assert gazetteer.locate("西园三区物业不作为").division == "WJ01"
    assert gazetteer.locate("没有地名的一段话") is None


TEXTS = ["小区物业不清理垃圾", "物业乱收停车费", "物业不管电梯", "工地夜间施工噪音", "施工噪音扰民到凌晨",
         "夜里打桩太吵", "暖气不热屋里冷", "供暖温度不达标", "暖气片冰凉"] * 4


def test_the_vectorised_char_ngrams_equal_scikit_learns():
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["物业不作为", "物业乱收费", "施工噪音，夜间", "噪音扰民", "暖气不热"]
    ours = CharNgramTfidf(max_n=3, min_df=1).fit(texts).transform(texts + ["全新的字"]).toarray()
    theirs_model = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1).fit(texts)
    theirs = theirs_model.transform(texts + ["全新的字"]).toarray()
    assert ours.shape == theirs.shape
    for a, b in zip(ours, theirs, strict=True):
        assert np.allclose(np.sort(a), np.sort(b), atol=1e-6)


def test_hashed_ngrams_fitted_and_transformed_in_one_pass_equal_the_two_passes_and_the_fitted_vocabulary():
    from jiesu.nlp.char_ngrams import HashedCharNgramTfidf

    texts = ["幸福小区物业不清理楼道垃圾", "暖气不热屋里冷", "", "物业乱收费，物业不作为", "噪音"] * 5
    two = HashedCharNgramTfidf().fit(texts, chunk=4).transform_chunked(texts, chunk=4)
    one = HashedCharNgramTfidf().fit_transform_chunked(texts, chunk=4)  # chunks that split the texts unevenly
    assert one.shape == two.shape and abs(one - two).max() < 1e-6
    fitted = CharNgramTfidf(max_n=3, min_df=1).fit(texts).transform(texts).toarray()
    for a, b in zip(one.toarray(), fitted, strict=True):  # the same weights, in other columns
        assert np.allclose(np.sort(a[a > 0]), np.sort(b[b > 0]), atol=1e-6)
    assert HashedCharNgramTfidf().fit_transform_chunked([]).shape == (0, 1 << 20)


def test_the_classifier_trains_ranks_with_probabilities_and_round_trips(tmp_path):
    labels = ["物业", "物业", "物业", "噪音", "噪音", "噪音", "供暖", "供暖", "供暖"] * 4
    model = TextClassifier.train(TEXTS, labels, source="fixture")
    top = model.top("物业不清理垃圾还乱收费")
    assert top[0][0] == "物业" and len(top) == 3 and sum(p for _, p in top) <= 1.0001
    result = evaluate(model, TEXTS, labels)
    assert result["accuracy"] == 1.0 and result["top3_accuracy"] == 1.0 and 0 <= result["calibration_error"] <= 1
    model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert meta["labels"] == ["供暖", "噪音", "物业"] and meta["n"] == len(TEXTS) and meta["data_sha256"]
    assert {"scikit-learn", "numpy", "jiesu"} <= set(meta["versions"])
    assert TextClassifier.load(tmp_path / "m").top("暖气不热")[0][0] == "供暖"


def test_suggestion_quality_counts_the_top_three_and_the_calibration_gap():
    from jiesu.nlp.classifier import suggestion_quality

    class Shown:  # suggestions fixed in advance: the first is right for texts 0–7 of 10, the second for 8
        def top_many(self, texts, k):
            return [[("A" if int(t) < 8 else "B", confidence), ("C" if int(t) == 8 else "B", 0.05)]
                    for t in texts]

    texts, labels = [str(i) for i in range(10)], ["A"] * 8 + ["C", "D"]
    confidence = 0.8
    assert suggestion_quality(Shown().top_many(texts, 3), labels) == {"top3_accuracy": 0.9, "calibration_error": 0.0,
                                                           "auto_share": 0.0, "auto_accuracy": None}
    confidence = 0.9  # shown at 90 %, right 80 % of the time
    assert suggestion_quality(Shown().top_many(texts, 3), labels)["calibration_error"] == 0.1
    assert suggestion_quality(Shown().top_many(texts, 3), labels, auto_at=0.85) == {
        "top3_accuracy": 0.9, "calibration_error": 0.1, "auto_share": 1.0, "auto_accuracy": 0.8}


def test_a_model_carries_its_figures_on_held_out_texts_when_there_are_enough():
    from jiesu.nlp.classifier import TextClassifier

    texts = [f"{place}{matter}" for place in ("幸福小区", "丽景花园", "阳光家园", "滨河苑", "建设路", "东风街")
             for matter in ("物业不清理楼道垃圾", "物业乱收停车费", "暖气不热屋里冷", "供暖温度不达标",
                            "夜里施工噪音很大", "工地打桩吵得睡不着")] * 5
    labels = (["物业", "物业", "供暖", "供暖", "噪音", "噪音"] * 6) * 5  # 60 of each: 12 held out
    metrics = TextClassifier.train(texts, labels, auto_at=0.99).meta["metrics"]
    assert metrics["held_out"] == 0.2 and metrics["n"] == 36 and metrics["accuracy"] == 1.0
    assert metrics["auto_at"] == 0.99  # the share classified without the dispatcher is at intake's threshold
    assert {"macro_f1", "top3_accuracy", "calibration_error", "auto_share", "auto_accuracy"} <= set(metrics)
    assert TextClassifier.train(texts, labels, holdout=0).meta["metrics"] == {}


def test_a_tampered_model_file_is_refused(tmp_path):
    labels = ["物业", "物业", "物业", "噪音", "噪音", "噪音", "供暖", "供暖", "供暖"] * 4
    TextClassifier.train(TEXTS, labels).save(tmp_path / "m")
    with (tmp_path / "m" / "model.joblib").open("ab") as handle:
        handle.write(b"x")
    with pytest.raises(InvalidInput) as caught:
        TextClassifier.load(tmp_path / "m")
    assert "哈希" in caught.value.message


def test_training_needs_two_classes():
    with pytest.raises(InvalidInput):
        TextClassifier.train(["a", "b"], ["x", "x"])
