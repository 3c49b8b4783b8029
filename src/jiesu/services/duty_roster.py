"""值班表 (`domain/duty.py`): a unit's shifts, entered by its own handlers on /duty (or by the centre), loaded in bulk
from a CSV by the centre (`jiesu duty load`, the 节假日值班表 it collects before a holiday), and the mobile a unit is
texted on at a moment. The mobiles are personal data: encrypted at rest, like a requester's, never in the audit
trail."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, insert, select

from jiesu.bootstrap import App
from jiesu.domain import duty
from jiesu.domain.calendar import SHANGHAI, beijing_minute
from jiesu.domain.enums import Role, UnitKind
from jiesu.domain.errors import DomainError, Forbidden, InvalidInput, NotFound
from jiesu.domain.routing import Directory
from jiesu.services.audit import record
from jiesu.services.users import Principal
from jiesu.storage import tables as t

KEEPERS = (Role.SUPERVISOR, Role.ADMIN)  # keep every unit's roster; a handler keeps its own unit's
READERS = (*KEEPERS, Role.DISPATCHER, Role.AGENT, Role.HANDLER)  # an agent calls the unit on duty in an emergency
COLUMNS = ("unit", "start", "end", "name", "phone")  # the CSV `jiesu duty load` reads; times in Beijing time
_s = t.duty_shifts


@dataclass(frozen=True)
class Shift(duty.DutyShift):
    """A stored shift: the domain's, with who entered it."""

    added_by: str = ""


def _may_keep_some(principal: Principal, field: str = "role") -> None:
    if principal.role != Role.HANDLER and principal.role not in KEEPERS:
        raise Forbidden("只有督办、管理员或本单位承办人可以填写值班表", field=field)


def _may_keep(app: App, principal: Principal, unit: str) -> None:
    _may_keep_some(principal, field="unit")
    if principal.role == Role.HANDLER and unit != principal.unit:
        raise Forbidden("只能填写本单位的值班表", field="unit")
    if unit not in app.current_config().directory.units:
        raise InvalidInput(f"未知单位代码 {unit!r}", field="unit")


def _row(app: App, shift: duty.DutyShift, by: str) -> dict:
    return {"unit": shift.unit, "starts_at": shift.starts_at, "ends_at": shift.ends_at, "name": shift.name,
            "phone": app.cipher.encrypt(shift.phone), "added_by": by, "added_at": app.now()}


def _told(shift: duty.DutyShift) -> str:
    return f"{shift.unit} {beijing_minute(shift.starts_at)} 至 {beijing_minute(shift.ends_at)} {shift.name}"


def add(app: App, principal: Principal, unit: str, starts_at: datetime | None, ends_at: datetime | None,
        name: str | None, phone: str | None) -> int:
    """One shift, checked (each error names its field), recorded in the audit trail with it."""
    _may_keep_some(principal)  # before reading what it says
    unit = (unit or "").strip()
    shift = duty.shift(unit, starts_at, ends_at, name, phone)
    _may_keep(app, principal, unit)
    with app.uow() as uow:
        inserted = uow.connection.execute(insert(_s).values(**_row(app, shift, principal.name))).inserted_primary_key
        shift_id = int(inserted[0]) if inserted else 0
        record(uow.connection, app.now(), principal.name, "duty.add", _told(shift), {"id": shift_id})
        uow.commit()
    return shift_id


def _found(connection, principal: Principal, shift_id: int):
    """The shift's row; another unit's, to a handler, as if it were not there."""
    row = connection.execute(select(_s).where(_s.c.id == shift_id)).first()
    if row is None or (principal.role == Role.HANDLER and row.unit != principal.unit):
        raise NotFound(f"值班记录 {shift_id} 不存在", field="id")
    return row


def remove(app: App, principal: Principal, shift_id: int) -> None:
    with app.uow() as uow:
        found = _found(uow.connection, principal, shift_id)
        _may_keep(app, principal, found.unit)
        uow.connection.execute(delete(_s).where(_s.c.id == shift_id))
        record(uow.connection, app.now(), principal.name, "duty.remove",
               _told(duty.DutyShift(found.unit, found.starts_at, found.ends_at, found.name, "")), {"id": shift_id})
        uow.commit()


def _shift(app: App, row) -> Shift:
    return Shift(row.unit, row.starts_at, row.ends_at, row.name, app.cipher.decrypt(row.phone), row.id, row.added_by)


def one(app: App, principal: Principal, shift_id: int) -> Shift:
    """A shift by its id, as `listed` would show it to the principal (another unit's, to a handler: not found)."""
    if principal.role not in READERS:
        raise Forbidden("无权查看值班表", field="role")
    with app.uow(read_only=True) as uow:
        return _shift(app, _found(uow.connection, principal, shift_id))


LISTED = 1000  # shifts on a page at most (a city's units for a fortnight); the page says when there are more


def listed(app: App, principal: Principal, unit: str | None = None, until_after: datetime | None = None,
           limit: int = LISTED) -> list[Shift]:
    """The shifts not over by `until_after` (now by default), by unit and start; a handler's own unit's only."""
    if principal.role not in READERS:
        raise Forbidden("无权查看值班表", field="role")
    if principal.role == Role.HANDLER:
        unit = principal.unit
    query = select(_s).where(_s.c.ends_at > (until_after or app.now())).order_by(_s.c.unit, _s.c.starts_at, _s.c.id)
    if unit:
        query = query.where(_s.c.unit == unit)
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(query.limit(limit)).all()
    return [_shift(app, r) for r in rows]


