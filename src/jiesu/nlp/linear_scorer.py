"""The classifier's parameters applied directly with NumPy, for intake's one text at a time.

scikit-learn checks its input, its tags and its metadata routing on every call of every step: on one intake text
that came to about 3 ms of a 5 ms prediction on the 2026-11-30 machine (scikit-learn 1.9), more than the
arithmetic. A `LinearScorer` reads the fitted pipeline once — the n-gram views and their weights, the linear SVM's
coefficients, each class's sigmoid calibration — and computes the same probabilities: the views' TF-IDF rows side
by side, the SVM's scores, each class's sigmoid 1 / (1 + exp(a·s + b)), the row normalised to sum 1 (scikit-learn's
CalibratedClassifierCV with `ensemble=False`). A pipeline of any other shape gets no scorer and is used as it is.
`tests/unit/test_linear_scorer.py` holds the probabilities equal to scikit-learn's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from jiesu.nlp.char_ngrams import CharNgramTfidf


@dataclass(frozen=True)
class View:
    prepare: tuple[Callable, ...]  # applied to the texts in order before the n-grams (e.g. the opening)
    tfidf: CharNgramTfidf
    weight: float

    def rows(self, texts: list[str]) -> sparse.csr_matrix:
        for step in self.prepare:
            texts = step(texts)
        matrix = self.tfidf.transform(texts)
        if self.weight != 1.0:
            matrix.data *= np.float32(self.weight)
        return matrix


@dataclass(frozen=True)
class LinearScorer:
    views: tuple[View, ...]
    weights: np.ndarray  # (features, estimator classes): the SVM's coefficients, transposed
    intercept: np.ndarray
    slope: np.ndarray  # the sigmoid calibration of each estimator class: p = 1 / (1 + exp(slope·s + offset))
    offset: np.ndarray
    columns: np.ndarray  # the column of each estimator class in the probabilities
    n_classes: int

    @classmethod
    def of(cls, pipeline) -> LinearScorer | None:
        """The scorer of a fitted `features()` + calibrated LinearSVC pipeline, or None for any other shape."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.pipeline import FeatureUnion, Pipeline
        from sklearn.svm import LinearSVC

        steps = getattr(pipeline, "steps", None)
        if not steps or len(steps) != 2:
            return None
        union, head = steps[0][1], steps[1][1]
        views = _views(union, FeatureUnion, Pipeline)
        if views is None or not isinstance(head, CalibratedClassifierCV) or len(head.calibrated_classifiers_) != 1:
            return None
        calibrated = head.calibrated_classifiers_[0]
        svm = calibrated.estimator
        if (not isinstance(svm, LinearSVC) or calibrated.method != "sigmoid"
                or list(calibrated.classes) != list(head.classes_)):
            return None
        n_classes = len(head.classes_)
        if n_classes == 2:  # one score, for the second class
            columns = np.array([1])
        else:
            position = {label: i for i, label in enumerate(head.classes_)}
            columns = np.array([position[label] for label in svm.classes_])
        return cls(views=views, weights=np.ascontiguousarray(svm.coef_.T), intercept=np.asarray(svm.intercept_),
                   slope=np.array([c.a_ for c in calibrated.calibrators], dtype=np.float64),
                   offset=np.array([c.b_ for c in calibrated.calibrators], dtype=np.float64),
                   columns=columns, n_classes=n_classes)

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Calibrated probabilities, one row per (already normalised) text, columns in the pipeline's class order."""
        features = sparse.hstack([view.rows(texts) for view in self.views], format="csr")
        scores = np.asarray(features @ self.weights) + self.intercept
        calibrated = 1.0 / (1.0 + np.exp(self.slope * scores + self.offset))
        proba = np.zeros((len(texts), self.n_classes))
        if self.n_classes == 2:
            proba[:, 1] = calibrated[:, 0]
            proba[:, 0] = 1.0 - proba[:, 1]
        else:
            proba[:, self.columns] = calibrated
            total = proba.sum(axis=1, keepdims=True)
            proba = np.divide(proba, total, out=np.full_like(proba, 1 / self.n_classes), where=total != 0)
        proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba


def _views(union, feature_union_type, pipeline_type) -> tuple[View, ...] | None:
    from sklearn.preprocessing import FunctionTransformer

    if not isinstance(union, feature_union_type):
        return None
    weights = union.transformer_weights or {}
    views = []
    for name, transformer in union.transformer_list:
        steps = [step for _, step in transformer.steps] if isinstance(transformer, pipeline_type) else [transformer]
        *prepare, tfidf = steps
        if not isinstance(tfidf, CharNgramTfidf) or not all(
                isinstance(step, FunctionTransformer) and step.func is not None and not step.kw_args
                and not step.validate
                for step in prepare):
            return None
        views.append(View(tuple(step.func for step in prepare), tfidf, float(weights.get(name, 1.0))))
    return tuple(views)
