from datetime import timedelta

import pytest

from jiesu.domain.duty import DutyShift, on_duty, shift
from jiesu.domain.errors import InvalidInput
from tests.support import local

EVE = local(2027, 2, 5, 18, 0)  # a holiday's eve, Beijing time


def refused(**changes) -> InvalidInput:
    fields = dict(unit="WJ", starts_at=EVE, ends_at=EVE + timedelta(hours=15), name="张值班", phone="13900000003")
    with pytest.raises(InvalidInput) as caught:
        shift(**(fields | changes))
    return caught.value


def test_a_shift_is_checked_field_by_field():
    assert shift("WJ", EVE, EVE + timedelta(hours=15), " 张值班 ", "139 0000 0003").phone == "13900000003"
    assert refused(ends_at=EVE).field == "ends_at"  # ends when it starts
    assert refused(ends_at=EVE + timedelta(days=40)).field == "ends_at"  # a month, not a shift
    assert refused(starts_at=None).field == "starts_at"
    assert refused(starts_at=EVE.replace(tzinfo=None)).field == "starts_at"  # which clock?
    assert refused(phone="010-62345678").field == "phone"  # a landline gets no text message
    assert refused(phone="12345").field == "phone"
    assert refused(name="  ").field == "name"
    assert refused(unit="").field == "unit"


def test_the_shift_covering_a_moment_is_on_duty_and_at_a_handover_the_later_one():
    night = DutyShift("WJ", EVE, EVE + timedelta(hours=15), "夜班", "13900000003", 1)
    day = DutyShift("WJ", EVE + timedelta(hours=14), EVE + timedelta(hours=24), "白班", "13900000004", 2)
    assert on_duty([night, day], EVE) is night
    assert on_duty([night, day], EVE + timedelta(hours=14, minutes=30)) is day  # both cover it: the later began
    assert on_duty([night, day], EVE + timedelta(hours=24)) is None  # the end is not covered
    assert on_duty([night, day], EVE - timedelta(seconds=1)) is None


def test_the_next_holiday_is_found_with_the_days_off_around_it_and_what_no_shift_covers():
    from datetime import date

    from jiesu.domain.calendar import DayRule, WorkCalendar
    from jiesu.domain.duty import holiday_ahead, uncovered

    rules = {day: DayRule(day, False, "元旦") for day in (date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3))}
    calendar = WorkCalendar(rules, {2026, 2027})
    assert holiday_ahead(calendar, date(2026, 12, 14), 14) is None  # 18 days ahead: not yet
    found = holiday_ahead(calendar, date(2026, 12, 25), 14)
    assert found and (found.name, found.first, found.last) == ("元旦", date(2027, 1, 1), date(2027, 1, 3))
    weekend = {day: DayRule(day, False, "清明节") for day in (date(2027, 4, 5),)}  # a Monday joined to its weekend
    assert holiday_ahead(WorkCalendar(weekend, {2027}), date(2027, 4, 3), 3).first == date(2027, 4, 3)
    assert holiday_ahead(calendar, date(2027, 1, 2), 0).first == date(2027, 1, 1)  # under way

    start, end = found.span(EVE.tzinfo)
    assert end - start == timedelta(days=3)
    day = lambda d, h, hours, n=1: DutyShift("WJ", start + timedelta(days=d, hours=h),  # noqa: E731
                                            start + timedelta(days=d, hours=h + hours), "值班", "13900000003", n)
    assert uncovered([], start, end) == timedelta(days=3)
    assert uncovered([day(0, 0, 72)], start, end) == timedelta(0)
    assert uncovered([day(0, 0, 30), day(1, 2, 50)], start, end) == timedelta(0)  # overlapping at the handover
    assert uncovered([day(0, 8, 10), day(1, 8, 10)], start, end) == timedelta(hours=52)
    assert uncovered([day(-1, 0, 30), day(2, 20, 10)], start, end) == timedelta(hours=62)  # from before, past the end
