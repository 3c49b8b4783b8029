"""改派经验 at scale, on a demo city's database (`jiesu demo --no-serve --count N` in a directory, then this script
pointed at its `jiesu.db`):

1. counting the lessons (`services.dispatch_lessons.count_lessons`: three grouped queries over the last 90 days'
   lead assignments and the grouping in Python), which each server process does every five minutes, beside a bare
   count of the same window's lead assignments joined to their cases (the least any counting must read);
2. one routing suggestion (`Router.route`) for the (category, place) of 10,000 stored cases, with the lessons and
   without, in the same run: what the advice adds to every intake, case page and dispatch.

    python bench/lessons.py --db /path/to/jiesu.db [--runs 3] [--routes 10000]
    python bench/lessons.py --url postgresql://…   (the same on PostgreSQL)
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from demo_city import arguments, open_city


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--routes", type=int, default=10_000)
    args = parser.parse_args()

    from sqlalchemy import func, select

    from jiesu.domain.dispatch_lessons import WINDOW_DAYS
    from jiesu.services.dispatch_lessons import count_lessons
    from jiesu.storage import tables as t

    app = open_city(args)
    a, r = t.assignments, t.requests
    with app.uow(read_only=True) as uow:
        c = uow.connection
        now = c.execute(select(func.max(a.c.dispatched_at))).scalar()
        since = now - timedelta(days=WINDOW_DAYS)
        cases = c.execute(select(func.count()).select_from(r)).scalar()
        router = app.config(uow).router
        counted, floor, book = [], [], None
        for _ in range(args.runs):
            started = time.perf_counter()
            window = c.execute(select(func.count()).select_from(a.join(r, r.c.id == a.c.request_id))
                               .where(a.c.role == "lead", a.c.dispatched_at >= since)).scalar()
            floor.append(time.perf_counter() - started)
            started = time.perf_counter()
            book = count_lessons(c, router, now)
            counted.append(time.perf_counter() - started)
        pairs = c.execute(select(r.c.category, r.c.division).where(r.c.category.is_not(None), r.c.division.is_not(None))
                          .order_by(r.c.id.desc()).limit(args.routes)).all()
    advised = router.with_lessons(lambda: book)
    print(f"{cases:,} cases; {window:,} lead dispatches in the last {WINDOW_DAYS} days; "
          f"{len(book):,} lessons ({sum(x.strong for x in book.lessons)} strong, "
          f"{sum(x.noted and not x.strong for x in book.lessons)} notes)")
    print(f"count the lessons:            median {statistics.median(counted) * 1000:8.1f} ms  "
          f"({', '.join(f'{x * 1000:.1f}' for x in counted)})")
    print(f"baseline, count the window:   median {statistics.median(floor) * 1000:8.1f} ms  "
          f"({', '.join(f'{x * 1000:.1f}' for x in floor)})")
    print(f"ratio {statistics.median(counted) / statistics.median(floor):.1f}x")
    for label, which in (("route without lessons", router), ("route with lessons", advised),
                         ("route without lessons", router), ("route with lessons", advised)):
        started = time.perf_counter()
        changed = 0
        for category, division in pairs:
            routing = which.route(category, division)
            changed += routing.best is not None and routing.best.reason.startswith(routing.best.unit.name + "：改派经验")
        elapsed = time.perf_counter() - started
        print(f"{label:24s} {elapsed / len(pairs) * 1e6:7.1f} µs a call ({len(pairs):,} calls; "
              f"{changed} led by a lesson)")


if __name__ == "__main__":
    main()
