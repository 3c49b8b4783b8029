"""`jiesu demo --no-serve` build time, and the same history written case by case through the service layer's
unit of work (one transaction per case) as the baseline, in the same run, on SQLite.

    python bench/demo_build.py [--count 20000] [--baseline 500]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from jiesu.bootstrap import App
from jiesu.demo.build import build_demo
from jiesu.demo.history import HistorySimulator
from jiesu.settings import Settings
from jiesu.storage.migrate import upgrade


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--baseline", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        app = App(Settings(database_url=f"sqlite:///{Path(scratch) / 'demo.db'}"))
        began = time.perf_counter()
        summary = build_demo(app, count=args.count)
        bulk_seconds = time.perf_counter() - began

        other = App(Settings(database_url=f"sqlite:///{Path(scratch) / 'baseline.db'}"))
        upgrade(other.engine)
        with app.uow() as uow:
            router, sla, calendar = uow.config.router(), uow.config.sla_book(), app.calendar(uow)
        from jiesu.demo.city import write_config
        from jiesu.services.config_loader import load_config

        load_config(other, write_config(Path(scratch) / "cfg"), "bench")
        history = HistorySimulator(router, sla, calendar, seed=7).run(
            args.baseline, other.now() - timedelta(days=365), other.now())
        began = time.perf_counter()
        for request in history.requests:
            request.id = None
            request.master_id = None
            request.merged_ids = []
            with other.uow() as uow:
                uow.requests.add(request)
                uow.commit()
        per_case_seconds = time.perf_counter() - began
    bulk_rate = summary.requests / bulk_seconds
    per_case_rate = len(history.requests) / per_case_seconds
    print(f"jiesu demo (simulate + bulk insert): {summary.requests:,} requests, {summary.events:,} events "
          f"in {bulk_seconds:.1f} s = {bulk_rate:,.0f} requests/s   target: under 60 s")
    print(f"baseline, one transaction per case : {len(history.requests):,} requests in {per_case_seconds:.1f} s "
          f"= {per_case_rate:,.0f} requests/s (insert only, no simulation)")
    print(f"ratio: {bulk_rate / per_case_rate:.1f}x")


if __name__ == "__main__":
    main()
