"""本单位考核: a unit's 三率 for a month (this month so far by default), where it ranks among its kind, and the
cases that lowered it — a late response, a callback not solved or not satisfied — so that a district office can
act on them before the month is closed, and how its cases lie with its staff (承办人员, where it gives them out). A handler sees their own unit, with the 三率 of the units under it (辖区
各单位) when it has any, and chooses among those; supervisors, analysts and administrators choose any unit."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from jiesu.api.deps import jiesu_app
from jiesu.domain.calendar import months_around
from jiesu.domain.enums import Role
from jiesu.domain.errors import DomainError
from jiesu.services.assessment import STANDING_VIEWERS, fmt, month_bounds, pct, unit_standing
from jiesu.services.workload import co_load, staff_load
from jiesu.web.rendering import error_text, login_required, render

router = APIRouter(include_in_schema=False)


@router.get("/standing")
def standing(request: Request, month: str = "", unit: str = "") -> Response:
    principal = login_required(request, *STANDING_VIEWERS)
    app = jiesu_app(request)
    this_month = f"{app.today():%Y-%m}"
    month = month or this_month
    names = app.current_config().unit_names
    if principal.role == Role.HANDLER:
        own = principal.unit or ""
        if unit not in principal.area:
            unit = own  # their own unit, unless the address asks for one under it
        units = [(own, names.get(own, own))] + sorted((c, names.get(c, c)) for c in principal.area) if principal.area else []
    else:
        units = sorted(names.items())
    if not unit:
        return render(request, "standing.html", standing=None, month=month, unit="", units=units)
    try:
        found = unit_standing(app, month, unit)  # a month not written YYYY-MM, an unknown unit: refused here
    except DomainError as error:
        return render(request, "standing.html", 400, standing=None, month=month, unit=unit, units=units,
                      error=error_text(error))
    before, after = months_around(month)
    bounds = month_bounds(month)
    staff, parts = staff_load(app, unit, *bounds), co_load(app, unit, *bounds)
    return render(request, "standing.html", standing=found, month=month, unit=unit, units=units, pct=pct, fmt=fmt,
                  before=before, after=after if after <= this_month else None, partial=month == this_month,
                  names=names, staff=staff, parts=parts)
