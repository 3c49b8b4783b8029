"""每日要情: the day's brief for the centre's leaders and the duty supervisor — how many requests came in (against
the day before and the same weekday a week before), through which channels, about what (each matter against its
usual day: the mean of the 28 days before) and where; how the phones were answered (话务, where the telephony
reports its calls); the emergencies and the 敏感诉求 received that day, with who
has them now; what is overdue; and the early warnings (上升预警) as of the day's end.

Counts come from the columnar copy (`analytics/store.py`, refreshed first), as the dashboard's do; the two lists
from the cases themselves (a day holds few of them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import func, select

from jiesu.analytics import metrics, store
from jiesu.bootstrap import App
from jiesu.domain.calendar import SHANGHAI, WEEKDAYS
from jiesu.domain.calls import Figures
from jiesu.domain.enums import Channel, Urgency
from jiesu.domain.errors import InvalidInput
from jiesu.domain.request import CitizenRequest
from jiesu.domain.workflow import Status
from jiesu.nlp import pii
from jiesu.services.calls import GivenUp, given_up
from jiesu.storage import tables as t

LISTED = 50  # emergencies or sensitive cases listed at most (the count says how many there are)


@dataclass(frozen=True)
class BriefCase:
    id: int
    ticket: str
    title: str  # masked
    received_at: datetime
    status: str  # its label
    unit: str  # the lead unit's name; 未派单 before dispatch, — once merged or withdrawn; the emergency lines it went to
    why: str  # the emergency's or the sensitivity's reason, as far as the case carries it (masked)


@dataclass
class Brief:
    day: date
    total: int
    day_before: int
    week_before: int  # the same weekday a week before
    channels: list[tuple[str, int]]  # (label, requests), most first
    matters: metrics.MetricTable  # second-level matters of the day against their usual day
    districts: list[tuple[str, int]]  # (name, requests), most first
    emergencies: list[BriefCase]
    emergency_count: int
    sensitive: list[BriefCase]
    sensitive_count: int
    overdue_now: int  # with a unit past its resolution deadline, at the moment the brief is made
    rising: metrics.MetricTable
    calls: Figures | None  # 话务: the day's whole from the `calls` metric (its 合计 row), None without call records
    given_up: GivenUp | None = None  # what became of the day's calls given up (呼损回拨)

    @property
    def calls_said(self) -> str:
        """话务 in words, for the page and the printed brief ("" without call records)."""
        from jiesu.domain.calls import ANSWER_WITHIN

        c, g = self.calls, self.given_up
        if c is None:
            return ""

        def shown(value) -> str:
            return "—" if value is None else f"{value}"

        said = (f"话务：来电 {c.offered} 通，接通 {c.answered} 通，接通率 {shown(c.answer_rate)}%，{ANSWER_WITHIN} 秒接通率 "
                f"{shown(c.service_level)}%，呼损 {c.abandoned} 通，平均等待 {shown(c.mean_wait)} 秒。")
        if g is not None and g.calls:
            said += (f"呼损中已回拨 {g.called_back} 通，来电人再次接通或已受理 {g.got_through} 通"
                     + (f"，隐藏号码 {g.withheld} 通" if g.withheld else "") + f"，未回拨 {g.left} 通。")
        return said

    @staticmethod
    def change(now: int, then: int) -> str:
        """+12.5% / -3.0% / — (nothing to compare with)."""
        return f"{(now - then) * 100 / then:+.1f}%" if then else "—"


def day_of(text: str | None, today: date) -> date:
    """The day asked for (YYYY-MM-DD, Beijing), yesterday when none; InvalidInput naming `day` for another form or
    a day after today."""
    if not text:
        return today - timedelta(days=1)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"日期应为 YYYY-MM-DD：{text!r}", field="day") from None
    if day > today:
        raise InvalidInput(f"{day} 还没有到", field="day")
    return day


def build(app: App, day: date, path: Path | None = None) -> Brief:
    config = app.current_config()
    names, categories = config.unit_names, config.category_names
    store.refresh(app, path)
    connection = store.connect(path or store.default_path(app))
    try:
        f = metrics.Filters(start=day, end=day + timedelta(days=1))
        count = partial(metrics.count, connection)
        total, day_before = count(f), count(metrics.Filters(start=day - timedelta(days=1), end=day))
        week_before = count(metrics.Filters(start=day - timedelta(days=7), end=day - timedelta(days=6)))
        channels = [(Channel.label_of(k) or k, n) for k, n, _ in metrics.run(connection, "by_channel", f).rows]
        districts = [(names.get(k, k), n) for k, n, _ in metrics.run(connection, "by_area", f, level="district").rows]
        matters = metrics.run(connection, "day_matters", f)
        rising = metrics.run(connection, "rising", f)
        calls = metrics.run(connection, "calls", f)
    finally:
        connection.close()
    for row in matters.rows:
        matters.keys.append(row[0])
        row[0] = categories.get(row[0], row[0])
    rising.keys = [(row[0], row[1]) for row in rising.rows]
    for row in rising.rows:
        row[0], row[1] = names.get(row[0], row[0]), categories.get(row[1], row[1])
    from jiesu.services.cases import CaseFilter, count_cases
    from jiesu.services.intake import urgency_reason

    emergencies, emergency_count = _received(app, day, t.requests.c.urgency == Urgency.EMERGENCY.value, names,
                                             lambda c: urgency_reason(c) or "")
    sensitive, sensitive_count = _received(app, day, t.requests.c.sensitive.is_not(None), names,
                                           lambda c: c.sensitive)

    overdue_now = count_cases(app, CaseFilter(overdue_at=app.now()))
    return Brief(day, total, day_before, week_before, channels, matters, districts, emergencies, emergency_count,
                 sensitive, sensitive_count, overdue_now, rising, Figures(*calls.rows[-1][1:]) if calls.rows else None,
                 given_up(app, *(datetime.combine(d, time(), SHANGHAI) for d in (day, day + timedelta(days=1)))))


def _received(app: App, day: date, condition, names: dict[str, str], why: Callable[[CitizenRequest], str]
              ) -> tuple[list[BriefCase], int]:
    """The cases received on the Beijing `day` that meet `condition` (as 工单查询 lists them: repeats merged into
    another case too): the first LISTED of them, each with `why`, and how many there are."""
    start = datetime.combine(day, time(), SHANGHAI).astimezone(UTC)
    r = t.requests
    within = [r.c.received_at >= start, r.c.received_at < start + timedelta(days=1), condition]
    with app.uow(read_only=True) as uow:
        how_many = uow.connection.execute(select(func.count()).select_from(r).where(*within)).scalar_one()
        ids = list(uow.connection.execute(select(r.c.id).where(*within).order_by(r.c.received_at).limit(LISTED))
                   .scalars())
        loaded = [uow.requests.get(i) for i in ids]
    return [BriefCase(c.stored_id, c.ticket or "", pii.mask(c.title), c.received_at, c.status.label, _who(c, names),
                      pii.mask(why(c))) for c in loaded], how_many


def _who(case: CitizenRequest, names: dict[str, str]) -> str:
    """Who has the case: its lead unit (未派单 before dispatch, — once merged or withdrawn), or the emergency line it
    was handed over to; the lines told of it besides (紧急热线联动)."""
    told = case.lines_told()
    handed = next((f"已转 {t.line.label}" for t in told if t.handed_over), None)
    who = handed or names.get(case.lead_unit or "", "未派单" if case.status == Status.REGISTERED else "—")
    alerted = "、".join(dict.fromkeys(t.line.label for t in told if not t.handed_over))
    return f"{who}（已通报 {alerted}）" if alerted else who


def weekday(day: date) -> str:
    return "星期" + WEEKDAYS[day.weekday()]


def write(brief: Brief, path: Path, hotline: str, made_at: datetime) -> Path:
    """The brief as one HTML file that opens and prints anywhere (its style inside, no script): to send to the
    leaders who read it away from the system. Titles masked, as on the page."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    from jiesu.domain.calendar import beijing_minute

    environment = Environment(loader=PackageLoader("jiesu.analytics", "templates"), autoescape=select_autoescape())
    path.write_text(environment.get_template("daily.html").render(
        brief=brief, weekday=weekday(brief.day), hotline=hotline, made_at=beijing_minute(made_at),
        minute=beijing_minute), encoding="utf-8")
    return path
