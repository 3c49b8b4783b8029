"""Loading official schedules into the database and computing deadlines with them."""

from __future__ import annotations

from datetime import date

import pytest

from jiesu.domain.calendar import Duration
from jiesu.domain.errors import ConfigError
from jiesu.services.calendar import load_schedule
from tests.support import FIXTURES, SHARED_DATA, local

NOTICES = SHARED_DATA / "calendar"


def test_a_loaded_2027_notice_decides_a_january_deadline(app):
    with app.uow() as uow:
        before = app.calendar(uow)
    assert before.add(local(2026, 12, 30, 10), Duration(3, "wd")) == local(2027, 1, 4, 18)
    assert before.warnings()
    load_schedule(app, FIXTURES / "notice_2027_fictional.txt", "admin")
    with app.uow() as uow:
        after = app.calendar(uow)
    assert after.add(local(2026, 12, 30, 10), Duration(3, "wd")) == local(2027, 1, 5, 18)
    assert after.is_workday(date(2027, 2, 20)) and not after.is_workday(date(2027, 2, 8))
    assert after.warnings() == []


def test_loading_a_year_again_replaces_it(app):
    load_schedule(app, FIXTURES / "notice_2027_fictional.txt", "admin")
    load_schedule(app, FIXTURES / "schedule_2027.csv", "admin")
    with app.uow() as uow:
        calendar = app.calendar(uow)
        assert [y["year"] for y in uow.config.loaded_years()] == [2027]
    assert calendar.is_workday(date(2027, 2, 8))  # the CSV has no Spring Festival


def test_a_broken_schedule_file_is_refused_and_changes_nothing(app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,type\n2027-13-01,holiday\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_schedule(app, bad, "admin")
    assert caught.value.line == 2
    with app.uow() as uow:
        assert uow.config.loaded_years() == []


@pytest.mark.skipif(not NOTICES.exists(), reason=f"the real notices are not at {NOTICES}")
@pytest.mark.parametrize("year", [2017, 2026])
def test_the_real_state_council_notices_load_and_agree_with_chinesecalendar(app, year):
    import chinese_calendar

    schedule = load_schedule(app, NOTICES / f"{year}_state_council_holiday_notice.txt", "admin")
    assert set(schedule.holidays) == {d for d in chinese_calendar.holidays if d.year == year}
    assert set(schedule.workdays) == {d for d in chinese_calendar.workdays if d.year == year}
