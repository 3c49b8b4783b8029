"""Repeat check and issue clustering at scale: N demo requests (texts composed like the demo city's, places and
categories drawn at random, received over a year) stored in SQLite, then

1. the intake repeat check (`services.intake.similar_nearby`, the product's function: the n-gram index of the
   process, the tail of new requests, the 街道/category/window filter, exact cosine, the rows fetched back) timed
   for 1,000 new texts, beside the check it replaced (the 200 most recent cases of the same 街道 and category
   fetched and vectorised on every call) in the same run;
2. batch clustering of all N into issues (`issues.hot.build_issues`, grouped by category and district, exact
   cosine ≥ 0.3, connected components).

    python bench/repeat_scale.py [--rows 1000000] [--queries 1000] [--skip-clustering]
"""

from __future__ import annotations

import argparse
import random
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(count: int, seed: int = 7):
    from jiesu.demo.city import places
    from jiesu.demo.history import compose_text
    from jiesu.demo.matters import MATTERS

    rng = random.Random(seed)
    spots = places()
    start = datetime(2025, 12, 1, tzinfo=UTC)
    for _ in range(count):
        matter, place = rng.choice(MATTERS), rng.choice(spots)
        title, body = compose_text(rng, matter, place)
        yield (title, body, place.community, matter.code,
               start + timedelta(seconds=rng.uniform(0, 365 * 86400)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--skip-clustering", action="store_true")
    args = parser.parse_args()
    from jiesu.bootstrap import App
    from jiesu.demo.city import write_config
    from jiesu.services import intake
    from jiesu.services.config_loader import load_config
    from jiesu.settings import Settings
    from jiesu.storage.migrate import upgrade

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "scale.db"
        now = datetime(2026, 12, 1, tzinfo=UTC)
        app = App(Settings(database_url=f"sqlite:///{path}", secret_key="bench-repeat-scale"), clock=lambda: now)
        upgrade(app.engine)
        load_config(app, write_config(Path(scratch) / "config"), "bench")
        began = time.perf_counter()
        rows = list(generate(args.rows))
        connection = sqlite3.connect(path)
        connection.executemany(
            "INSERT INTO requests (kind, channel, title, content, keywords, address, division, category, urgency, "
            "status, received_at, supervision_count, extended_by, round, unreasonable, merged_ids, version, "
            "updated_at) VALUES ('complaint', 'phone', ?, ?, '', '', ?, ?, 'normal', 'dispatched', ?, 0, '[]', 1, "
            "'none', '[]', 1, ?)",
            ((title, body, division, category, moment.replace(tzinfo=None).isoformat(sep=" "),
              moment.replace(tzinfo=None).isoformat(sep=" ")) for title, body, division, category, moment in rows))
        connection.commit()
        connection.close()
        print(f"{args.rows:,} requests generated and stored in SQLite in {time.perf_counter() - began:.1f} s")

        queries = list(generate(args.queries, seed=99))
        with app.uow(read_only=True) as uow:
            config = app.config(uow)
            began = time.perf_counter()
            intake.similar_nearby(app, uow, config, queries[0][1], queries[0][2], queries[0][3])
            index = app.repeats.snapshot.index
            size = index.nbytes
            print(f"index of the year's requests built on first use in {time.perf_counter() - began:.1f} s "
                  f"({len(index):,} requests, {size / 2**20:,.0f} MB = {size / len(index) / 1024:.1f} KB per "
                  f"request; peak memory of this process {peak_mb():,.0f} MB)")
            latencies, found = [], 0
            for title, body, division, category, _ in queries:
                tick = time.perf_counter()
                hits = intake.similar_nearby(app, uow, config, f"{title}\n{body}", division, category)
                latencies.append((time.perf_counter() - tick) * 1000)
                found += bool(hits)
            latencies.sort()
            print(f"intake repeat check (index), {args.queries:,} new texts: p50 {latencies[len(latencies) // 2]:.2f} ms, "
                  f"p99 {latencies[int(len(latencies) * 0.99)]:.2f} ms (target p99 <= 10 ms); "
                  f"{found:,} found similar cases")
            baseline = []
            for title, body, division, category, _ in queries:
                tick = time.perf_counter()
                recent_scan(app, uow, config, f"{title}\n{body}", division, category)
                baseline.append((time.perf_counter() - tick) * 1000)
            baseline.sort()
            print(f"baseline (the 200 most recent of the 街道 and category, vectorised per call): "
                  f"p50 {baseline[len(baseline) // 2]:.2f} ms, p99 {baseline[int(len(baseline) * 0.99)]:.2f} ms")
        if not args.skip_clustering:
            from jiesu.issues.hot import Message, build_issues

            directory = config.directory
            district = {u.code: (directory.unit_chain(u.code)[-1].code if directory.unit_chain(u.code) else "")
                        for u in directory.units.values()}
            messages = [Message(id=str(i), title=title, text=body, time=moment.replace(tzinfo=None),
                                group=f"{category}|{district.get(division, '')}")
                        for i, (title, body, division, category, moment) in enumerate(rows)]
            del rows
            began = time.perf_counter()
            issues = build_issues(messages, threshold=0.3, min_size=2)
            seconds = time.perf_counter() - began
            sizes = sorted((len(i.messages) for i in issues), reverse=True)
            print(f"batch clustering of {len(messages):,} requests: {seconds:.1f} s (target <= 120 s); "
                  f"{len(issues):,} issues of 2 or more, largest {sizes[:5]}; peak memory {peak_mb():,.0f} MB")


def recent_scan(app, uow, config, text: str, division: str, category: str) -> list:
    """The repeat check before the index: fetch the 200 most recent cases of the same 街道 and category of the
    last 180 days and compare with all of them."""
    from sqlalchemy import select

    from jiesu.domain.enums import UnitKind
    from jiesu.nlp.similarity import vectors
    from jiesu.storage import tables as t

    area = config.directory.territorial_at(division, UnitKind.SUBDISTRICT)
    places = [area.code, *[u.code for u in config.directory.units.values() if u.parent == area.code]]
    r = t.requests
    found = uow.connection.execute(select(r.c.id, r.c.title, r.c.content).where(
        r.c.division.in_(places), r.c.category == category, r.c.received_at >= app.now() - timedelta(days=180))
        .order_by(r.c.id.desc()).limit(200)).all()
    if not found:
        return []
    matrix = vectors([text] + [f"{x.title} {x.content}" for x in found])
    scores = (matrix[1:] @ matrix[0].T).toarray().ravel()
    return [x.id for x, s in zip(found, scores, strict=True) if s >= 0.2]


if __name__ == "__main__":
    main()
