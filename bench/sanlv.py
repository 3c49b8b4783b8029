"""The 三率 views at scale, on a demo city's database (`jiesu demo --no-serve --count N` in a directory, then this
script pointed at its `jiesu.db`): the dashboard (`analytics.report.build`, without the hot issues, as the page
calls it) and 本单位考核 (`services.assessment.unit_standing`), each viewed `--views` times the way a server process
now serves them (the month's 三率 counted once and kept, `App.scores`) and, as the baseline in the same run, the way
it did before (counted on every view: the kept figures dropped before each view).

    python bench/sanlv.py --db /path/to/jiesu.db [--month 2026-11] [--unit QQ01] [--views 5]
    python bench/sanlv.py --url postgresql://… --analytics /path/to/analytics.duckdb   (the same on PostgreSQL)
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", help="a demo city's SQLite file")
    where.add_argument("--url", help="or its database URL (postgresql://…)")
    parser.add_argument("--month", default=None, help="YYYY-MM (default: the month of the latest case)")
    parser.add_argument("--unit", default="QQ01")
    parser.add_argument("--views", type=int, default=5)
    parser.add_argument("--analytics", default="analytics.duckdb", help="with --url: the analytics store's file")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from jiesu.analytics.report import build
    from jiesu.bootstrap import App
    from jiesu.domain.calendar import SHANGHAI
    from jiesu.services.assessment import count_month, unit_standing
    from jiesu.settings import Settings
    from jiesu.storage import tables as t

    analytics = Path(args.db).with_name("analytics.duckdb") if args.db else Path(args.analytics)
    app = App(Settings(database_url=args.url or f"sqlite:///{args.db}", demo_mode=True, analytics_path=str(analytics)))
    with app.uow(read_only=True) as uow:
        latest = uow.connection.execute(select(func.max(t.requests.c.received_at))).scalar()
        cases = uow.connection.execute(select(func.count()).select_from(t.requests)).scalar()
    month = args.month or f"{latest.astimezone(SHANGHAI):%Y-%m}"
    build(app, month, with_issues=False)  # the analytics store's first build, which is not what is measured
    started = time.perf_counter()
    count_month(app, month)
    print(f"{cases:,} cases, month {month}: counting its 三率 {time.perf_counter() - started:.3f} s")

    def views(what, kept: bool) -> list[float]:
        times = []
        for _ in range(args.views):
            if not kept:
                app.scores.invalidate()
            started = time.perf_counter()
            what()
            times.append(time.perf_counter() - started)
        return times

    for label, what in (("dashboard", lambda: build(app, month, with_issues=False)),
                        (f"本单位考核 {args.unit}", lambda: unit_standing(app, month, args.unit))):
        app.scores.invalidate()
        for kept in (False, True, False, True):
            times = views(what, kept)
            print(f"{label:16s} {'kept (now)' if kept else 'counted each view (before)':28s} "
                  f"median {statistics.median(times):.3f} s  ({', '.join(f'{x:.3f}' for x in times)})")


if __name__ == "__main__":
    main()
