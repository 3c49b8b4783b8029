"""Rule-based suggestions used at intake until a trained model exists: category by the catalogue's own
words, emergencies by phrases (recall first, with the usual hard negatives), nothing downloaded."""

from __future__ import annotations

import re
from dataclasses import dataclass

from jiesu.domain.routing import Directory

EMERGENCY_PHRASES = (
    "燃气泄漏", "燃气味", "煤气味", "天然气味", "漏气", "着火", "起火", "失火", "火灾", "冒烟", "黑烟", "爆炸",
    "被困", "困在", "困人", "触电", "电线掉", "电线断", "冒火花", "电线落地", "坍塌", "倒塌", "要塌", "塌了",
    "垮塌", "跳楼", "轻生", "自杀", "不想活", "溺水", "落水", "没过膝盖", "救援", "救命", "昏迷", "晕倒",
    "砸伤", "坠落", "高空坠物", "受伤", "掉进去", "管道爆", "爆管", "爆了", "出不来", "冒火", "线断了", "断线",
    "快掉下来", "要掉下来", "滑坡", "泥石流", "被埋", "锁在车里", "困在车里", "溺亡", "中毒", "一氧化碳",
)
NEGATIVE_CONTEXT = ("火锅", "燃气费", "消防通道", "消防栓", "火车", "上火", "防火门", "烟花", "吸烟", "抽烟")
VULNERABLE = ("独居老人", "八十多岁", "九十多岁", "瘫痪", "行动不便", "婴儿", "孕妇")
WINTER_NEED = ("停水", "暖气", "没有暖气", "冻", "没气", "停电")


@dataclass(frozen=True)
class CategoryGuess:
    code: str
    path: str
    confidence: float


@dataclass(frozen=True)
class UrgencyGuess:
    urgent: bool
    reason: str


def _grams(word: str) -> set[str]:
    word = re.sub(r"[^\u4e00-\u9fff]", "", word)
    grams = {word} if len(word) >= 2 else set()
    grams |= {word[i:i + 2] for i in range(len(word) - 1)}
    return grams


class RuleSuggester:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        parents = {c.parent for c in directory.categories.values() if c.parent}
        self.leaves = [c for c in directory.categories.values() if c.code not in parents]
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


def urgency(text: str, month: int | None = None) -> UrgencyGuess:
    for phrase in EMERGENCY_PHRASES:
        start = text.find(phrase)
        while start != -1:
            window = text[max(0, start - 4): start + len(phrase) + 4]
            if not any(neg in window for neg in NEGATIVE_CONTEXT):
                return UrgencyGuess(True, f"文本含「{phrase}」，可能危及生命财产安全")
            start = text.find(phrase, start + 1)
    if month in (11, 12, 1, 2, 3) and any(v in text for v in VULNERABLE) and any(w in text for w in WINTER_NEED):
        return UrgencyGuess(True, "冬季困难群体缺水/缺暖")
    return UrgencyGuess(False, "")
