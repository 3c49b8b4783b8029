"""Dashboard metrics at Beijing scale: the demo generator writes N requests (a year of Beijing is 25.8 million) to
Parquet, they are loaded into the analytics store's layout in DuckDB, and every named metric is timed warm; the
same aggregates are computed with pandas on the same rows in the same run (pandas is a benchmark-only dependency:
pip install pandas).

    python bench/analytics.py [--rows 2580000] [--skip-pandas] [--refresh-changes 70000]
                              [--sql-pg postgresql://postgres@127.0.0.1:5432/test --sql-rows 2580000]

Deadlines in the generated data are approximations (sign-for due 2 hours after dispatch, resolution due 7 days after
receipt); the generated keywords are three words of the category's name and two words drawn from a fixed
vocabulary per request (the generator writes no text); the call records (话务) are one per phone request, answered
by one of 400 agents after up to a minute, and a quarter as many again that became no case, a third of them given
up in the queue; the metric queries are the product's own
(`jiesu.analytics.metrics`).

--refresh-changes N: one day's changes. N cases are simulated through the real workflow (the demo simulator, 30
days of history, so most carry their whole lifecycle of events) into an operational SQLite database; after the
store holds the --rows requests, `jiesu analytics refresh` (the product's `store.refresh`) copies the N changed
cases with their assignments, callbacks and events into it, replacing the rows of the same ids.

--sql-pg URL: the same questions asked in SQL of the operational schema (`requests`, `assignments`) in PostgreSQL,
with --sql-rows requests loaded by COPY into a scratch database, beside the analytics store on the same rows.
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

    from jiesu.analytics.store import SCHEMA, SCHEMA_VERSION

    connection.execute(SCHEMA)  # the store's own layout
    connection.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", [SCHEMA_VERSION])
    connection.execute(f"CREATE TABLE vocabulary AS SELECT unnest({VOCABULARY!r}::VARCHAR[]) AS word")
    parents = {c.code: c.parent for c in directory.categories.values()}
    rows = [{"code": code, "category2": parents.get(code), "category1": parents.get(parents.get(code) or ""),
             "words": _words(directory.categories[code].name)} for code in directory.categories]
    connection.register("category_tree", pa.Table.from_pylist(rows))
    connection.execute(f"""
        INSERT INTO cases SELECT g.id, CAST(g.id AS VARCHAR), CAST(g.kind AS VARCHAR), CAST(g.channel AS VARCHAR),
               CAST(g.category AS VARCHAR), t.category1, t.category2, CAST(g.urgency AS VARCHAR),
               CAST(g.status AS VARCHAR), CAST(g.received_at AS TIMESTAMP),
               CAST(g.received_at AS TIMESTAMP) + INTERVAL 8 HOUR,
               CAST(g.district AS VARCHAR), CAST(g.subdistrict AS VARCHAR), CAST(g.community AS VARCHAR),
               CAST(g.lead_unit AS VARCHAR), CAST(g.received_at AS TIMESTAMP) + INTERVAL 7 DAY,
               CAST(g.resolved_at AS TIMESTAMP), 'none', NULL, CAST(g.received_at AS TIMESTAMP),
               list_distinct(list_concat(t.words, [{VOCABULARY!r}[1 + g.id % {len(VOCABULARY)}],
                                                   {VOCABULARY!r}[1 + (g.id // 7) % {len(VOCABULARY)}]])),
               CASE WHEN g.id % 97 = 0 THEN ['群体性'] WHEN g.id % 211 = 0 THEN ['舆情'] ELSE []::VARCHAR[] END
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
    connection.execute(f"""
        INSERT INTO calls SELECT id, CAST(received_at AS TIMESTAMP) - to_seconds(hash(id) % 60),
               CAST(received_at AS TIMESTAMP) - to_seconds(hash(id) % 60) + INTERVAL 8 HOUR, true, hash(id) % 60,
               120 + hash(id * 3) % 300, '坐席' || (id % 400), 15 + hash(id * 7) % 60
        FROM read_parquet('{parquet}') WHERE CAST(channel AS VARCHAR) = 'phone'""")  # the phone cases' calls
    connection.execute(f"""
        INSERT INTO calls SELECT 1000000000 + id, CAST(received_at AS TIMESTAMP) + INTERVAL 7 MINUTE,
               CAST(received_at AS TIMESTAMP) + INTERVAL 487 MINUTE, id % 3 <> 0, 2 + hash(id) % 120,
               CASE WHEN id % 3 <> 0 THEN 30 + hash(id * 5) % 200 END, CASE WHEN id % 3 <> 0 THEN '坐席' || (id % 400) END,
               CASE WHEN id % 3 <> 0 THEN 10 + hash(id * 7) % 30 END
        FROM read_parquet('{parquet}') WHERE CAST(channel AS VARCHAR) = 'phone' AND id % 4 = 0""")  # a quarter
        # as many again that became no case, a third of them given up in the queue


VOCABULARY = ["噪音", "油烟", "积水", "停车", "垃圾", "漏水", "暖气", "物业", "施工", "工资", "违建", "路灯", "井盖",
              "占道", "扰民", "电梯", "燃气", "绿化", "公交", "学校", "医院", "社保", "拆迁", "充电", "快递", "宠物",
              "装修", "排水", "供水", "停电", "网络", "商铺", "摊贩", "烧烤", "广场舞", "共享单车", "外卖", "租房",
              "中介", "餐馆", "卫生", "消防", "楼道", "小广告", "渣土车", "烟花", "信号", "水压", "异味", "蚊虫"]


def _words(name: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut(name) if len(w) > 1][:3]


def refresh_changes(changes: int, scratch: Path, store_path: Path) -> None:
    """Simulate `changes` cases through the workflow into an operational SQLite database, then time the
    product's incremental refresh of them into the loaded store."""
    from jiesu.analytics.store import refresh
    from jiesu.bootstrap import App
    from jiesu.demo.build import build_demo
    from jiesu.settings import Settings

    app = App(Settings(database_url=f"sqlite:///{scratch / 'operational.db'}", analytics_path=str(store_path),
                       secret_key="bench-analytics"))
    began = time.perf_counter()
    summary = build_demo(app, count=changes, days=30, seed=7)
    print(f"operational SQLite: {summary.requests:,} changed cases, {summary.events:,} events "
          f"(simulated in {time.perf_counter() - began:.1f} s)")
    result = refresh(app, store_path)
    print(f"incremental refresh of one day's changes: {result.cases:,} cases (with their assignments, callbacks "
          f"and events) into the store of {ARGS.rows:,} in {result.seconds:.1f} s (target <= 10 s); "
          f"{result.cases / result.seconds:,.0f} cases/s")
    again = refresh(app, store_path)
    print(f"refresh with nothing changed since: {again.cases} cases in {again.seconds * 1000:.0f} ms")


SQL_QUERIES = {  # the operational schema: times are stored in UTC, the division is the finest place known
    "volume day (year)": """SELECT date_trunc('day', received_at AT TIME ZONE 'Asia/Shanghai') AS d, count(*)
                            FROM requests WHERE received_at >= %(y0)s AND received_at < %(y1)s GROUP BY 1 ORDER BY 1""",
    "by_channel (month)": """SELECT channel, count(*) FROM requests WHERE received_at >= %(m0)s AND received_at < %(m1)s
                             GROUP BY 1 ORDER BY 2 DESC""",
    "by_area community (month)": """SELECT division, count(*) FROM requests
                                    WHERE received_at >= %(m0)s AND received_at < %(m1)s GROUP BY 1 ORDER BY 2 DESC""",
    "hour_weekday (year)": """SELECT extract(isodow FROM received_at AT TIME ZONE 'Asia/Shanghai'),
                              extract(hour FROM received_at AT TIME ZONE 'Asia/Shanghai'), count(*) FROM requests
                              WHERE received_at >= %(y0)s AND received_at < %(y1)s GROUP BY 1, 2 ORDER BY 1, 2""",
    "deadlines (month)": """SELECT count(*) FILTER (WHERE a.acknowledged_at <= a.acknowledge_due),
                            count(*) FILTER (WHERE a.acknowledge_due <= now()) FROM assignments a
                            JOIN requests r ON r.id = a.request_id
                            WHERE a.role = 'lead' AND r.received_at >= %(m0)s AND r.received_at < %(m1)s""",
}


def sql_comparison(url: str, rows: int, scratch: Path, router) -> None:
    """The same questions in SQL on the operational schema in PostgreSQL, beside the store, on the same rows."""
    import duckdb
    import psycopg
    from sqlalchemy import create_engine

    from jiesu.analytics import metrics
    from jiesu.demo.columnar import generate
    from jiesu.storage.tables import metadata

    parquet = scratch / "sql.parquet"
    generate(router, rows, parquet, datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    admin = psycopg.connect(url, autocommit=True)
    admin.execute("DROP DATABASE IF EXISTS jiesu_bench_sql")
    admin.execute("CREATE DATABASE jiesu_bench_sql")
    target = url.rsplit("/", 1)[0] + "/jiesu_bench_sql"
    engine = create_engine(target.replace("postgresql://", "postgresql+psycopg://"))
    metadata.create_all(engine)
    engine.dispose()
    duck = duckdb.connect()
    began = time.perf_counter()
    duck.execute(f"""COPY (SELECT id, CAST(id AS VARCHAR) AS ticket, kind, channel, '' AS title, '' AS content, '' AS kw,
                          division, category, urgency, status, received_at, lead_unit, '[]' AS extended_by,
                          '[]' AS merged_ids, 1 AS version, received_at AS updated_at, 0 AS sc, 1 AS round,
                          'none' AS unreasonable, '' AS address
                          FROM (SELECT *, CAST(community AS VARCHAR) AS division FROM read_parquet('{parquet}')))
                     TO '{scratch / 'requests.csv'}' (HEADER false)""")
    duck.execute(f"""COPY (SELECT id, 1, CAST(lead_unit AS VARCHAR), 'lead', 'dispatch', dispatched_at, 'bench', '',
                          dispatched_at + INTERVAL 2 HOUR, dispatched_at + INTERVAL 1 DAY, acknowledged_at
                          FROM read_parquet('{parquet}') WHERE dispatched_at IS NOT NULL)
                     TO '{scratch / 'assignments.csv'}' (HEADER false)""")
    with psycopg.connect(target, autocommit=True) as pg:
        for table, columns, path in (
                ("requests", "id, ticket, kind, channel, title, content, keywords, division, category, urgency, "
                 "status, received_at, lead_unit, extended_by, merged_ids, version, updated_at, supervision_count, "
                 "round, unreasonable, address", scratch / "requests.csv"),
                ("assignments", "request_id, seq, unit, role, kind, dispatched_at, dispatched_by, reason, "
                 "acknowledge_due, contact_due, acknowledged_at", scratch / "assignments.csv")):
            with pg.cursor().copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy, \
                    path.open("rb") as handle:
                while block := handle.read(1 << 20):
                    copy.write(block)
        pg.execute("ANALYZE")
        print(f"PostgreSQL operational schema: {rows:,} requests loaded by COPY in {time.perf_counter() - began:.1f} s")
        store = duckdb.connect(str(scratch / "sql-store.duckdb"))
        load(store, parquet, router.directory)
        params = {"y0": datetime(2025, 1, 1, tzinfo=UTC), "y1": datetime(2026, 1, 1, tzinfo=UTC),
                  "m0": datetime(2025, 10, 31, 16, tzinfo=UTC), "m1": datetime(2025, 11, 30, 16, tzinfo=UTC)}
        month = metrics.Filters(start=date(2025, 11, 1), end=date(2025, 12, 1), now=datetime(2026, 1, 1))
        year = metrics.Filters(start=date(2025, 1, 1), end=date(2026, 1, 1), now=datetime(2026, 1, 1))
        ours = {"volume day (year)": ("volume", year, {"period": "day"}), "by_channel (month)": ("by_channel", month, {}),
                "by_area community (month)": ("by_area", month, {"level": "community"}),
                "hour_weekday (year)": ("hour_weekday", year, {}), "deadlines (month)": ("deadlines", month, {})}
        print(f"SQL on the operational schema (PostgreSQL) vs the analytics store (DuckDB), {rows:,} requests, warm:")
        for label, sql in SQL_QUERIES.items():
            pg.execute(sql, params).fetchall()
            began = time.perf_counter()
            pg.execute(sql, params).fetchall()
            pg_seconds = time.perf_counter() - began
            name, filters, options = ours[label]
            metrics.run(store, name, filters, **options)
            began = time.perf_counter()
            metrics.run(store, name, filters, **options)
            duck_seconds = time.perf_counter() - began
            print(f"  {label:28} PostgreSQL {pg_seconds * 1000:8.1f} ms   DuckDB {duck_seconds * 1000:7.1f} ms   "
                  f"ratio {pg_seconds / duck_seconds:5.1f}x")
        store.close()
    admin.execute("DROP DATABASE IF EXISTS jiesu_bench_sql")
    admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2_580_000)
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--skip-metrics", action="store_true", help="only the refresh and SQL comparisons")
    parser.add_argument("--refresh-changes", type=int, default=0)
    parser.add_argument("--sql-pg", default=None)
    parser.add_argument("--sql-rows", type=int, default=2_580_000)
    args = parser.parse_args()
    global ARGS
    ARGS = args
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
        print(f"loaded into the analytics layout in {time.perf_counter() - began:.1f} s "
              f"({connection.execute('SELECT count(*) FROM calls').fetchall()[0][0]:,} call records)")
        month = metrics.Filters(start=date(2025, 11, 1), end=date(2025, 12, 1), now=datetime(2026, 1, 1))
        year = metrics.Filters(start=date(2025, 1, 1), end=date(2026, 1, 1), now=datetime(2026, 1, 1))
        day = metrics.Filters(start=date(2025, 11, 30), end=date(2025, 12, 1), now=datetime(2026, 1, 1))  # 每日要情
        runs = [("volume", year, {"period": "day"}), ("volume", year, {"period": "month"}), ("by_channel", month, {}),
                ("by_kind", month, {}), ("by_category", month, {"level": 2}), ("by_area", month, {"level": "community"}),
                ("deadlines", month, {}), ("satisfaction", year, {}), ("returns_by_unit", month, {}),
                ("hour_weekday", year, {}), ("repeats", year, {}), ("keywords", month, {}),
                ("day_matters", day, {}), ("rising", day, {}), ("sensitive", month, {"by": "kind"}),
                ("sensitive", month, {"by": "subdistrict"}), ("staffing", month, {}),
                ("calls", month, {}), ("calls", year, {})]
        timings = {}
        for name, filters, options in ([] if args.skip_metrics else runs):
            metrics.run(connection, name, filters, **options)  # warm-up
            began = time.perf_counter()
            table = metrics.run(connection, name, filters, **options)
            seconds = time.perf_counter() - began
            timings[(name, tuple(options.items()))] = seconds
            print(f"  {name:16} {str(options):28} {seconds * 1000:8.1f} ms  ({len(table.rows)} rows)")
        if timings:
            print(f"slowest DuckDB metric: {max(timings.values()) * 1000:.0f} ms (target <= 1,000 ms warm); "
                  f"peak memory so far {peak_mb():,.0f} MB")
        if not args.skip_pandas and not args.skip_metrics:
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
            print(f"peak memory with pandas {peak_mb():,.0f} MB")
            del frame, local, comparisons  # the refresh and SQL comparisons below do not need them
        connection.close()
        if args.refresh_changes:
            refresh_changes(args.refresh_changes, Path(scratch), Path(scratch) / "analytics.duckdb")
        if args.sql_pg:
            sql_comparison(args.sql_pg, args.sql_rows, Path(scratch), router)
        print(f"peak memory {peak_mb():,.0f} MB (target < 8,000 MB)")


if __name__ == "__main__":
    main()
