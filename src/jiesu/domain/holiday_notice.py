"""Reading a year's official holiday schedule.

Two inputs are accepted: the State Council's notice text exactly as published (国务院办公厅关于YYYY年部分
节假日安排的通知), and a simple CSV file `date,type,name` (type: holiday/workday or 放假/上班).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from jiesu.domain.calendar import DayRule
from jiesu.domain.errors import ConfigError

_YEAR = re.compile(r"(\d{4})年部分节假日安排")
_ITEM = re.compile(r"^\s*[一二三四五六七八九十]+、\s*(?P<name>[^：:]+)[：:](?P<body>.+)$")
_PAREN = re.compile(r"（[^）]*）|\([^)]*\)")
_DATE = re.compile(r"(?:(?P<y>\d{4})年)?(?:(?P<m>\d{1,2})月)?(?P<d>\d{1,2})日")


@dataclass
class YearSchedule:
    year: int
    rules: dict[date, DayRule] = field(default_factory=dict)

    @property
    def holidays(self) -> list[date]:
        return sorted(d for d, r in self.rules.items() if not r.workday)

    @property
    def workdays(self) -> list[date]:
        return sorted(d for d, r in self.rules.items() if r.workday)


def parse_notice(text: str, source: str = "notice") -> YearSchedule:
    year_match = _YEAR.search(text)
    if not year_match:
        raise ConfigError(source, 1, "找不到「YYYY年部分节假日安排」标题，无法确定年份")
    year = int(year_match.group(1))
    schedule = YearSchedule(year)
    items = 0
    for line_no, line in enumerate(text.splitlines(), start=1):
        match = _ITEM.match(line)
        if not match:
            continue
        items += 1
        name = match.group("name").strip()
        body = _PAREN.sub("", match.group("body"))
        month: int | None = None
        found = False
        for sentence in re.split(r"[。；;]", body):
            for clause in re.split(r"[，,]", sentence):
                dates: list[date] = []
                for m in _DATE.finditer(clause):
                    if m.group("m"):
                        month = int(m.group("m"))
                    if month is None:
                        raise ConfigError(source, line_no, f"日期缺少月份：{m.group(0)}")
                    the_year = int(m.group("y")) if m.group("y") else year
                    try:
                        dates.append(date(the_year, month, int(m.group("d"))))
                    except ValueError:
                        raise ConfigError(source, line_no, f"不存在的日期：{m.group(0)}") from None
                if not dates:
                    continue
                if "上班" in clause:
                    workday = True
                elif "放假" in clause or "补休" in clause or "休息" in clause:
                    workday = False
                else:
                    raise ConfigError(source, line_no, f"无法判断是放假还是上班：{clause.strip()}")
                if not workday and "至" in clause and len(dates) == 2:
                    if dates[1] < dates[0]:
                        raise ConfigError(source, line_no, f"日期范围先后颠倒：{clause.strip()}")
                    span = (dates[1] - dates[0]).days
                    dates = [dates[0] + timedelta(days=i) for i in range(span + 1)]
                for day in dates:
                    _add(schedule, DayRule(day, workday, name), source, line_no)
                found = True
        if not found:
            raise ConfigError(source, line_no, f"「{name}」一项中找不到日期")
    if items == 0:
        raise ConfigError(source, None, "找不到「一、元旦：……」这样的条目")
    return schedule


def parse_schedule_csv(text: str, source: str = "schedule.csv") -> YearSchedule:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"date", "type"} - set(reader.fieldnames or [])
    if missing:
        raise ConfigError(source, 1, f"缺少列：{', '.join(sorted(missing))}（应为 date,type,name）")
    schedule: YearSchedule | None = None
    for row in reader:
        line_no = reader.line_num
        try:
            day = date.fromisoformat((row["date"] or "").strip())
        except ValueError:
            raise ConfigError(source, line_no, f"日期格式应为 YYYY-MM-DD：{row['date']!r}") from None
        kind = (row["type"] or "").strip().lower()
        if kind in ("holiday", "放假", "休"):
            workday = False
        elif kind in ("workday", "上班", "班"):
            workday = True
        else:
            raise ConfigError(source, line_no, f"type 应为 holiday/workday（放假/上班）：{row['type']!r}")
        if schedule is None:
            schedule = YearSchedule(day.year)
        _add(schedule, DayRule(day, workday, (row.get("name") or "").strip()), source, line_no)
    if schedule is None:
        raise ConfigError(source, None, "文件没有数据行")
    return schedule


def parse_schedule(text: str, source: str) -> YearSchedule:
    """Either format, told apart by content."""
    if "节假日安排" in text:
        return parse_notice(text, source)
    return parse_schedule_csv(text, source)


def _add(schedule: YearSchedule, rule: DayRule, source: str, line_no: int) -> None:
    previous = schedule.rules.get(rule.day)
    if previous is not None and previous.workday != rule.workday:
        raise ConfigError(source, line_no, f"{rule.day} 同时被标为放假和上班")
    schedule.rules[rule.day] = rule
