"""值班表: who of a unit is on duty when, and the mobile the hotline texts then.

A unit's `duty_phone` (units.csv) is its standing 值班手机. Nights, weekends and holidays are covered by people taking
turns, and before each holiday a centre collects every unit's roster (节假日值班表): while a shift of the roster
covers a moment, an emergency dispatched to the unit (and the scan's reminders) text that shift's mobile, not the
standing one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from jiesu.domain import validation
from jiesu.domain.calendar import WorkCalendar
from jiesu.domain.errors import InvalidInput

LONGEST = timedelta(days=31)  # a shift longer than this is a typing error (a month instead of a day), not a shift
NAME_CHARS = 50


@dataclass(frozen=True)
class DutyShift:
    unit: str
    starts_at: datetime  # aware; [starts_at, ends_at)
    ends_at: datetime
    name: str  # who is on duty
    phone: str  # their mobile
    id: int | None = None

    def covers(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


def shift(unit: str, starts_at: datetime | None, ends_at: datetime | None, name: str | None,
          phone: str | None) -> DutyShift:
    """A shift as entered, checked: each error names its field."""
    if not unit:
        raise InvalidInput("请指定值班的单位", field="unit")
    if starts_at is None:
        raise InvalidInput("请填写值班开始时间", field="starts_at")
    if ends_at is None:
        raise InvalidInput("请填写值班结束时间", field="ends_at")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("值班时间须带时区", field="starts_at" if starts_at.tzinfo is None else "ends_at")
    if ends_at <= starts_at:
        raise InvalidInput("值班结束时间应晚于开始时间", field="ends_at")
    if ends_at - starts_at > LONGEST:
        raise InvalidInput(f"一个班次不超过 {LONGEST.days} 天，请分班次填写", field="ends_at")
    mobile = validation.phone(phone, field="phone")
    if not validation.is_mobile(mobile):
        raise InvalidInput("值班电话须为手机号（用于接收紧急派单短信）", field="phone")
    who = validation.required_text(name, "name", NAME_CHARS)
    return DutyShift(unit, starts_at, ends_at, who, mobile)


def on_duty(shifts: list[DutyShift], at: datetime) -> DutyShift | None:
    """The shift covering `at`; of several (a handover overlapping), the one that began last."""
    covering = [s for s in shifts if s.covers(at)]
    return max(covering, key=lambda s: (s.starts_at, s.id or 0)) if covering else None


@dataclass(frozen=True)
class Holiday:
    """A run of days off around a statutory holiday (法定节假日 with its weekend), as the calendar has it."""

    name: str
    first: date
    last: date

    def span(self, tz) -> tuple[datetime, datetime]:
        """From the first day's midnight to the midnight after the last (in `tz`): what a roster must cover."""
        return (datetime.combine(self.first, time(0), tz), datetime.combine(self.last + timedelta(days=1), time(0), tz))


def holiday_ahead(calendar: WorkCalendar, today: date, within_days: int) -> Holiday | None:
    """The next statutory holiday (a day the calendar names as off) starting within `within_days` of `today`, or
    already under way, stretched over the days off on either side of it (a weekend joined to it)."""
    for offset in range(within_days + 1):
        day = today + timedelta(days=offset)
        rule = calendar.rules.get(day)
        if rule is not None and not rule.workday:
            first, last = day, day
            while not calendar.is_workday(first - timedelta(days=1)):
                first -= timedelta(days=1)
            while not calendar.is_workday(last + timedelta(days=1)):
                last += timedelta(days=1)
            return Holiday(rule.name or "节假日", first, last)
    return None


def uncovered(shifts: list[DutyShift], start: datetime, end: datetime) -> timedelta:
    """How much of [start, end) no shift covers."""
    gaps, reached = timedelta(0), start
    for s in sorted(shifts, key=lambda s: s.starts_at):
        if s.ends_at <= reached or s.starts_at >= end:
            continue
        if s.starts_at > reached:
            gaps += s.starts_at - reached
        reached = max(reached, s.ends_at)
        if reached >= end:
            return gaps
    return gaps + max(end - reached, timedelta(0))
