"""工单查询 at scale: N cases (texts composed like the demo city's, places and categories drawn at random, received
over a year, each with a 工单号 and one of N/3 callers' numbers), stored in SQLite — and in PostgreSQL with `--pg` —
then the search box's asks through the product's own `list_cases` (the first page, newest first) and `count_cases`
(the total every 工单查询 page shows): a word many cases have, a 小区, a phrase of one case, a word no case has, a
工单号 and a caller's number, a word within one 街道's cases, and one character no case has; then the total the
page shows, counted no further than past its cap (`web.pages.COUNTED_UP_TO`), beside the whole count.

Each ask is timed with the search as it is now (the word index, `storage/text_index.py`, then `LIKE` on what it
found, 补充诉求 — which none of these cases has — and the reply included: nine cases in ten are answered, with the
demo's replies of their matter) and, in the same run on the same database, as it was
before the index (`LIKE` on every case: the condition is kept in this script as the baseline); the script checks
that both find the same cases. The index is built by the product's `text_index.rebuild`, timed.

    python bench/search.py [--rows 1000000] [--repeat 5] [--pg postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from repeat_scale import generate  # noqa: E402


def before_index(uow, text: str):
    """The search condition as it was before the word index: `LIKE` on every case (over the columns searched today:
    the reply too), or its ticket or caller."""
    from sqlalchemy import or_

    from jiesu.domain import validation
    from jiesu.domain.errors import InvalidInput
    from jiesu.services.cases import _TICKET
    from jiesu.storage import tables as t
    from jiesu.storage import text_index

    r = t.requests
    found = [r.c[name].contains(text, autoescape=True) for name in text_index.SEARCHED]  # the columns read today
    if _TICKET.fullmatch(text):
        found.append(r.c.ticket == text)
    try:
        number = validation.phone(text)
    except InvalidInput:
        number = None
    if number:
        found.append(r.c.requester_key.in_(uow.cipher.lookup_keys(number)))
    return or_(*found)


def store(app, rows: list, callers: list[str]) -> None:
    from sqlalchemy import insert

    from jiesu.demo.replies import reply
    from jiesu.storage import tables as t
    from jiesu.storage.request_repository import ticket_for

    keys = [app.cipher.lookup_key(phone) for phone in callers]
    units = app.current_config().directory.units
    rng = random.Random(11)
    answers = [reply(rng, category, rng.random() < 0.8, body) if i % 10 else None
               for i, (_, body, _, category, _) in enumerate(rows)]  # nine in ten answered, as a year's cases mostly are
    batch = 5000
    with app.engine.begin() as c:
        for start in range(0, len(rows), batch):
            c.execute(insert(t.requests), [
                {"id": i + 1, "ticket": ticket_for(moment, i + 1), "kind": "complaint", "channel": "phone",
                 "title": title, "content": body, "keywords": "", "address": "", "division": division,
                 "category": category, "urgency": "normal", "status": "closed" if answers[i] else "dispatched",
                 "received_at": moment, "reply": answers[i],
                 "lead_unit": units[division].parent, "requester_key": keys[i % len(keys)],
                 "supervision_count": 0, "extended_by": [], "round": 1, "unreasonable": "none", "merged_ids": [],
                 "version": 1, "updated_at": moment}
                for i, (title, body, division, category, moment) in enumerate(rows[start:start + batch], start)])
        if c.dialect.name == "postgresql":
            c.exec_driver_sql("SELECT setval(pg_get_serial_sequence('requests', 'id'), (SELECT MAX(id) FROM requests))")
            c.exec_driver_sql("ANALYZE")


def run(app, rows: list, callers: list[str], repeat: int) -> None:
    from sqlalchemy import func, select

    from jiesu.services import cases
    from jiesu.services.cases import CaseFilter, count_cases, list_cases
    from jiesu.storage import tables as t
    from jiesu.storage import text_index
    from jiesu.storage.request_repository import ticket_for

    began = time.perf_counter()
    store(app, rows, callers)
    stored = time.perf_counter() - began
    began = time.perf_counter()
    indexed = text_index.rebuild(app.engine)
    with app.engine.begin() as c:
        if c.dialect.name == "postgresql":
            c.exec_driver_sql("ANALYZE request_words")
    print(f"{len(rows):,} cases stored in {stored:.1f} s; word index built in {time.perf_counter() - began:.1f} s "
          f"({indexed:,} cases)")
    with app.engine.connect() as c:
        busiest = c.execute(select(t.requests.c.lead_unit).group_by(t.requests.c.lead_unit)
                            .order_by(func.count().desc()).limit(1)).scalar()
    from jiesu.demo.city import places

    compound = places()[3].compounds[0]
    phrase = rows[7][1][:12]
    asks = {
        "a word many cases have (噪音)": CaseFilter(text="噪音"),
        f"a 小区 ({compound})": CaseFilter(text=compound),
        f"a phrase of one case ({phrase})": CaseFilter(text=phrase),
        "a word no case has (无人提过的词)": CaseFilter(text="无人提过的词"),
        "a 工单号": CaseFilter(text=ticket_for(rows[5][4], 6)),
        "a caller's number": CaseFilter(text=callers[17]),
        f"噪音 within 街道 {busiest}'s cases": CaseFilter(text="噪音", visible_to_unit=busiest),
        "one character (鲸: no pair, so no index)": CaseFilter(text="鲸"),
    }
    print(f"{repeat} asks each, median ms: now (word index) | before (LIKE on every case)")
    print("| ask | first page now | before | total now | before | found |")
    print("|---|---|---|---|---|---|")
    shipped = cases._text_matches
    for label, f in asks.items():
        figures, results = [], []
        for condition in (shipped, before_index):
            cases._text_matches = condition
            try:
                for ask in (lambda f=f: list_cases(app, f), lambda f=f: count_cases(app, f)):
                    times = []
                    for _ in range(repeat):
                        tick = time.perf_counter()
                        result = ask()
                        times.append((time.perf_counter() - tick) * 1000)
                    figures.append(statistics.median(times))
                    results.append(result if isinstance(result, int) else [row.id for row in result])
            finally:
                cases._text_matches = shipped
        assert results[0] == results[2] and results[1] == results[3], f"{label}: the two searches disagree"
        print(f"| {label} | {figures[0]:.2f} | {figures[2]:.2f} | {figures[1]:.2f} | {figures[3]:.2f} | "
              f"{results[1]:,} |")
    from jiesu.web.pages import COUNTED_UP_TO

    print(f"\nthe total 工单查询 shows, counted up to {COUNTED_UP_TO:,} (\"超过 …\" past it) | counted whole, median ms")
    print("| ask | up to the cap | whole | shown |")
    print("|---|---|---|---|")
    for label, f in {"every case (no filter: a supervisor's 工单查询)": CaseFilter(),
                     "a word many cases have (噪音)": CaseFilter(text="噪音"),
                     f"噪音 within 街道 {busiest}'s cases": CaseFilter(text="噪音", visible_to_unit=busiest)}.items():
        figures, shown = [], 0
        for up_to in (COUNTED_UP_TO, None):
            times = []
            for _ in range(repeat):
                tick = time.perf_counter()
                counted = count_cases(app, f, up_to=up_to)
                times.append((time.perf_counter() - tick) * 1000)
            figures.append(statistics.median(times))
            shown = shown or counted
        print(f"| {label} | {figures[0]:.2f} | {figures[1]:.2f} | {'超过 ' if shown > COUNTED_UP_TO else ''}"
              f"{min(shown, COUNTED_UP_TO):,} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg", help="also on PostgreSQL: a database URL this script may create a database from")
    args = parser.parse_args()

    from sqlalchemy import create_engine, text

    from jiesu.bootstrap import App
    from jiesu.demo.city import write_config
    from jiesu.services.config_loader import load_config
    from jiesu.settings import Settings
    from jiesu.storage.migrate import upgrade

    began = time.perf_counter()
    rows = [(title, body, division, category, moment.astimezone(UTC))
            for title, body, division, category, moment in generate(args.rows)]
    rng = random.Random(5)
    callers = [f"139{rng.randrange(10**8):08d}" for _ in range(max(1, args.rows // 3))]
    print(f"{args.rows:,} texts composed in {time.perf_counter() - began:.1f} s")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as scratch:
        urls = [("SQLite", f"sqlite:///{Path(scratch) / 'search.db'}")]
        admin = name = None
        if args.pg:
            admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
            name = f"jiesu_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as c:
                c.execute(text(f'CREATE DATABASE "{name}"'))
            urls.append(("PostgreSQL", admin.url.set(database=name).render_as_string(hide_password=False)))
        try:
            for label, url in urls:
                print(f"\n## {label}")
                app = App(Settings(database_url=url, secret_key="bench-search"), clock=lambda: now)
                upgrade(app.engine)
                load_config(app, write_config(Path(scratch) / f"config-{label}"), "bench")
                run(app, rows, callers, args.repeat)
                app.engine.dispose()
        finally:
            if admin is not None:
                with admin.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
