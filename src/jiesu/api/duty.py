"""The 值班表 over the API (`/api/v1/duty`): a unit's own app keeps its shifts as `/duty` does; the centre's
clients read every unit's and who is on duty now (`services/duty_roster.py`; docs/decisions/0021)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from jiesu.api.deps import RecordId, check_csrf, jiesu_app, staff
from jiesu.api.schemas import ERRORS
from jiesu.api.views import iso
from jiesu.domain.enums import Role
from jiesu.services import duty_roster
from jiesu.services.users import Principal

router = APIRouter(prefix="/api/v1", tags=["duty"], responses=ERRORS)


class ShiftBody(BaseModel):
    unit: str | None = Field(None, description="单位代码；承办人可不填（本单位）")
    starts_at: datetime = Field(description="开始时间（带时区，如 2027-02-05T18:00:00+08:00）")
    ends_at: datetime = Field(description="结束时间（带时区）")
    name: str = Field(max_length=50, description="值班人")
    phone: str = Field(max_length=20, description="值班手机")


def _shown(app, shifts: list[duty_roster.Shift]) -> list[dict]:
    now, names = app.now(), app.current_config().unit_names
    return [{"id": s.id, "unit": s.unit, "unit_name": names.get(s.unit), "starts_at": iso(s.starts_at),
             "ends_at": iso(s.ends_at), "name": s.name, "phone": s.phone, "on_duty": s.covers(now),
             "added_by": s.added_by} for s in shifts]


@router.get("/duty")
def list_shifts(request: Request, unit: str | None = Query(None, description="单位代码"),
                principal: Principal = Depends(staff)) -> dict:
    """The shifts not over yet, by unit and start (a handler: its own unit's only)."""
    app = jiesu_app(request)
    return {"items": _shown(app, duty_roster.listed(app, principal, unit))}


@router.post("/duty", status_code=201)
def add_shift(body: ShiftBody, request: Request, principal: Principal = Depends(staff)) -> dict:
    check_csrf(request)
    app = jiesu_app(request)
    unit = body.unit or (principal.unit if principal.role == Role.HANDLER else "")
    shift_id = duty_roster.add(app, principal, unit or "", body.starts_at, body.ends_at, body.name, body.phone)
    return _shown(app, [duty_roster.one(app, principal, shift_id)])[0]


@router.delete("/duty/{shift_id}", status_code=204)
def remove_shift(shift_id: RecordId, request: Request, principal: Principal = Depends(staff)) -> Response:
    check_csrf(request)
    duty_roster.remove(jiesu_app(request), principal, shift_id)
    return Response(status_code=204)
