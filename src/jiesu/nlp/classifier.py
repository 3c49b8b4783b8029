"""The request classifier: two views of the text side by side — character 1–3-gram TF-IDF of the whole text (the
100,000 most frequent n-grams, `char_ngrams.py`) and of its first 40 characters (30,000, weighted ½: the title or
the opening sentence names the matter) — and a linear SVM (class-balanced), with probabilities calibrated on 3-fold
cross-validated scores (sigmoid, one final model), so that intake can show the top three categories with a
confidence.

Chosen by 5-fold cross-validation on the 7,313 distinct labelled messages of ../shared/data/tipdm2020c (see
docs/benchmarks.md and `bench/classify.py`): character n-grams need no word segmenter (fast, robust to the typos
and mixed scripts of real messages), macro-F1 0.918 alone and 0.922 with the opening. Adding jieba words and
word pairs gave 0.924 but cut inference to 670 texts/s (jieba segments at about a millisecond a text); stacking
the views through a second model, ridge or logistic regression instead of the SVM, and longer n-grams did not do
better.

A model is a directory: `model.joblib` (the scikit-learn pipeline) and `model.json` (labels, SHA-256 of the
training data and of the model file, metrics, library versions). Loading checks the model file's hash first.
Prediction goes through `linear_scorer.py` (the fitted parameters applied with NumPy) when the pipeline has the
shape `_fit` gives it, else through the pipeline itself.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jiesu.domain.errors import InvalidInput

FORMAT = "jiesu-text-classifier/2"  # 2: the whole text and its opening (1: the whole text only)


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, whitespace collapsed: the same for training and prediction."""
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().split())


OPENING = 40  # characters at the start of a text that form the second view


def opening(texts: list[str]) -> list[str]:
    return [t[:OPENING] for t in texts]


def features():
    """The two views, fitted together (a scikit-learn FeatureUnion, saved with the model)."""
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from jiesu.nlp.char_ngrams import CharNgramTfidf

    return FeatureUnion([
        ("text", CharNgramTfidf(max_n=3, min_df=2, max_features=100_000)),
        ("opening", make_pipeline(FunctionTransformer(opening),
                                  CharNgramTfidf(max_n=3, min_df=2, max_features=30_000))),
    ], transformer_weights={"text": 1.0, "opening": 0.5})


def _fit(texts: list[str], labels: list[str], calibrated: bool):
    """The pipeline fitted: the views, a class-balanced linear SVM, sigmoid-calibrated on 3-fold scores."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    smallest = min(labels.count(c) for c in set(labels))
    svm = LinearSVC(C=1.0, class_weight="balanced")
    head = (CalibratedClassifierCV(svm, method="sigmoid", cv=min(3, smallest), ensemble=False)
            if calibrated and smallest >= 2 else svm)
    return make_pipeline(features(), head).fit([normalise(t) for t in texts], labels)


def data_digest(texts: list[str], labels: list[str]) -> str:
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(label.encode() + b"\t" + text.encode() + b"\n")
    return digest.hexdigest()


@dataclass
class TextClassifier:
    pipeline: Any
    meta: dict
    scorer: Any = field(default=None, init=False, repr=False)  # the fast path (`linear_scorer.py`), if any

    def __post_init__(self) -> None:
        from jiesu.nlp.linear_scorer import LinearScorer

        self.scorer = LinearScorer.of(self.pipeline)

    @property
    def labels(self) -> list[str]:
        return list(self.meta["labels"])

    @classmethod
    def train(cls, texts: list[str], labels: list[str], *, calibrated: bool = True, source: str = "",
              holdout: float = 0.2, auto_at: float = 0.85) -> TextClassifier:
        """Fit on all the texts. First, with `holdout` > 0 and enough data (at least 5 texts of every class in the
        held-out part), a fit on the rest is evaluated on a stratified `holdout` share: its figures become the
        model's `metrics` (so a model says how good it is; the automatic share at intake's threshold `auto_at`),
        at the cost of a second fit."""
        if len(texts) != len(labels):
            raise InvalidInput("文本与标签数量不一致", field="labels")
        classes = sorted(set(labels))
        if len(classes) < 2:
            raise InvalidInput("至少需要两个类别才能训练", field="labels")
        began = time.perf_counter()
        metrics: dict = {}
        smallest = min(labels.count(c) for c in classes)
        if holdout and smallest * holdout >= 5:
            from sklearn.model_selection import train_test_split

            kept, held, kept_labels, held_labels = train_test_split(texts, labels, test_size=holdout,
                                                                    stratify=labels, random_state=0)
            probe = cls(_fit(kept, kept_labels, calibrated), {"labels": classes})
            figures = evaluate(probe, held, held_labels, auto_at)
            metrics = {"held_out": holdout, "n": figures["n"], "auto_at": auto_at,
                       **{k: figures[k] for k in ("accuracy", "macro_f1", "top3_accuracy", "calibration_error",
                                                  "auto_share", "auto_accuracy")}}
        pipeline = _fit(texts, labels, calibrated)
        meta = {"format": FORMAT, "labels": classes, "n": len(texts), "data_sha256": data_digest(texts, labels),
                "source": source, "calibrated": hasattr(pipeline, "predict_proba"),
                "train_seconds": round(time.perf_counter() - began, 2),
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"), "versions": versions(),
                "metrics": metrics}
        return cls(pipeline, meta)

    def top(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        return self.top_many([text], k)[0]

    def top_many(self, texts: list[str], k: int = 3) -> list[list[tuple[str, float]]]:
        clean = [normalise(t) for t in texts]
        probabilities = self._probabilities(clean)
        if probabilities is None:
            return [[(label, 1.0)] for label in self.pipeline.predict(clean)]
        classes = list(self.pipeline.classes_)
        result = []
        for row in probabilities:
            order = row.argsort()[::-1][:k]
            result.append([(classes[i], round(float(row[i]), 4)) for i in order])
        return result

    def predict(self, texts: list[str]) -> list[str]:
        clean = [normalise(t) for t in texts]
        probabilities = self._probabilities(clean)
        if probabilities is None:
            return list(self.pipeline.predict(clean))
        classes = self.pipeline.classes_
        return [classes[i] for i in probabilities.argmax(axis=1)]

    def _probabilities(self, clean: list[str]):
        """Calibrated probabilities through the fast path, else the pipeline's own; None for a model without."""
        if self.scorer is not None:
            return self.scorer.probabilities(clean)
        if hasattr(self.pipeline, "predict_proba"):
            try:
                return self.pipeline.predict_proba(clean)
            except AttributeError:
                return None
        return None

    def save(self, directory: Path) -> Path:
        import joblib

        directory.mkdir(parents=True, exist_ok=True)
        model_file = directory / "model.joblib"
        joblib.dump(self.pipeline, model_file, compress=3)
        self.meta["model_sha256"] = hashlib.sha256(model_file.read_bytes()).hexdigest()
        self.meta["model_bytes"] = model_file.stat().st_size
        (directory / "model.json").write_text(json.dumps(self.meta, ensure_ascii=False, indent=2), encoding="utf-8")
        return directory

    @classmethod
    def load(cls, directory: Path) -> TextClassifier:
        import joblib

        meta_file, model_file = directory / "model.json", directory / "model.joblib"
        if not meta_file.exists() or not model_file.exists():
            raise InvalidInput(f"{directory} 不是模型目录（应有 model.json 和 model.joblib）", field="model")
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as unreadable:
            raise InvalidInput(f"model.json 无法读取（{unreadable}），请重新训练模型", field="model") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            found = meta.get("format") if isinstance(meta, dict) else None
            raise InvalidInput(f"模型格式 {found!r} 不受支持（应为 {FORMAT}）", field="model")
        if hashlib.sha256(model_file.read_bytes()).hexdigest() != meta.get("model_sha256"):
            raise InvalidInput("model.joblib 与 model.json 记录的哈希不符，拒绝加载（文件被改动或损坏）", field="model")
        return cls(joblib.load(model_file), meta)


