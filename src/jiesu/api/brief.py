"""每日要情 over the API (`GET /api/v1/brief`): the day's brief as the /brief page shows it, for a client the centre's
leaders read it in (an office app, a message bot) — counts, the emergencies and 敏感诉求 with why (masked), the
matters against their usual day and the early warnings (`analytics/daily.py`)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends, Query, Request

from jiesu.api.deps import jiesu_app, require_role, staff
from jiesu.api.schemas import ERRORS
from jiesu.api.views import iso
from jiesu.domain.enums import Role
from jiesu.services.users import Principal

router = APIRouter(prefix="/api/v1", tags=["brief"], responses=ERRORS)


@router.get("/brief")
def brief(request: Request, day: str | None = Query(None, description="日期 YYYY-MM-DD（北京时间），默认昨天"),
          principal: Principal = Depends(staff)) -> dict:
    """The day's requests against the day before and the same weekday a week before, its emergencies and 敏感诉求
    (at most 50 of each listed, `*_count` saying how many), its second-level matters against their usual day, its
    channels and districts, the cases overdue now and the 上升预警 as of the day's end. Supervisors and analysts."""
    from jiesu.analytics import daily

    require_role(principal, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN)
    app = jiesu_app(request)
    found = daily.build(app, daily.day_of(day, app.today()))

    def cases(listed: list[daily.BriefCase]) -> list[dict]:
        return [{"id": c.id, "ticket": c.ticket, "title": c.title, "why": c.why, "received_at": iso(c.received_at),
                 "unit": c.unit, "status_label": c.status} for c in listed]

    return {"day": found.day.isoformat(), "total": found.total, "day_before": found.day_before,
            "week_before": found.week_before, "emergency_count": found.emergency_count,
            "emergencies": cases(found.emergencies), "sensitive_count": found.sensitive_count,
            "sensitive": cases(found.sensitive), "overdue_now": found.overdue_now,
            "channels": [{"channel": name, "requests": n} for name, n in found.channels],
            "districts": [{"district": name, "requests": n} for name, n in found.districts],
            "calls": asdict(found.calls) if found.calls else None,
            "matters": [{"code": code, "matter": name, "requests": n, "usual": usual, "ratio": ratio}
                        for code, (name, n, usual, ratio) in zip(found.matters.keys, found.matters.rows, strict=True)],
            "rising": [{"subdistrict": area, "matter": matter, "last_7_days": recent, "weekly_mean": weekly,
                        "ratio": ratio, "deviation": z, "codes": list(codes)}
                       for codes, (area, matter, recent, weekly, ratio, z)
                       in zip(found.rising.keys, found.rising.rows, strict=True)]}
