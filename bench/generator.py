"""Columnar demo generation: vectorised generator vs a plain per-row Python generator, same city, same run.

    python bench/generator.py [--rows 5000000] [--baseline-rows 100000]

Prints rows per second for both and their ratio. The target of the foundation issue is >= 200,000 rows/s.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jiesu.demo.city import write_config
from jiesu.demo.columnar import generate
from jiesu.demo.history import CHANNELS, compose_text
from jiesu.demo.matters import MATTERS
from jiesu.domain.routing import Directory, Router
from jiesu.services.config_loader import read_config


def demo_router() -> Router:
    with tempfile.TemporaryDirectory() as scratch:
        config = read_config(write_config(Path(scratch)))
    return Router(Directory(config["units"], config["categories"]), config["duties"], config["admissions"])


def per_row_baseline(router: Router, rows: int, out: Path, start: datetime, end: datetime) -> float:
    """The obvious way: one Python loop iteration per request, same columns' information, written as CSV."""
    began = time.perf_counter()
    rng = random.Random(1)
    from jiesu.demo.city import places

    all_places = places()
    weights = [m.weight for m in MATTERS]
    span = (end - start).total_seconds()
    leads: dict[tuple[str, str], str] = {}
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "received_at", "channel", "kind", "category", "community", "title", "content",
                         "lead_unit", "resolved_at", "satisfaction"])
        for i in range(rows):
            matter = rng.choices(MATTERS, weights=weights)[0]
            place = rng.choice(all_places)
            title, content = compose_text(rng, matter, place)
            key = (matter.code, place.community)
            if key not in leads:
                best = router.route(matter.code, place.community).best
                leads[key] = best.unit.code if best else ""
            received = start + timedelta(seconds=rng.random() * span)
            resolved = received + timedelta(days=matter.days * rng.lognormvariate(0, 0.5))
            writer.writerow([i + 1, received.isoformat(), rng.choice(CHANNELS)[0].value, matter.kind, matter.code,
                             place.community, title, content, leads[key], resolved.isoformat(),
                             rng.choice(("satisfied", "basic", "unsatisfied"))])
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--baseline-rows", type=int, default=100_000)
    args = parser.parse_args()
    router = demo_router()
    start, end = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as scratch:
        base_seconds = per_row_baseline(router, args.baseline_rows, Path(scratch) / "baseline.csv", start, end)
        result = generate(router, args.rows, Path(scratch) / "requests.parquet", start, end)
        size = (Path(scratch) / "requests.parquet").stat().st_size
    fast = result.rows / result.seconds
    slow = args.baseline_rows / base_seconds
    print(f"vectorised -> parquet : {result.rows:>10,} rows in {result.seconds:7.2f} s = {fast:>12,.0f} rows/s "
          f"({size / result.rows:.1f} bytes/row)")
    print(f"per-row python -> csv : {args.baseline_rows:>10,} rows in {base_seconds:7.2f} s = {slow:>12,.0f} rows/s")
    print(f"ratio                 : {fast / slow:.1f}x   target >= 200,000 rows/s: {'met' if fast >= 200_000 else 'NOT met'}")
    print(f"25.8 million rows (a year of Beijing) would take {25_800_000 / fast:.0f} s")


if __name__ == "__main__":
    main()
