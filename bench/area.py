"""辖区 lists at scale, on a demo city's database (`jiesu demo --no-serve --count N` in a directory, then this script
pointed at its `jiesu.db`): what a district office's pages ask — 辖区工单 (the case list with `scope=area`: its
first page and the total it shows) and 辖区超期未办结 (its 承办箱 section, most pressing first) — beside the same
asks of one 街道 for its own cases (the unit list every handler has had), in the same run. Each is asked `--repeat`
times; the medians are printed with the number of cases found.

    python bench/area.py --db /path/to/jiesu.db [--repeat 20]
    python bench/area.py --url postgresql://…   (the same on PostgreSQL)
"""

from __future__ import annotations

import argparse
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", help="a demo city's SQLite file")
    where.add_argument("--url", help="or its database URL (postgresql://…)")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    from sqlalchemy import func, select

    from jiesu.bootstrap import App
    from jiesu.domain.enums import UnitKind
    from jiesu.services.cases import CaseFilter, count_cases, list_cases
    from jiesu.settings import Settings
    from jiesu.storage import tables as t

    app = App(Settings(database_url=args.url or f"sqlite:///{args.db}", demo_mode=True))
    directory = app.current_config().directory
    r = t.requests
    with app.uow(read_only=True) as uow:
        cases = uow.connection.execute(select(func.count()).select_from(r)).scalar()
        busiest = uow.connection.execute(
            select(r.c.lead_unit).join(t.units, t.units.c.code == r.c.lead_unit)
            .where(t.units.c.kind == UnitKind.SUBDISTRICT.value).group_by(r.c.lead_unit)
            .order_by(func.count().desc()).limit(1)).scalar()
    district = directory.units[busiest].parent
    area = directory.below(district)
    now = app.now()
    asks = {
        f"街道 {busiest}: its own list, first page": lambda: list_cases(app, CaseFilter(visible_to_unit=busiest)),
        f"街道 {busiest}: its own list, total": lambda: count_cases(app, CaseFilter(visible_to_unit=busiest)),
        f"街道 {busiest}: its own late cases": lambda: list_cases(app, CaseFilter(
            visible_to_unit=busiest, overdue_at=now, by_deadline=True, limit=50)),
        f"区 {district} ({len(area)} units under it): 辖区工单, first page": lambda: list_cases(
            app, CaseFilter(visible_to_area=area)),
        f"区 {district}: 辖区工单, total": lambda: count_cases(app, CaseFilter(visible_to_area=area)),
        f"区 {district}: 辖区超期未办结": lambda: list_cases(app, CaseFilter(
            visible_to_area=area, overdue_at=now, by_deadline=True, limit=50)),
    }
    print(f"{cases:,} cases; {args.repeat} asks each, median:")
    for label, ask in asks.items():
        found = ask()
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            ask()
            times.append(time.perf_counter() - started)
        size = found if isinstance(found, int) else len(found)
        print(f"  {label:<55} {statistics.median(times) * 1000:8.2f} ms   ({size:,} found)")


if __name__ == "__main__":
    main()
