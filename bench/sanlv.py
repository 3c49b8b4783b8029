"""The 三率 views at scale, on a demo city's database (`jiesu demo --no-serve --count N` in a directory, then this
script pointed at its `jiesu.db`): the dashboard (`analytics.report.build`, without the hot issues, as the page
calls it) and 本单位考核 (`services.assessment.unit_standing`), each viewed `--views` times the way a server process
now serves them (the month's 三率 counted once and kept, `App.scores`) and, as the baseline in the same run, the way
it did before (counted on every view: the kept figures dropped before each view). First it counts the month
itself: the database grouping the assignments and callbacks per unit and outcome (`count_month`, now), beside the
rows read into Python one by one and tallied there (the way the count was made before, kept here as the baseline;
both go through the same domain formulas, and the script checks that they agree).

    python bench/sanlv.py --db /path/to/jiesu.db [--month 2026-11] [--unit QQ01] [--views 5]
    python bench/sanlv.py --url postgresql://… --analytics /path/to/analytics.duckdb   (the same on PostgreSQL)
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from demo_city import arguments, open_city


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--month", default=None, help="YYYY-MM (default: the month of the latest case)")
    parser.add_argument("--unit", default="QQ01")
    parser.add_argument("--views", type=int, default=5)
    parser.add_argument("--analytics", default="analytics.duckdb", help="with --url: the analytics store's file")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from jiesu.analytics.report import build
    from jiesu.domain.calendar import SHANGHAI
    from jiesu.services.assessment import count_month, unit_standing
    from jiesu.storage import tables as t

    analytics = Path(args.db).with_name("analytics.duckdb") if args.db else Path(args.analytics)
    app = open_city(args, analytics_path=str(analytics))
    with app.uow(read_only=True) as uow:
        latest = uow.connection.execute(select(func.max(t.requests.c.received_at))).scalar()
        cases = uow.connection.execute(select(func.count()).select_from(t.requests)).scalar()
    month = args.month or f"{latest.astimezone(SHANGHAI):%Y-%m}"
    build(app, month, with_issues=False)  # the analytics store's first build, which is not what is measured
    counts: dict[str, list[float]] = {"grouped in the database (now)": [], "rows read into Python (before)": []}
    for _ in range(3):
        for label, count in zip(counts, (count_month, count_month_row_by_row), strict=True):
            started = time.perf_counter()
            report = count(app, month)
            counts[label].append(time.perf_counter() - started)
            if count is count_month:
                grouped = report
            else:
                assert tallies(report) == tallies(grouped), "the two counts disagree"
    print(f"{cases:,} cases, month {month} ({sum(s.due for s in grouped.scores):,.0f} 应响应件, "
          f"{sum(s.callbacks for s in grouped.scores):,.0f} callbacks, co-handlers' shares included):")
    for label, times in counts.items():
        print(f"  counting its 三率, {label:32s} median {statistics.median(times):.3f} s  "
              f"({', '.join(f'{x:.3f}' for x in times)})")

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
            print(f"{label:16s} {'kept by the process' if kept else 'counted on every view':22s} "
                  f"median {statistics.median(times):.3f} s  ({', '.join(f'{x:.3f}' for x in times)})")


def tallies(report) -> dict[str, tuple[float, ...]]:
    """Each unit's counts, to 6 places: 基本满意 counts 0.8, and 0.8 added one by one is not 0.8 times the number"""
    return {s.unit: tuple(round(x, 6) for x in (s.due, s.responded, s.callbacks, s.solved, s.satisfied))
            for s in report.scores}


def count_month_row_by_row(app, month: str):
    """The baseline: the same month's 三率 from every 应响应件 and callback read into Python (the count before)."""
    import json

    from sqlalchemy import Text, and_, cast, select

    from jiesu.domain.assessment import CallbackRecord, ResponseRecord, assess
    from jiesu.domain.enums import Satisfaction
    from jiesu.services.assessment import MonthReport, month_bounds
    from jiesu.storage import tables as t

    start, end = month_bounds(month)
    r, a, f = t.requests, t.assignments, t.follow_ups
    with app.uow(read_only=True) as uow:
        c = uow.connection
        rules = uow.config.assessment_rules()
        rows = c.execute(select(a.c.unit, a.c.acknowledged_at, a.c.acknowledge_due, a.c.contacted_at, a.c.contact_due)
                         .join(r, and_(r.c.id == a.c.request_id, r.c.unreasonable != "approved"))
                         .where(a.c.role == "lead", a.c.contact_due >= start, a.c.contact_due < end,
                                a.c.end_reason.is_(None) | a.c.end_reason.not_in(["returned", "merged", "withdrawn"])))
        responses = [ResponseRecord(x.unit, x.acknowledged_at is not None and x.acknowledged_at <= x.acknowledge_due
                                    and x.contacted_at is not None and x.contacted_at <= x.contact_due) for x in rows]
        rows = c.execute(select(f.c.unit, f.c.solved, f.c.satisfaction, cast(f.c.co_units, Text).label("co_units"))
                         .join(r, and_(r.c.id == f.c.request_id, r.c.unreasonable != "approved"))
                         .where(f.c.at >= start, f.c.at < end, f.c.unit.is_not(None), f.c.satisfaction.is_not(None)))
        callbacks = [CallbackRecord(x.unit, x.solved, Satisfaction(x.satisfaction), tuple(json.loads(x.co_units)))
                     for x in rows]
    return MonthReport(month, assess(responses, callbacks, rules), {}, rules.min_cases)


if __name__ == "__main__":
    main()
