"""Dashboard metrics at Beijing scale: the demo generator writes N requests (a year of Beijing is 25.8 million) to
Parquet, they are loaded into the analytics store's layout in DuckDB, and every named metric is timed warm; the
same aggregates are computed with pandas on the same rows in the same run (pandas is a benchmark-only dependency:
pip install pandas).

    python bench/analytics.py [--rows 2580000] [--skip-pandas]

Deadlines in the generated data are approximations (sign-for due 2 hours after dispatch, resolution due 7 days after
receipt); the metric queries are the product's own (`jiesu.analytics.metrics`).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(connection, parquet: Path, directory) -> None:
    import pyarrow as pa

    from jiesu.analytics.store import SCHEMA

    connection.execute(SCHEMA)  # the store's own layout
    parents = {c.code: c.parent for c in directory.categories.values()}
    rows = [{"code": code, "category2": parents.get(code), "category1": parents.get(parents.get(code) or "")}
            for code in directory.categories]
    connection.register("category_tree", pa.Table.from_pylist(rows))
    connection.execute(f"""
        INSERT INTO cases SELECT g.id, CAST(g.id AS VARCHAR), CAST(g.kind AS VARCHAR), CAST(g.channel AS VARCHAR),
               CAST(g.category AS VARCHAR), t.category1, t.category2, CAST(g.urgency AS VARCHAR),
               CAST(g.status AS VARCHAR), CAST(g.received_at AS TIMESTAMP),
               CAST(g.received_at AS TIMESTAMP) + INTERVAL 8 HOUR,
               CAST(g.district AS VARCHAR), CAST(g.subdistrict AS VARCHAR), CAST(g.community AS VARCHAR),
               CAST(g.lead_unit AS VARCHAR), CAST(g.received_at AS TIMESTAMP) + INTERVAL 7 DAY,
               CAST(g.resolved_at AS TIMESTAMP), 'none', NULL, CAST(g.received_at AS TIMESTAMP)
        FROM read_parquet('{parquet}') g LEFT JOIN category_tree t ON t.code = CAST(g.category AS VARCHAR)""")
    connection.execute(f"""
        INSERT INTO assignments SELECT id, 1, CAST(lead_unit AS VARCHAR), 'lead', 'dispatch',
               CAST(dispatched_at AS TIMESTAMP), CAST(dispatched_at AS TIMESTAMP) + INTERVAL 2 HOUR,
               CAST(dispatched_at AS TIMESTAMP) + INTERVAL 1 DAY, CAST(acknowledged_at AS TIMESTAMP),
               CAST(acknowledged_at AS TIMESTAMP), NULL, NULL
        FROM read_parquet('{parquet}') WHERE dispatched_at IS NOT NULL""")
    connection.execute(f"""
        INSERT INTO follow_ups SELECT id, 1, CAST(followed_up_at AS TIMESTAMP), solved, CAST(satisfaction AS VARCHAR),
               CAST(lead_unit AS VARCHAR), false, CAST(followed_up_at AS TIMESTAMP) + INTERVAL 8 HOUR,
               CAST(date_trunc('month', CAST(followed_up_at AS TIMESTAMP) + INTERVAL 8 HOUR) AS DATE)
        FROM read_parquet('{parquet}') WHERE followed_up_at IS NOT NULL""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2_580_000)
    parser.add_argument("--skip-pandas", action="store_true")
    args = parser.parse_args()
    import duckdb
    from generator import demo_router

    from jiesu.analytics import metrics
    from jiesu.demo.columnar import generate

    router = demo_router()
    start, end = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as scratch:
        parquet = Path(scratch) / "year.parquet"
        generated = generate(router, args.rows, parquet, start, end)
        print(f"generated {args.rows:,} requests in {generated.seconds:.1f} s")
        connection = duckdb.connect(str(Path(scratch) / "analytics.duckdb"))
        began = time.perf_counter()
        load(connection, parquet, router.directory)
        print(f"loaded into the analytics layout in {time.perf_counter() - began:.1f} s")
        month = metrics.Filters(start=date(2025, 11, 1), end=date(2025, 12, 1), now=datetime(2026, 1, 1))
        year = metrics.Filters(start=date(2025, 1, 1), end=date(2026, 1, 1), now=datetime(2026, 1, 1))
        runs = [("volume", year, {"period": "day"}), ("volume", year, {"period": "month"}), ("by_channel", month, {}),
                ("by_kind", month, {}), ("by_category", month, {"level": 2}), ("by_area", month, {"level": "community"}),
                ("deadlines", month, {}), ("satisfaction", year, {}), ("returns_by_unit", month, {}),
                ("hour_weekday", year, {}), ("repeats", year, {})]
        timings = {}
        for name, filters, options in runs:
            metrics.run(connection, name, filters, **options)  # warm-up
            began = time.perf_counter()
            table = metrics.run(connection, name, filters, **options)
            seconds = time.perf_counter() - began
            timings[(name, tuple(options.items()))] = seconds
            print(f"  {name:16} {str(options):28} {seconds * 1000:8.1f} ms  ({len(table.rows)} rows)")
        print(f"slowest DuckDB metric: {max(timings.values()) * 1000:.0f} ms (target <= 1,000 ms warm); "
              f"peak memory so far {peak_mb():,.0f} MB")
        if not args.skip_pandas:
            import pandas as pd

            began = time.perf_counter()
            frame = pd.read_parquet(parquet, columns=["received_at", "channel", "category", "subdistrict",
                                                     "community", "dispatched_at", "acknowledged_at"])
            load_seconds = time.perf_counter() - began
            local = frame["received_at"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)  # like received_local

            def in_month():
                return (local >= "2025-11-01") & (local < "2025-12-01")

            comparisons = {  # the period filter is computed inside each, as the SQL does
                "volume day (year)": lambda: local.dt.floor("D").value_counts().sort_index(),
                "by_channel (month)": lambda: frame.loc[in_month(), "channel"].value_counts(),
                "by_area community (month)": lambda: frame.loc[in_month(), "community"].value_counts(),
                "hour_weekday (year)": lambda: local.groupby([local.dt.day_of_week, local.dt.hour]).size(),
            }
            duck = {"volume day (year)": timings[("volume", (("period", "day"),))],
                    "by_channel (month)": timings[("by_channel", ())],
                    "by_area community (month)": timings[("by_area", (("level", "community"),))],
                    "hour_weekday (year)": timings[("hour_weekday", ())]}
            print(f"pandas (read {len(frame):,} rows, 7 columns, in {load_seconds:.1f} s):")
            for label, compute in comparisons.items():
                compute()
                began = time.perf_counter()
                compute()
                seconds = time.perf_counter() - began
                print(f"  {label:28} pandas {seconds * 1000:8.1f} ms   DuckDB {duck[label] * 1000:7.1f} ms   "
                      f"ratio {seconds / duck[label]:5.1f}x")
        print(f"peak memory {peak_mb():,.0f} MB (target < 8,000 MB)")


if __name__ == "__main__":
    main()