def versions() -> dict:
    import numpy
    import sklearn

    from jiesu import __version__

    return {"jiesu": __version__, "scikit-learn": sklearn.__version__, "numpy": numpy.__version__,
            "python": platform.python_version()}


def suggestion_quality(tops: list[list[tuple[str, float]]], labels: list[str], bins: int = 10,
                       auto_at: float = 0.85) -> dict:
    """What the agent sees at intake, from each text's suggestions (`TextClassifier.top_many(texts, 3)`): how often the right category is among the three suggested (`top3_accuracy`),
    how far the shown confidence is from the truth (`calibration_error`: expected calibration error of the first
    suggestion over `bins` confidence bins; 0 = a suggestion shown at 80 % is right 80 % of the time), and what
    intake's automatic classification would do at confidence `auto_at` (JIESU_AUTO_CLASSIFY_CONFIDENCE): the share
    of cases it would classify (`auto_share`) and how many of those it gets right (`auto_accuracy`)."""
    import numpy as np

    in_top3 = np.array([label in [code for code, _ in top] for top, label in zip(tops, labels, strict=True)])
    confidence = np.array([top[0][1] for top in tops])
    right = np.array([top[0][0] == label for top, label in zip(tops, labels, strict=True)])
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    error = sum(abs(right[which == b].mean() - confidence[which == b].mean()) * (which == b).sum()
                for b in range(bins) if (which == b).any()) / max(len(tops), 1)
    automatic = confidence >= auto_at
    return {"top3_accuracy": round(float(in_top3.mean()), 4) if len(tops) else None,
            "calibration_error": round(float(error), 4) if len(tops) else None,
            "auto_share": round(float(automatic.mean()), 4) if len(tops) else None,
            "auto_accuracy": round(float(right[automatic].mean()), 4) if automatic.any() else None}


def evaluate(model: TextClassifier, texts: list[str], labels: list[str], auto_at: float = 0.85) -> dict:
    """Per-class precision/recall/F1, accuracy, macro-F1, single-process throughput (texts classified with their
    top three and probabilities, as intake does), and the quality of those suggestions (`suggestion_quality`).
    Each text is classified once: the first suggestion is the prediction."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    began = time.perf_counter()
    tops = model.top_many(texts, 3)
    seconds = time.perf_counter() - began
    predicted = [top[0][0] for top in tops]
    classes = sorted(set(labels) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(labels, predicted, labels=classes,
                                                                     zero_division=0)
    return {
        "n": len(texts), "accuracy": round(float(accuracy_score(labels, predicted)), 4),
        **suggestion_quality(tops, labels, auto_at=auto_at),
        "macro_f1": round(float(f1_score(labels, predicted, average="macro", labels=sorted(set(labels)),
                                         zero_division=0)), 4),
        "texts_per_s": round(len(texts) / seconds, 1) if seconds else None,
        "per_class": [{"label": c, "precision": round(float(p), 4), "recall": round(float(r), 4),
                       "f1": round(float(f), 4), "support": int(s)}
                      for c, p, r, f, s in zip(classes, precision, recall, f1, support, strict=True)],
    }
