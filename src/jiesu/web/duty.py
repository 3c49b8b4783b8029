"""值班表 page: a unit's handlers keep its shifts (who is on duty when, and their mobile: emergencies and the
scan's reminders are texted there meanwhile); the centre's staff read every unit's, see who is on duty now, and
supervisors and administrators keep any (`services/duty_roster.py`, each change in the audit trail)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from jiesu.api.deps import RecordId, jiesu_app
from jiesu.domain.enums import Role, UnitKind
from jiesu.domain.errors import DomainError, InvalidInput
from jiesu.services import duty_roster
from jiesu.web.rendering import error_text, flash, login_required, posted_form, render

router = APIRouter(include_in_schema=False)
PAGE = "/duty"


def _page(request: Request, status_code: int = 200, unit: str = "", form: dict | None = None,
          error: str | None = None) -> Response:
    principal = login_required(request, *duty_roster.READERS)
    app = jiesu_app(request)
    config = app.current_config()
    directory = config.directory
    if unit and unit not in directory.units:
        raise InvalidInput(f"未知单位代码 {unit!r}", field="unit")
    shifts = duty_roster.listed(app, principal, unit or None)
    own = principal.unit if principal.role == Role.HANDLER else None
    units = sorted((code, u.name) for code, u in directory.units.items() if u.kind != UnitKind.CENTRE)
    shown = own or unit  # one unit: its standing duty phone beside its shifts
    standing = directory.units[shown].duty_phone if shown else None
    coverage = duty_roster.holiday_coverage(app)  # 节假日值班: who has not covered the coming holiday yet
    gaps = [g for g in coverage.gaps if not own or g.unit == own] if coverage else []
    return render(request, "duty.html", status_code, shifts=shifts, now=app.now(), units=units, unit=own or unit,
                  coverage=coverage, gaps=gaps, listed=duty_roster.LISTED,
                  own=own, standing=standing, shown=shown, names=config.unit_names, form=form or {}, error=error,
                  may_keep=principal.role == Role.HANDLER or principal.role in duty_roster.KEEPERS)


@router.get(PAGE)
def duty_page(request: Request, unit: str = "") -> Response:
    return _page(request, unit=unit)


@router.post(PAGE)
async def add_shift(request: Request) -> Response:
    principal = login_required(request, *duty_roster.READERS)
    form = {k: str(v).strip() for k, v in (await posted_form(request)).items() if k != "csrf_token"}
    unit = principal.unit if principal.role == Role.HANDLER else form.get("unit", "")
    try:
        starts_at, ends_at = (duty_roster.moment(form.get(field), field) for field in ("starts_at", "ends_at"))
        duty_roster.add(jiesu_app(request), principal, unit or "", starts_at, ends_at, form.get("name"),
                        form.get("phone"))
    except DomainError as error:
        return _page(request, 400 if isinstance(error, InvalidInput) else 403, form=form, error=error_text(error))
    flash(request, f"已登记值班：{form.get('name', '')}。值班期间紧急派单和超时提醒短信发到其手机")
    return RedirectResponse(PAGE + (f"?unit={unit}" if principal.role != Role.HANDLER else ""), status_code=303)


@router.post(PAGE + "/{shift_id}/remove")
async def remove_shift(request: Request, shift_id: RecordId) -> Response:
    principal = login_required(request, *duty_roster.READERS)
    await posted_form(request)
    try:
        duty_roster.remove(jiesu_app(request), principal, shift_id)
    except DomainError as error:
        return _page(request, 404 if error.code == "not_found" else 403, error=error_text(error))
    flash(request, "已删除该班次")
    return RedirectResponse(PAGE, status_code=303)
