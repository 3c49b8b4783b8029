"""办件公开 at scale, on a demo city's database (`jiesu demo --no-serve` in a directory, then this script pointed at
its `jiesu.db`; the demo's requesters agree for one in four closed web and app cases, `--share 1` first makes it
every one): what `/portal/public` asks — the newest page, a search by a word many cases have and by one none has
(the worst case: every published case read), a district and a category — and what the portal asks while a citizen
types (the published cases most like the text), each asked `--repeat` times, medians
printed with how many cases were found, beside the same page of the city's newest cases without any of
publication's conditions (the floor: a primary-key walk) and the page's query as first written (ordered by the
case's id, which sorts every published case), in the same run.

    python bench/publication.py --db /path/to/jiesu.db [--repeat 20] [--share 1]
    python bench/publication.py --url postgresql://…
"""

from __future__ import annotations

import statistics
import time

from demo_city import arguments, open_city


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--share", type=int, default=0, help="first let one in N closed web/app cases agree (1: all)")
    args = parser.parse_args()

    from sqlalchemy import delete, func, select

    from jiesu.demo.build import seed_publications
    from jiesu.domain.enums import UnitKind
    from jiesu.services import publication
    from jiesu.storage import tables as t

    app = open_city(args)
    if args.share:
        with app.uow() as uow:
            uow.connection.execute(delete(t.publications))
            uow.commit()
        seed_publications(app, share=args.share)
        if app.engine.dialect.name == "postgresql":  # statistics, as autovacuum keeps them on a server in use
            with app.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE publications")
                connection.exec_driver_sql("ANALYZE requests")
                connection.exec_driver_sql("ANALYZE request_words")
                connection.commit()
    r = t.requests
    directory = app.current_config().directory
    district = sorted(u.code for u in directory.units.values() if u.kind == UnitKind.DISTRICT)[0]
    top = sorted(c.code for c in directory.categories.values() if c.parent is None)[0]
    with app.uow(read_only=True) as uow:
        cases = uow.connection.execute(select(func.count()).select_from(r)).scalar()
        agreed = uow.connection.execute(select(func.count()).select_from(t.publications)).scalar()
    p = t.publications
    columns = (r.c.id, r.c.title, r.c.content, r.c.category, r.c.division, r.c.lead_unit, r.c.received_at,
               r.c.resolved_at, r.c.reply)
    floor = select(*columns).order_by(r.c.id.desc()).limit(publication.PAGE)
    shown = select(*columns).join(p, p.c.request_id == r.c.id).where(
        *publication._shown(r, p, app.settings.publication_review)).limit(publication.PAGE)
    now, before = shown.order_by(p.c.request_id.desc()), shown.order_by(r.c.id.desc())  # as first written: sorted

    def rows(query):
        def ask() -> list:
            with app.uow(read_only=True) as uow:
                return uow.connection.execute(query).all()
        return ask

    asks = {
        "SQL: the city's newest 20 cases, no conditions (floor)": rows(floor),
        "SQL: 办件公开's newest 20, along the consents' key (now)": rows(now),
        "SQL: 办件公开's newest 20, ordered by the case id (as first written)": rows(before),
        "办件公开, newest page": lambda: publication.listed(app),
        "办件公开, q=物业 (a common word)": lambda: publication.listed(app, q="物业"),
        "办件公开, q=鲸鱼 (no case has it: all read)": lambda: publication.listed(app, q="鲸鱼"),
        f"办件公开, area={district}": lambda: publication.listed(app, area=district),
        f"办件公开, category={top}": lambda: publication.listed(app, category=top),
        "已公开的类似办件 while a citizen types (the portal's 智能问答)": lambda: publication.similar(
            app, "我们小区的电梯运行时异响抖动，担心安全，物业说在等维保公司"),
    }
    print(f"{cases:,} cases, {agreed:,} agreed to publication; {args.repeat} asks each, median")
    for label, ask in asks.items():
        found = ask()
        times = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            ask()
            times.append(time.perf_counter() - began)
        print(f"  {label}: {statistics.median(times) * 1000:.2f} ms ({len(found)} found)")


if __name__ == "__main__":
    main()
