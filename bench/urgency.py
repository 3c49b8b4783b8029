"""Urgency detection, two measurements side by side with two baselines (a naive keyword list, and jiesu's first
version: the same emergency phrases looked up with a 4-character negative window and nothing else).

1. The labelled set kept with the tests (tests/fixtures/urgency_labelled.csv: real-world phrasing, with hard
   negatives such as 火锅店, 燃气费, 消防通道, 救命钱, 跳楼机, chronic and past complaints; each emergency with the
   line an agent should put the caller through to). Written by us, so a specification check, not an independent
   measurement.
2. How often each flags real citizen messages from ../shared/data/tipdm2020c: posts on a city's message board,
   where emergencies are very rare (people phone 119/120/12345 for those), so nearly every flag there is a
   false alarm that would put a 2-hour deadline on an ordinary complaint. The votes and unlabelled files were
   read while writing the rules; the dev and replies files are the check.

    python bench/urgency.py [--data ../shared/data/tipdm2020c] [--show 20]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import time
from pathlib import Path

from jiesu.nlp.urgency import urgency

DATA = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "urgency_labelled.csv"
NAIVE = re.compile("火|燃气|煤气|困|电线|塌|急")
FIRST_PHRASES = (
    "燃气泄漏", "燃气味", "煤气味", "天然气味", "漏气", "着火", "起火", "失火", "火灾", "冒烟", "黑烟", "爆炸",
    "被困", "困在", "困人", "触电", "电线掉", "电线断", "冒火花", "电线落地", "坍塌", "倒塌", "要塌", "塌了",
    "垮塌", "跳楼", "轻生", "自杀", "不想活", "溺水", "落水", "没过膝盖", "救援", "救命", "昏迷", "晕倒",
    "砸伤", "坠落", "高空坠物", "受伤", "掉进去", "管道爆", "爆管", "爆了", "出不来", "冒火", "线断了", "断线",
    "快掉下来", "要掉下来", "滑坡", "泥石流", "被埋", "锁在车里", "困在车里", "溺亡", "中毒", "一氧化碳",
)
FIRST_NEGATIVE = ("火锅", "燃气费", "消防通道", "消防栓", "火车", "上火", "防火门", "烟花", "吸烟", "抽烟")


def first_version(text: str) -> bool:
    """jiesu's first urgency rule (until 2026-11-30), kept here as the baseline (winter rule left out)."""
    for phrase in FIRST_PHRASES:
        start = text.find(phrase)
        while start != -1:
            if not any(n in text[max(0, start - 4): start + len(phrase) + 4] for n in FIRST_NEGATIVE):
                return True
            start = text.find(phrase, start + 1)
    return False


def score(predicted: list[bool], truth: list[bool]) -> tuple[float, float]:
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    return tp / max(1, sum(truth)), tp / max(1, sum(predicted))


def real_messages(folder: Path, names: list[str]) -> list[str]:
    texts: dict[str, None] = {}
    for name in names:
        with (folder / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                texts["text" in row and row["text"] or f"{row['留言主题']}。{row['留言详情']}"] = None
    return list(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data"
                        / "tipdm2020c")
    parser.add_argument("--show", type=int, default=0, help="print this many of jiesu's flags on the check part")
    args = parser.parse_args()
    rows = list(csv.DictReader(DATA.open(encoding="utf-8")))
    truth = [r["urgent"] == "1" for r in rows]
    began = time.perf_counter()
    ours = [urgency(r["text"], month=12).urgent for r in rows]
    seconds = time.perf_counter() - began
    print(f"1. labelled set: {len(rows)} texts, {sum(truth)} emergencies")
    for name, predicted in (("jiesu", ours), ("first version", [first_version(r["text"]) for r in rows]),
                            ("naive keywords", [bool(NAIVE.search(r["text"])) for r in rows])):
        recall, precision = score(predicted, truth)
        print(f"  {name:16} recall {recall:.3f}  precision {precision:.3f}")
    print(f"  {len(rows) / seconds:,.0f} texts/s")
    missed = [r["text"] for r, p, t in zip(rows, ours, truth, strict=True) if t and not p]
    if missed:
        print("  missed:", *missed, sep="\n    ")
    urgent = [r for r in rows if r["urgent"] == "1"]  # the line to put the caller through to, labelled by hand
    print(f"  emergency line named ({len(urgent)} emergencies; labels: 110/119/120/122, or none for a unit's work)")
    for name, named in (("jiesu", [urgency(r["text"], month=12).line for r in urgent]),
                        ("always 119", ["119"] * len(urgent))):
        agreed = sum(guess == r["line"] for guess, r in zip(named, urgent, strict=True))
        wrong = sum(bool(guess and r["line"] and guess != r["line"]) for guess, r in zip(named, urgent, strict=True))
        print(f"  {name:16} agrees {agreed}/{len(urgent)} ({agreed / len(urgent):.1%}), "
              f"names another line than the right one {wrong}")

    if not args.data.exists():
        print(f"2. skipped: the real messages are not at {args.data} (see ../shared/data/README.md)")
        return
    print("2. share of real board messages flagged urgent (winter rule on: month 1)")
    for part, names in (("read while writing the rules", ["messages_with_votes_4326.csv",
                                                          "messages_unlabeled_2801.csv"]),
                        ("check", ["messages_labeled_dev.csv", "messages_with_replies_2816.csv"])):
        texts = real_messages(args.data, names)
        began = time.perf_counter()
        flagged = [t for t in texts if urgency(t, month=1).urgent]
        rate = len(texts) / (time.perf_counter() - began)
        first = sum(first_version(t) for t in texts)
        naive = sum(bool(NAIVE.search(t)) for t in texts)
        print(f"  {part:30} {len(texts):>6,} messages: jiesu {len(flagged):>4} ({len(flagged) / len(texts):.2%}), "
              f"first version {first:>4} ({first / len(texts):.2%}), naive {naive:>5} ({naive / len(texts):.2%}); "
              f"jiesu {rate:,.0f} texts/s on these long texts")
        if part == "check" and args.show:
            for text in random.Random(0).sample(flagged, min(args.show, len(flagged))):
                print(f"    {urgency(text, month=1).reason}: {' '.join(text.split())[:100]}")


if __name__ == "__main__":
    main()
