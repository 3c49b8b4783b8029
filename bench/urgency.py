"""Urgency detection on the labelled set kept with the tests (tests/fixtures/urgency_labelled.csv: real-world
phrasing, with hard negatives such as 火锅店, 燃气费, 消防通道), beside a naive keyword baseline.

    python bench/urgency.py
"""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path

from jiesu.nlp.rules import urgency

DATA = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "urgency_labelled.csv"
NAIVE = re.compile("火|燃气|煤气|困|电线|塌|急")


def score(predicted: list[bool], truth: list[bool]) -> tuple[float, float]:
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    return tp / max(1, sum(truth)), tp / max(1, sum(predicted))


def main() -> None:
    rows = list(csv.DictReader(DATA.open(encoding="utf-8")))
    truth = [r["urgent"] == "1" for r in rows]
    began = time.perf_counter()
    ours = [urgency(r["text"], month=12).urgent for r in rows]
    seconds = time.perf_counter() - began
    naive = [bool(NAIVE.search(r["text"])) for r in rows]
    print(f"{len(rows)} labelled texts, {sum(truth)} emergencies")
    for name, predicted in (("jiesu rules", ours), ("naive keywords", naive)):
        recall, precision = score(predicted, truth)
        print(f"  {name:16} recall {recall:.3f}  precision {precision:.3f}")
    print(f"  {len(rows) / seconds:,.0f} texts/s")
    missed = [r["text"] for r, p, t in zip(rows, ours, truth, strict=True) if t and not p]
    if missed:
        print("  missed:", *missed, sep="\n    ")


if __name__ == "__main__":
    main()
