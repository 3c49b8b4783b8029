"""The working-day calendar: Asia/Shanghai, statutory holidays and make-up working days (调休).

A `WorkCalendar` is built from day rules (a holiday on a weekday, a working Saturday) and the set of
years whose official schedule is known. A year with no schedule falls back to Monday–Friday; every
such year is remembered in `fallback_years_used` so that callers can show a warning. Nothing here
reads the clock or the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from jiesu.domain.errors import InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")


WEEKDAYS = "一二三四五六日"  # Monday to Sunday, as 周一 or 星期一


def beijing_minute(moment: datetime | None) -> str:
    """A stored (UTC) time as Beijing time to the minute, as pages and the command line show it; — when none."""
    return f"{moment.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" if moment else "—"
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)), (time(13, 30), time(18, 0)))


def add_months(first, months: int):
    """The first of the month `months` after (before, when negative) `first`, itself the first of a month; a date
    or a datetime, kept as it is (time zone included)."""
    index = first.year * 12 + first.month - 1 + months
    return first.replace(year=index // 12, month=index % 12 + 1)


def months_around(month: str) -> tuple[str, str]:
    """The months before and after `month`, all written YYYY-MM (a page's 上月 and 下月)."""
    first = date.fromisoformat(month + "-01")
    return f"{add_months(first, -1):%Y-%m}", f"{add_months(first, 1):%Y-%m}"


@dataclass(frozen=True)
class DayRule:
    day: date
    workday: bool
    name: str = ""


@dataclass(frozen=True)
class Duration:
    """A time limit: `amount` of `unit` — "h" natural hours, "d" natural days,
    "wh" working hours, "wd" working days. Written as text like "2wh", "7wd", "24h"."""

    amount: float
    unit: str

    UNITS = ("h", "d", "wh", "wd")
    _PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(wh|wd|h|d)\s*$")

    @classmethod
    def parse(cls, text: str, field: str = "duration") -> Duration:
        match = cls._PATTERN.match(str(text))
        if not match:
            raise InvalidInput(f"无法识别的时限 {text!r}：应写作 2wh（工作小时）、7wd（工作日）、24h（自然小时）或 30d（自然日）",
                               field=field)
        amount = float(match.group(1))
        if amount <= 0:
            raise InvalidInput(f"时限必须大于 0：{text!r}", field=field)
        return cls(amount, match.group(2))

    def __str__(self) -> str:
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        return f"{amount}{self.unit}"

    @property
    def label(self) -> str:
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        return f"{amount}" + {"h": "小时", "d": "天", "wh": "个工作小时", "wd": "个工作日"}[self.unit]


@dataclass
class WorkCalendar:
    rules: dict[date, DayRule] = field(default_factory=dict)
    covered_years: set[int] = field(default_factory=set)
    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
    tz: ZoneInfo = SHANGHAI
    fallback_years_used: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not self.periods:
            raise InvalidInput("工作时段不能为空", field="work_periods")
        for start, end in self.periods:
            if not start < end:
                raise InvalidInput(f"工作时段 {start}-{end} 的开始必须早于结束", field="work_periods")
        for (_, end), (start, _) in zip(self.periods, self.periods[1:], strict=False):
            if not end <= start:
                raise InvalidInput("工作时段必须按时间先后排列且不重叠", field="work_periods")

    # --- days -------------------------------------------------------------------------------
    def is_workday(self, day: date) -> bool:
        rule = self.rules.get(day)
        if rule is not None:
            return rule.workday
        if day.year not in self.covered_years:
            self.fallback_years_used.add(day.year)
        return day.weekday() < 5

    def day_name(self, day: date) -> str:
        rule = self.rules.get(day)
        return rule.name if rule else ""

    def next_workday(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def warnings(self) -> list[str]:
        return [f"{year} 年尚未载入法定节假日安排，已按周一至周五为工作日推算；请用 `jiesu calendar load` 载入当年通知"
                for year in sorted(self.fallback_years_used)]

    # --- arithmetic ---------------------------------------------------------------------------
    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise InvalidInput("时间必须带时区", field="time")
        return moment.astimezone(self.tz)

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.tz)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of office time after `start` (office time only counts on working days)."""
        remaining = timedelta(hours=hours)
        local = self._local(start)
        day = local.date()
        cursor = local
        if not self.is_workday(day):
            day = self.next_workday(day)
            cursor = self._at(day, self.periods[0][0])
        while True:
            for begin, end in self.periods:
                period_start, period_end = self._at(day, begin), self._at(day, end)
                if cursor >= period_end:
                    continue
                cursor = max(cursor, period_start)
                available = period_end - cursor
                if remaining <= available:
                    return (cursor + remaining).astimezone(UTC)
                remaining -= available
                cursor = period_end
            day = self.next_workday(day)
            cursor = self._at(day, self.periods[0][0])

    def add_working_days(self, start: datetime, days: float) -> datetime:
        """Close of office on the Nth working day after the day of `start` (the day of receipt does not count).
        A fractional part is added as working hours of a full working day."""
        whole = int(days)
        day = self._local(start).date()
        for _ in range(whole):
            day = self.next_workday(day)
        end = self._at(day, self.periods[-1][1])
        if whole == 0:
            end = self._local(start)
        fraction = days - whole
        if fraction:
            end = self.add_working_hours(end, fraction * self.hours_per_day)
        return end.astimezone(UTC)

    @property
    def hours_per_day(self) -> float:
        seconds = sum((datetime.combine(date.min, e) - datetime.combine(date.min, s)).total_seconds()
                      for s, e in self.periods)
        return seconds / 3600

    def add(self, start: datetime, duration: Duration) -> datetime:
        self._local(start)
        if duration.unit == "h":
            return (start + timedelta(hours=duration.amount)).astimezone(UTC)
        if duration.unit == "d":
            return (start + timedelta(days=duration.amount)).astimezone(UTC)
        if duration.unit == "wh":
            return self.add_working_hours(start, duration.amount)
        return self.add_working_days(start, duration.amount)


def parse_periods(text: str) -> tuple[tuple[time, time], ...]:
    """'09:00-12:00,13:30-18:00' -> periods."""
    periods = []
    for part in text.split(","):
        try:
            begin, end = part.strip().split("-")
            periods.append((time.fromisoformat(begin.strip()), time.fromisoformat(end.strip())))
        except ValueError:
            raise InvalidInput(f"无法识别的工作时段 {part!r}，应写作 09:00-12:00", field="work_periods") from None
    return tuple(periods)
