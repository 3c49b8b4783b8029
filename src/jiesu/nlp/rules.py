"""Rule-based category suggestions used at intake until a trained model exists: the catalogue's own words,
nothing downloaded. (Emergencies: `urgency.py`.)"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jiesu.domain.routing import Directory


@dataclass(frozen=True)
class CategoryGuess:
    code: str
    path: str
    confidence: float


def _grams(word: str) -> set[str]:
    word = re.sub(r"[^\u4e00-\u9fff]", "", word)
    grams = {word} if len(word) >= 2 else set()
    grams |= {word[i:i + 2] for i in range(len(word) - 1)}
    return grams


class RuleSuggester:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.leaves = directory.leaves()
        self.keywords: dict[str, dict[str, float]] = {}
        for leaf in self.leaves:
            weights: dict[str, float] = {}
            for depth, code in enumerate(directory.category_ancestry(leaf.code)):
                for gram in _grams(directory.categories[code].name):
                    weights[gram] = max(weights.get(gram, 0), len(gram) / (1 + depth))
            self.keywords[leaf.code] = weights

    def categories(self, text: str, top: int = 3) -> list[CategoryGuess]:
        scores = []
        for code, weights in self.keywords.items():
            score = sum(w for gram, w in weights.items() if gram in text)
            if score > 0:
                scores.append((score, code))
        scores.sort(reverse=True)
        total = sum(s for s, _ in scores[:top]) or 1
        return [CategoryGuess(code, self.directory.category_path(code), round(score / total, 3))
                for score, code in scores[:top]]
