"""The built-in holiday schedules: the `chinesecalendar` package (years up to its last release, 2026)."""

from __future__ import annotations

from datetime import date

from jiesu.domain.calendar import DayRule


def builtin_rules() -> tuple[dict[date, DayRule], set[int]]:
    """Day rules for every statutory holiday and make-up working day the package knows, and its years."""
    import chinese_calendar

    rules: dict[date, DayRule] = {}
    for day, name in chinese_calendar.holidays.items():
        rules[day] = DayRule(day, False, str(name or ""))
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5:
            rules[day] = DayRule(day, True, str(name or ""))
    return rules, {d.year for d in chinese_calendar.holidays}
