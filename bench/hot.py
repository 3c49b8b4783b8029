"""Hot issues on real messages: ../shared/data/tipdm2020c/messages_with_votes_4326.csv (4,326 messages with votes,
2017-06 to 2020-01, many reposts of one complaint). Prints the top 5 with their heat index and timing, beside the
naive ranking by likes alone (what a board sorted by votes would show).

    python bench/hot.py [--threshold 0.3] [--top 5]
"""

from __future__ import annotations

import argparse
import time

from realdata import votes_messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threshold", type=float, default=0.3)
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()
    from jiesu.issues.export import issue_rows
    from jiesu.issues.hot import build_issues, label

    messages = votes_messages()
    began = time.perf_counter()
    issues = build_issues(messages, args.threshold)
    seconds = time.perf_counter() - began
    top = issues[: args.top]
    for issue in top:
        label(issue)
    sizes = sorted((len(i.messages) for i in issues), reverse=True)
    print(f"{len(messages):,} messages -> {len(issues):,} issues (threshold {args.threshold}) in {seconds:.1f} s; "
          f"largest issues: {sizes[:8]}")
    print("rank | issue | heat | span | place / people | description | messages | people | likes")
    for row in issue_rows(top):
        print(" | ".join(str(v) for v in row[:9]))
    print("naive ranking by likes of single messages:")
    for m in sorted(messages, key=lambda m: -m.likes)[: args.top]:
        print(f"  {m.likes:>5}  {m.title}")


if __name__ == "__main__":
    main()
