from datetime import date

import pytest

from jiesu.domain.calendar import DayRule, Duration, WorkCalendar
from jiesu.domain.errors import InvalidInput
from jiesu.domain.holiday_notice import parse_notice, parse_schedule_csv
from tests.support import FIXTURES, builtin_calendar, local


@pytest.fixture
def calendar():
    return builtin_calendar()


def test_national_day_2026_is_skipped_in_working_days(calendar):
    # received Wed 30 Sep; 1–7 Oct are holidays; Thu 8 and Fri 9 are the first two working days
    assert calendar.add(local(2026, 9, 30, 10, 0), Duration(2, "wd")) == local(2026, 10, 9, 18, 0)


def test_the_make_up_saturday_after_national_day_2026_is_a_working_day(calendar):
    assert calendar.is_workday(date(2026, 10, 10))
    assert calendar.add(local(2026, 9, 30, 10, 0), Duration(3, "wd")) == local(2026, 10, 10, 18, 0)


def test_working_hours_run_into_the_spring_festival_make_up_saturday(calendar):
    # Fri 13 Feb 2026 17:00 + 2 working hours: one hour on Friday, one on the make-up Saturday 14 Feb
    assert calendar.add(local(2026, 2, 13, 17, 0), Duration(2, "wh")) == local(2026, 2, 14, 10, 0)


def test_working_hours_jump_the_whole_spring_festival_2026(calendar):
    # Sat 14 Feb (working) 17:00 + 2wh: 15–23 Feb are holidays, so the second hour is on Tue 24 Feb
    assert calendar.add(local(2026, 2, 14, 17, 0), Duration(2, "wh")) == local(2026, 2, 24, 10, 0)


def test_working_hours_skip_the_lunch_break(calendar):
    assert calendar.add(local(2026, 11, 27, 11, 0), Duration(2, "wh")) == local(2026, 11, 27, 14, 30)


def test_a_request_received_on_a_holiday_starts_counting_on_the_next_working_day(calendar):
    assert calendar.add(local(2026, 10, 3, 15, 0), Duration(2, "wh")) == local(2026, 10, 8, 11, 0)


def test_natural_hours_ignore_the_calendar(calendar):
    assert calendar.add(local(2026, 10, 1, 10, 0), Duration(24, "h")) == local(2026, 10, 2, 10, 0)


def test_a_december_2026_case_gets_a_2027_deadline_on_weekends_with_a_warning(calendar):
    due = calendar.add(local(2026, 12, 30, 10, 0), Duration(3, "wd"))
    # Thu 31 Dec, Fri 1 Jan (no 2027 schedule: a plain Friday), Mon 4 Jan
    assert due == local(2027, 1, 4, 18, 0)
    assert calendar.fallback_years_used == {2027}
    assert "2027" in calendar.warnings()[0] and "jiesu calendar load" in calendar.warnings()[0]


def test_a_loaded_2027_schedule_moves_the_deadline_past_new_year():
    schedule = parse_schedule_csv((FIXTURES / "schedule_2027.csv").read_text(encoding="utf-8"))
    calendar = builtin_calendar(schedule.rules, {2027})
    assert calendar.add(local(2026, 12, 30, 10, 0), Duration(3, "wd")) == local(2027, 1, 5, 18, 0)
    assert calendar.warnings() == []


def test_the_notice_text_is_read_as_published():
    schedule = parse_notice((FIXTURES / "notice_2027_fictional.txt").read_text(encoding="utf-8"))
    assert schedule.year == 2027
    assert schedule.holidays[:3] == [date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)]
    spring = [d for d in schedule.holidays if d.month == 2]
    assert spring == [date(2027, 2, d) for d in range(6, 13)]
    assert date(2027, 4, 5) in schedule.holidays  # "与周末连休"
    assert date(2027, 9, 30) in schedule.holidays  # "补休"
    assert [d for d in schedule.holidays if d.month == 10] == [date(2027, 10, d) for d in range(1, 8)]
    assert schedule.workdays == [date(2027, 2, 20), date(2027, 9, 26), date(2027, 10, 9)]


def test_a_notice_without_a_year_is_refused_with_the_reason():
    from jiesu.domain.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        parse_notice("一、元旦：1月1日放假。")
    assert "年份" in caught.value.reason


def test_a_schedule_csv_with_a_bad_type_names_the_line():
    from jiesu.domain.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        parse_schedule_csv("date,type,name\n2027-01-01,holiday,元旦\n2027-01-02,maybe,元旦\n", "s.csv")
    assert caught.value.line == 3 and caught.value.file == "s.csv"


def test_a_day_both_holiday_and_workday_is_refused():
    from jiesu.domain.errors import ConfigError

    with pytest.raises(ConfigError):
        parse_schedule_csv("date,type\n2027-01-01,holiday\n2027-01-01,workday\n")


@pytest.mark.parametrize("text", ["", "7", "7 days", "-1wd", "0wh", "wd"])
def test_a_malformed_time_limit_is_refused(text):
    with pytest.raises(InvalidInput):
        Duration.parse(text)


def test_a_naive_time_is_refused():
    from datetime import datetime

    with pytest.raises(InvalidInput):
        WorkCalendar().add(datetime(2026, 11, 27, 10), Duration(1, "wh"))


def test_a_loaded_rule_overrides_the_weekday():
    calendar = WorkCalendar(rules={date(2031, 3, 3): DayRule(date(2031, 3, 3), False, "测试")}, covered_years={2031})
    assert not calendar.is_workday(date(2031, 3, 3))
    assert calendar.warnings() == []
