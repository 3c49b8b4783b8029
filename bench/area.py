"""辖区 lists at scale, on a demo city's database (`jiesu demo --no-serve --count N` in a directory, then this script
pointed at its `jiesu.db`): what a district office's pages ask — 辖区工单 (the case list with `scope=area`: its
first page and the total it shows) and 辖区超期未办结 (its 承办箱 section, most pressing first) — beside the same
asks of one 街道 for its own cases (the unit list every handler has had), in the same run. Each is asked `--repeat`
times; the medians are printed with the number of cases found, with the conditions as the list uses them now (the
co-handled cases as one `IN` subquery) and, as the baseline in the same run, as first written (a correlated
`EXISTS` per case), kept here; the script checks that both find the same cases.

    python bench/area.py --db /path/to/jiesu.db [--repeat 20]
    python bench/area.py --url postgresql://…   (the same on PostgreSQL)
"""

from __future__ import annotations

import statistics
import time

from demo_city import arguments, open_city


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    from sqlalchemy import func, select

    from jiesu.domain.enums import UnitKind
    from jiesu.services import access
    from jiesu.services.cases import CaseFilter, count_cases, list_cases
    from jiesu.storage import tables as t

    app = open_city(args)
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
    print(f"{cases:,} cases; {args.repeat} asks each, median: now (IN subquery) | before (correlated EXISTS)")
    now_conditions = (access.unit_sees, access.area_sees)
    for label, ask in asks.items():
        medians, found = [], []
        for unit_sees, area_sees in (now_conditions, (unit_sees_before, area_sees_before)):
            access.unit_sees, access.area_sees = unit_sees, area_sees
            found.append(ask())
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                ask()
                times.append(time.perf_counter() - started)
            medians.append(statistics.median(times) * 1000)
        access.unit_sees, access.area_sees = now_conditions
        same = [found[0], found[1]] if isinstance(found[0], int) else [[x.id for x in f] for f in found]
        assert same[0] == same[1], f"{label}: the two conditions find different cases"
        size = found[0] if isinstance(found[0], int) else len(found[0])
        print(f"  {label:<55} {medians[0]:8.2f} ms | {medians[1]:8.2f} ms  ({size:,} found)")


def unit_sees_before(unit: str):
    """The unit's cases as first written: led by it, or co-handled, checked case by case (correlated EXISTS)."""
    from sqlalchemy import and_, exists, or_

    from jiesu.storage import tables as t

    r, a = t.requests, t.assignments
    return or_(r.c.lead_unit == unit, exists().where(and_(a.c.request_id == r.c.id, a.c.unit == unit,
                                                          a.c.ended_at.is_(None))))


def area_sees_before(area):
    from sqlalchemy import and_, exists, or_

    from jiesu.storage import tables as t

    r, a = t.requests, t.assignments
    return or_(r.c.lead_unit.in_(area), exists().where(and_(a.c.request_id == r.c.id, a.c.unit.in_(area),
                                                            a.c.ended_at.is_(None))))


if __name__ == "__main__":
    main()
