"""改派经验 from the stored cases: the re-dispatches of the last `WINDOW_DAYS` counted per matter, district and
duty-list target (`domain/dispatch_lessons.py`); each process keeps them and counts them again every few minutes
(`App.lessons`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import case, func, select

from jiesu.domain.dispatch_lessons import WINDOW_DAYS, Lesson, LessonBook, target_of
from jiesu.domain.enums import UnitKind
from jiesu.domain.routing import Router
from jiesu.domain.workflow import Status
from jiesu.storage import tables as t

if TYPE_CHECKING:
    from jiesu.bootstrap import App

SETTLED = [Status.RESOLVED.value, Status.AWAITING_FOLLOW_UP.value, Status.CLOSED.value, Status.ARCHIVED.value]
MOVED_AWAY = ["returned", "redispatched"]  # how a lead assignment ends when the case goes to another unit


def count_lessons(connection, router: Router, now: datetime, window_days: int = WINDOW_DAYS) -> LessonBook:
    """One grouped pass over the lead assignments made since `window_days` before `now`, giving: how many went to
    each unit; how many of those ended returned or re-dispatched on a case another unit then settled; and how many
    went straight to a unit that settled them where the duty lists (`router`, without lessons) name another lead. The
    last keeps a lesson alive once dispatchers follow it: without them it would fade as the moves it taught stop.
    Counted as dispatches: a case sent twice to units of one target (two 街道 of the district) counts twice there."""
    a, r = t.assignments, t.requests
    directory = router.directory
    since = now - timedelta(days=window_days)
    first = case((a.c.kind == "dispatch", 1), else_=0)
    moved_away = case((a.c.end_reason.in_(MOVED_AWAY), 1), else_=0)
    settled = case((r.c.status.in_(SETTLED), 1), else_=0)
    grouping = (r.c.category, r.c.division, a.c.unit, r.c.lead_unit, first, moved_away, settled)
    rows = connection.execute(
        select(*grouping, func.count(), func.max(a.c.ended_at)).select_from(a.join(r, r.c.id == a.c.request_id))
        .where(a.c.role == "lead", a.c.dispatched_at >= since, r.c.category.is_not(None))
        .group_by(*grouping)).all()
    districts: dict[str | None, str | None] = {}
    listed: dict[tuple[str, str | None], str | None] = {}

    def district_of(division: str | None) -> str | None:
        if division not in districts:
            found = directory.territorial_at(division, UnitKind.DISTRICT)
            districts[division] = found.code if found else None
        return districts[division]

    def listed_target(category: str, division: str | None) -> str | None:
        """The target of the lead the duty lists name for the matter at the place."""
        if (category, division) not in listed:
            best = router.route(category, division).best if category in directory.categories else None
            listed[(category, division)] = target_of(best.unit) if best else None
        return listed[(category, division)]

    def target(code: str) -> str | None:
        unit = directory.units.get(code)
        return target_of(unit) if unit else None

    dispatched: dict[tuple[str, str, str], int] = defaultdict(int)
    moved: dict[tuple[str, str, str, str], int] = defaultdict(int)
    latest: dict[tuple[str, str, str, str], datetime] = {}
    followed: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for category, division, unit, lead, was_first, was_moved, was_settled, n, last_at in rows:
        district, source = district_of(division), target(unit)
        if not district or not source:
            continue
        dispatched[(category, district, source)] += n
        to = target(lead) if was_settled and lead else None
        if to is None:
            continue
        if was_moved and lead != unit and to != source:  # returned or re-dispatched, then settled elsewhere
            key = (category, district, source, to)
            moved[key] += n
            if last_at is not None and (key not in latest or last_at > latest[key]):
                latest[key] = last_at
        elif was_first and not was_moved and lead == unit:  # sent straight there and settled there
            listed_lead = listed_target(category, division)
            if listed_lead and listed_lead != to:
                followed[(category, district, listed_lead, to)] += n
    return LessonBook((Lesson(*key, moved.get(key, 0), dispatched[key[:3]], latest.get(key), followed.get(key, 0))
                       for key in moved.keys() | followed.keys()), window_days)


def count_now(app: App) -> LessonBook:
    """The lessons as of now, in a transaction of their own (`App.lessons` keeps them and counts them again)."""
    with app.uow(read_only=True) as uow:
        return count_lessons(uow.connection, app.config(uow).router, app.now())


@dataclass(frozen=True)
class LessonLine:
    """One lesson as the 改派经验 page and `jiesu case lessons` show it."""

    lesson: Lesson
    matter: str  # the category's path
    district: str
    listed: str  # the lead the duty lists give (a level or a unit)
    moved_to: str
    standing: str  # 已写入派单目录 / 首选建议 / 提示 / 派单目录不允许
    refusal: str | None  # why the duty lists refuse the unit, if they do
    catalogue_line: str | None  # for a strong lesson the lists allow: the duties.csv line that writes it in


def lesson_lines(app: App) -> list[LessonLine]:
    """Every lesson worth a note (`Lesson.noted`), most cases first: what an administrator should check the duty
    lists against."""
    router = app.current_config().router  # the lists' own: the lessons are read beside it
    book, directory = app.lessons.get(), router.directory
    lines = []
    for lesson in book.lessons:
        if not lesson.noted or lesson.category not in directory.categories:
            continue
        refusal, adopted = book.verdict(router, lesson), book.adopted(router, lesson)
        standing = ("已写入派单目录" if adopted else "派单目录不允许" if refusal else
                    "首选建议" if lesson.strong else "提示")
        district = directory.units.get(lesson.district)
        line = book.catalogue_line(router, lesson) if standing == "首选建议" else None
        lines.append(LessonLine(lesson, directory.category_path(lesson.category),
                                district.name if district else lesson.district,
                                book.target_label(router, lesson.from_target),
                                book.target_label(router, lesson.to_target), standing, refusal, line))
    return lines
