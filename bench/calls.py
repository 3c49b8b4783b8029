"""话务记录 taken in: N call records of a busy day (one in twelve given up in the queue, a few withheld numbers)
stored through the product's `calls.receive` in posts of `--batch` records, into SQLite — and PostgreSQL with `--pg`
— against the same records posted one at a time (a telephony that posts each call as it ends: one request, one
transaction, one audit line each) in the same run on an empty database; then the 回访台's 呼损回拨 list
(`calls.missed`) over the day, timed, beside a listing of the calls given up with no check of who got through since.

Beijing's 12345 took 25.8 million requests in 2025, about 70,000 a day; a telephony reports every call, those
that became no case too.

    python bench/calls.py [--records 100000] [--batch 1000] [--single 2000]
                          [--pg postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path


def day_of_calls(count: int, now, seed: int = 12345) -> list[dict]:
    rng = random.Random(seed)
    callers = ["1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
               for _ in range(count // 3)]
    records = []
    for n in range(count):
        offered = now - timedelta(seconds=rng.uniform(1_800, 86_000))  # ended before now
        caller = "" if rng.random() < 0.02 else rng.choice(callers)
        if rng.random() < 1 / 12:
            records.append({"ref": f"B-{n}", "caller": caller, "offered_at": offered, "answered_at": None,
                            "ended_at": offered + timedelta(seconds=rng.uniform(1, 180)), "agent": None})
            continue
        answered = offered + timedelta(seconds=rng.expovariate(1 / 15))
        records.append({"ref": f"B-{n}", "caller": caller, "offered_at": offered, "answered_at": answered,
                        "ended_at": answered + timedelta(seconds=rng.uniform(30, 600)),
                        "agent": f"坐席{rng.randint(1, 400):03d}"})
    return records


def fresh_app(url: str):
    from jiesu.bootstrap import App
    from jiesu.settings import Settings
    from jiesu.storage.migrate import upgrade

    app = App(Settings(database_url=url, secret_key="bench-secret"))
    upgrade(app.engine)
    return app


def run(label: str, url_of, records: list[dict], batch: int, single: int) -> None:
    from sqlalchemy import func, select

    from jiesu.services import calls
    from jiesu.storage import tables as t

    app = fresh_app(url_of("batch"))
    began = time.perf_counter()
    for start in range(0, len(records), batch):
        calls.receive(app, records[start:start + batch], "话务系统")
    batched = time.perf_counter() - began
    with app.engine.connect() as c:
        stored = c.execute(select(func.count()).select_from(t.calls)).scalar_one()
    assert stored == len(records), (stored, len(records))
    began = time.perf_counter()
    again = calls.receive(app, records[:batch], "话务系统")  # a retried post: every record known already
    retried = time.perf_counter() - began
    assert again.stored == 0 and again.already == min(batch, len(records))
    one_by_one = fresh_app(url_of("single"))
    began = time.perf_counter()
    for record in records[:single]:
        calls.receive(one_by_one, [record], "话务系统")
    each = (time.perf_counter() - began) / single
    print(f"{label}: {len(records):,} records in posts of {batch:,}: {batched:.1f} s, "
          f"{len(records) / batched:,.0f} records/s; one post of {batch:,} known records {retried * 1000:.0f} ms")
    print(f"{label}: one record a post (baseline, first {single:,}): {1 / each:,.0f} records/s "
          f"({len(records) * each:.1f} s for all at that rate) — batching {len(records) / batched * each:.1f}x")
    calls.missed(app)  # warm
    began = time.perf_counter()
    listed, waiting, withheld = calls.missed(app)
    took = time.perf_counter() - began
    c_ = t.calls
    began = time.perf_counter()
    with app.uow(read_only=True) as uow:
        given_up = uow.connection.execute(select(c_.c.id, c_.c.caller_key).where(
            c_.c.answered_at.is_(None), c_.c.offered_at >= app.now() - calls.MISSED_WITHIN)).all()
    plain = time.perf_counter() - began
    print(f"{label}: 呼损回拨 list {took * 1000:.0f} ms ({waiting:,} callers to call back, the first {len(listed)} "
          f"shown; {withheld} calls "
          f"withheld) against {plain * 1000:.0f} ms to list the {len(given_up):,} calls given up unchecked")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--single", type=int, default=2_000)
    parser.add_argument("--pg", default=None)
    args = parser.parse_args()
    from datetime import UTC, datetime

    records = day_of_calls(args.records, datetime.now(UTC))
    with tempfile.TemporaryDirectory() as scratch:
        run("SQLite", lambda name: f"sqlite:///{Path(scratch) / name}.db", records, args.batch, args.single)
    if args.pg:
        from sqlalchemy import create_engine, text

        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        names = {kind: f"jiesu_bench_calls_{kind}_{uuid.uuid4().hex[:6]}" for kind in ("batch", "single")}
        with admin.connect() as c:
            for name in names.values():
                c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run("PostgreSQL", lambda kind: args.pg.rsplit("/", 1)[0] + "/" + names[kind], records, args.batch,
                args.single)
        finally:
            with admin.connect() as c:
                for name in names.values():
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
