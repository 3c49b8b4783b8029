"""Repeat detection on real messages: does restricting each new message's comparison to the cases received in the
30 days before it (at most the 200 most recent, as intake does) lose repeats? Compared with exact all-pairs
cosine similarity on the same vectors, in the same run.

    python bench/dedup.py [--threshold 0.3] [--window-days 30] [--candidates 200] [--probes 10]

Beside the window, the n-gram index that intake uses (`nlp/repeat_index.py`): each message queries the index of
every earlier message (no window), only through its heaviest n-grams, and the candidates are scored exactly.

Data: ../shared/data/tipdm2020c/messages_with_votes_4326.csv (reposts of one complaint are common). Intake also
restricts to the same 街道 and category; the TipDM messages carry neither, so this measures the time window and
the candidate cap only. Scores are exact in both, so precision against the all-pairs reference is 1 by
construction; the figure that can fail is pair recall.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from realdata import votes_messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threshold", type=float, default=0.3)
    parser.add_argument("--window-days", type=int, default=30)
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--probes", type=int, default=10)
    args = parser.parse_args()
    from jiesu.nlp.similarity import compact, similar_pairs, vectors

    messages = votes_messages()
    messages = sorted((m for m in messages if m.time), key=lambda m: m.time)
    matrix = compact(vectors([f"{m.title} {m.text}" for m in messages]))
    began = time.perf_counter()
    exact = {(i, j) for i, j, _ in similar_pairs(matrix, args.threshold)}
    exact_seconds = time.perf_counter() - began

    began = time.perf_counter()
    found, latencies = set(), []
    window = timedelta(days=args.window_days)
    start = 0
    for j, message in enumerate(messages):
        tick = time.perf_counter()
        while messages[start].time < message.time - window:
            start += 1
        first = max(start, j - args.candidates)
        if first < j:
            scores = (matrix[first:j] @ matrix[j].T).toarray().ravel()
            found.update((first + k, j) for k, s in enumerate(scores) if s >= args.threshold)
        latencies.append((time.perf_counter() - tick) * 1000)
    windowed_seconds = time.perf_counter() - began
    latencies.sort()
    recall = len(found & exact) / len(exact) if exact else 1.0
    print(f"{len(messages):,} messages, threshold {args.threshold}: {len(exact):,} similar pairs by exact all-pairs "
          f"({exact_seconds:.2f} s)")
    print(f"windowed ({args.window_days} days, <= {args.candidates} candidates): {len(found & exact):,} of them found, "
          f"pair recall {recall:.3f}, precision {len(found & exact) / max(1, len(found)):.3f} "
          f"({windowed_seconds:.2f} s; per message p50 {latencies[len(latencies) // 2]:.2f} ms, "
          f"p99 {latencies[int(len(latencies) * 0.99)]:.2f} ms)")
    from jiesu.nlp.repeat_index import RepeatIndex

    texts = [f"{m.title} {m.text}" for m in messages]
    began = time.perf_counter()
    index = RepeatIndex(texts, probes=args.probes)
    built = time.perf_counter() - began
    indexed, index_latencies, candidates = set(), [], []
    began = time.perf_counter()
    for j, text in enumerate(texts):
        tick = time.perf_counter()
        hits = index.query(text, args.threshold, keep=lambda rows, j=j: rows < j)  # only what was stored before
        indexed.update((i, j) for i, _ in hits)
        index_latencies.append((time.perf_counter() - tick) * 1000)
        candidates.append(len(index.candidates(index.vector(text))))
    index_seconds = time.perf_counter() - began
    index_latencies.sort()
    print(f"index ({args.probes} probes, all history): {len(indexed & exact):,} found, "
          f"pair recall {len(indexed & exact) / max(1, len(exact)):.3f}, "
          f"precision {len(indexed & exact) / max(1, len(indexed)):.3f} (built in {built:.2f} s, queries "
          f"{index_seconds:.2f} s; per message p50 {index_latencies[len(index_latencies) // 2]:.2f} ms, "
          f"p99 {index_latencies[int(len(index_latencies) * 0.99)]:.2f} ms; median candidates "
          f"{sorted(candidates)[len(candidates) // 2]} of {len(texts):,})")
    lost = sorted(exact - found)[:3]
    for i, j in lost:
        print(f"  missed: {messages[i].time:%Y-%m-%d} {messages[i].title[:24]}  <->  "
              f"{messages[j].time:%Y-%m-%d} {messages[j].title[:24]}")


if __name__ == "__main__":
    main()
