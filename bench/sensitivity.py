"""敏感诉求 detection (nlp/sensitivity.py), with a naive keyword list run beside it as the baseline.

1. The labelled set kept with the tests (tests/fixtures/sensitivity_labelled.csv: phone and web phrasing, with hard
   negatives such as 集体户口, 多媒体教室, 打击报复, 不想拉横幅, 聚众赌博). Written by us with the rules, so a
   specification check, not an independent measurement: recall and precision of "sensitive at all" and of each kind.
2. How often each flags real citizen messages from ../shared/data/tipdm2020c (posts on a city's message board, where
   people write at length about long disputes, so more of them are sensitive than of phone calls). No labels: the
   share flagged per kind, and `--show N` prints N of jiesu's flags and N of the baseline's flags that jiesu does
   not raise, drawn at random, for a person to read.

    python bench/sensitivity.py [--data ../shared/data/tipdm2020c] [--show 20]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import time
from collections import Counter
from pathlib import Path

from jiesu.nlp.sensitivity import KINDS, sensitivity

DATA = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "sensitivity_labelled.csv"
NAIVE = re.compile("集体|联名|横幅|上访|媒体|记者|曝光|网上|北京|省里|报复|拼命|杀|死")


def score(predicted: list[bool], truth: list[bool]) -> tuple[float, float]:
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    return tp / max(1, sum(truth)), tp / max(1, sum(predicted))


def real_messages(folder: Path) -> list[str]:
    texts: dict[str, None] = {}
    for path in sorted(folder.glob("messages_*.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                texts[row.get("text") or f"{row.get('留言主题', '')}。{row.get('留言详情', '')}"] = None
    return list(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data"
                        / "tipdm2020c")
    parser.add_argument("--show", type=int, default=0, help="print this many flags of each side on the real messages")
    args = parser.parse_args()
    rows = list(csv.DictReader(DATA.open(encoding="utf-8")))
    truth = [tuple(k for k in r["kinds"].split("|") if k) for r in rows]
    began = time.perf_counter()
    ours = [sensitivity(r["text"]).kinds for r in rows]
    seconds = time.perf_counter() - began
    print(f"1. labelled set: {len(rows)} texts, {sum(map(bool, truth))} sensitive")
    for name, predicted in (("jiesu", [bool(k) for k in ours]),
                            ("naive keywords", [bool(NAIVE.search(r["text"])) for r in rows])):
        recall, precision = score(predicted, [bool(k) for k in truth])
        print(f"  {name:16} sensitive at all: recall {recall:.3f}  precision {precision:.3f}")
    for kind in KINDS:
        recall, precision = score([kind in k for k in ours], [kind in k for k in truth])
        print(f"  jiesu {kind:10} recall {recall:.3f}  precision {precision:.3f}")
    print(f"  {len(rows) / seconds:,.0f} texts/s")
    for row, got, want in zip(rows, ours, truth, strict=True):
        if got != want:
            print(f"  wrong: {row['text']} — found {got or '()'}, labelled {want or '()'}")

    if not args.data.exists():
        print(f"2. skipped: the real messages are not at {args.data} (see ../shared/data/README.md)")
        return
    texts = real_messages(args.data)
    began = time.perf_counter()
    guesses = [sensitivity(t) for t in texts]
    rate = len(texts) / (time.perf_counter() - began)
    naive = [bool(NAIVE.search(t)) for t in texts]
    flagged = [t for t, g in zip(texts, guesses, strict=True) if g.sensitive]
    kinds = Counter(kind for g in guesses for kind in g.kinds)
    print(f"2. real board messages: {len(texts):,} (every messages_*.csv, each text once)")
    print(f"  jiesu {len(flagged):,} flagged ({len(flagged) / len(texts):.2%}), naive keywords {sum(naive):,} "
          f"({sum(naive) / len(texts):.2%}); jiesu {rate:,.0f} texts/s on these long texts")
    print("  by kind: " + ", ".join(f"{kind} {kinds[kind]:,} ({kinds[kind] / len(texts):.2%})" for kind in KINDS))
    if args.show:
        draw = random.Random(0)
        print(f"  {args.show} of jiesu's flags:")
        for text in draw.sample(flagged, min(args.show, len(flagged))):
            found = sensitivity(text)
            phrase = found.reason.split("（", 1)[1].split("）", 1)[0]
            flat = "".join(text.split())
            at = flat.find(phrase)
            print(f"    {found.reason}: …{flat[max(0, at - 40): at + len(phrase) + 30]}…")
        only_naive = [t for t, g, n in zip(texts, guesses, naive, strict=True) if n and not g.sensitive]
        print(f"  {args.show} of the naive list's flags that jiesu does not raise:")
        for text in draw.sample(only_naive, min(args.show, len(only_naive))):
            match = NAIVE.search(text)
            at = match.start() if match else 0
            print(f"    「{match.group() if match else ''}」: {' '.join(text[max(0, at - 30): at + 50].split())}")


if __name__ == "__main__":
    main()