def on_duty(app: App, connection, unit_code: str | None, at: datetime) -> duty.DutyShift | None:
    """The unit's shift covering `at` (its mobile decrypted), if any."""
    if not unit_code:
        return None
    rows = connection.execute(select(_s).where(_s.c.unit == unit_code, _s.c.starts_at <= at, _s.c.ends_at > at)).all()
    return duty.on_duty([_shift(app, r) for r in rows], at)  # the covering ones: one, two at a handover


def phone_for(app: App, connection, unit_code: str | None, at: datetime, directory: Directory) -> str | None:
    """The mobile to text `unit_code` on at `at`: the shift covering it, else the unit's standing duty phone."""
    shift = on_duty(app, connection, unit_code, at)
    if shift is not None:
        return shift.phone or None
    unit = directory.units.get(unit_code or "")
    return unit.duty_phone if unit is not None else None


ON_CALL = (UnitKind.DISTRICT, UnitKind.SUBDISTRICT, UnitKind.DEPARTMENT, UnitKind.COMPANY)  # units a holiday
# emergency is dispatched to, whose roster a centre collects (a 社区's 街道 is on call for it)
HOLIDAY_AHEAD_DAYS = 14  # how far ahead a holiday's roster is asked for


@dataclass(frozen=True)
class Gap:
    unit: str
    name: str
    hours: float  # of the holiday no shift covers
    standing_phone: str | None  # what is texted meanwhile, if anything


@dataclass(frozen=True)
class HolidayCoverage:
    holiday: duty.Holiday
    units: int  # the units on call
    gaps: list[Gap]  # those not covered the whole holiday


def holiday_coverage(app: App, within_days: int = HOLIDAY_AHEAD_DAYS) -> HolidayCoverage | None:
    """节假日值班: the next statutory holiday starting within `within_days` (or under way), and the units on call
    whose roster leaves some of it uncovered; None when no holiday is that near."""
    with app.uow(read_only=True) as uow:
        holiday = duty.holiday_ahead(app.calendar(uow), app.today(), within_days)
        if holiday is None:
            return None
        start, end = holiday.span(SHANGHAI)
        rows = uow.connection.execute(select(_s.c.unit, _s.c.starts_at, _s.c.ends_at, _s.c.id).where(
            _s.c.starts_at < end, _s.c.ends_at > start)).all()
    by_unit: dict[str, list[duty.DutyShift]] = {}
    for r in rows:
        by_unit.setdefault(r.unit, []).append(duty.DutyShift(r.unit, r.starts_at, r.ends_at, "", "", r.id))
    on_call = [u for u in app.current_config().directory.units.values() if u.kind in ON_CALL]
    gaps = []
    for unit in sorted(on_call, key=lambda u: (ON_CALL.index(u.kind), u.code)):
        missing = duty.uncovered(by_unit.get(unit.code, []), start, end)
        if missing:
            gaps.append(Gap(unit.code, unit.name, round(missing.total_seconds() / 3600, 1), unit.duty_phone))
    return HolidayCoverage(holiday, len(on_call), gaps)


def moment(value: str | None, field: str) -> datetime | None:
    """A time as typed (the page's datetime field, a CSV cell): Beijing time unless it says otherwise; None when
    blank."""
    if not (value or "").strip():
        return None
    try:
        when = datetime.fromisoformat((value or "").strip())
    except ValueError:
        raise InvalidInput(f"时间格式应为 2027-01-28 18:00（北京时间）：{value!r}", field=field) from None
    return when if when.tzinfo else when.replace(tzinfo=SHANGHAI)


def load(app: App, path: Path, by: str) -> int:
    """The shifts of a CSV (`unit,start,end,name,phone`), all or none: a bad line is refused naming its line and
    field, and nothing is loaded. Returns how many were added."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"无法读取值班表文件：{error}", field="path") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(f"值班表缺少列：{', '.join(missing)}（应为 {','.join(COLUMNS)}）", field=missing[0])
    directory = app.current_config().directory
    shifts = []
    for line, item in enumerate(reader, start=2):
        unit = (item["unit"] or "").strip()
        if unit not in directory.units:
            raise InvalidInput(f"第 {line} 行：未知单位代码 {unit!r}", field="unit")
        try:
            shifts.append(duty.shift(unit, moment(item["start"], "start"), moment(item["end"], "end"), item["name"],
                                     item["phone"]))
        except DomainError as error:
            column = {"starts_at": "start", "ends_at": "end"}.get(error.field or "", error.field)  # the CSV's names
            raise InvalidInput(f"第 {line} 行：{error.message}", field=column) from None
    if not shifts:
        raise InvalidInput("值班表没有任何班次", field="path")
    with app.uow() as uow:
        uow.connection.execute(insert(_s), [_row(app, s, by) for s in shifts])
        record(uow.connection, app.now(), by, "duty.load", str(path), {"shifts": len(shifts)})
        uow.commit()
    return len(shifts)
