import numpy as np
import pytest

from jiesu.nlp.classifier import TextClassifier, normalise
from jiesu.nlp.linear_scorer import LinearScorer

TEXTS = ["小区物业不清理垃圾", "物业乱收停车费", "物业不管电梯坏了", "工地夜间施工噪音", "施工噪音扰民到凌晨",
         "夜里打桩太吵", "暖气不热屋里冷", "供暖温度不达标", "暖气片冰凉", "公交车绕路不停站", "公交站牌被撞坏",
         "末班公交提前收车"] * 3
LABELS = ["物业"] * 3 + ["噪音"] * 3 + ["供暖"] * 3 + ["公交"] * 3
UNSEEN = ["物业又乱收费了", "凌晨施工吵得睡不着，物业也不管", "", "完全无关的一句话", "暖气", "公交站旁工地噪音"]


@pytest.mark.parametrize("labels", [LABELS * 3, (["物业"] * 6 + ["其他"] * 6) * 3], ids=["four classes", "two"])
def test_the_fast_path_gives_scikit_learns_probabilities(labels):
    model = TextClassifier.train(TEXTS, labels, holdout=0)
    assert isinstance(model.scorer, LinearScorer)
    texts = [normalise(t) for t in TEXTS + UNSEEN]
    ours, theirs = model.scorer.probabilities(texts), model.pipeline.predict_proba(texts)
    assert ours.shape == theirs.shape and np.allclose(ours, theirs, atol=1e-9)
    assert model.predict(TEXTS + UNSEEN) == list(model.pipeline.predict(texts))


def test_a_loaded_model_scores_through_the_fast_path_too(tmp_path):
    model = TextClassifier.train(TEXTS, LABELS * 3, holdout=0)
    loaded = TextClassifier.load(model.save(tmp_path / "m"))
    assert loaded.scorer is not None and loaded.top_many(UNSEEN) == model.top_many(UNSEEN)


def test_a_pipeline_of_another_shape_has_no_fast_path_and_is_used_as_it_is():
    model = TextClassifier.train(TEXTS, LABELS * 3, holdout=0, calibrated=False)  # a bare SVM: no probabilities
    assert model.scorer is None
    assert model.top("暖气不热") == [("供暖", 1.0)]
    assert LinearScorer.of(object()) is None
