"""人民建议征集: topics (征集主题) the city puts to its people — a question, the department that asks it, the last
day it is open, and the matter it is about — and the suggestions sent to each. A suggestion is a request like any
other (建议 through the 人民建议征集 channel, read by intake, dispatched, answered, called back); the topic gathers
them, so that the department reads every answer to its question together (`/cases?topic=ID`), gives them its
matter as their category, and is suggested first when they are dispatched (`advise`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import func, insert, select, update

from jiesu.bootstrap import App
from jiesu.domain.enums import Adoption, DutyType
from jiesu.domain.errors import InvalidInput, NotFound
from jiesu.domain.routing import Candidate, Directory, Routing
from jiesu.services.access import unit_sees
from jiesu.services.audit import record
from jiesu.storage import tables as t

MAX_TITLE, MAX_DESCRIPTION = 100, 2000


@dataclass(frozen=True)
class Topic:
    id: int
    title: str
    description: str
    unit: str | None
    closes_on: date
    created_at: datetime
    closed_at: datetime | None
    category: str | None = None  # the matter asked about, given to each suggestion that comes without one
    suggestions: int = 0  # how many were sent to it

    def is_open(self, today: date) -> bool:
        return self.closed_at is None and today <= self.closes_on


def add(app: App, by: str, title: str, description: str, closes_on: str | date, unit: str | None = None,
        category: str | None = None) -> int:
    """A new topic, open from now until `closes_on` (a Beijing day, YYYY-MM-DD) included, asked by `unit`, about
    the matter `category` (a code of the 事项分类): both optional, and together only as the duty lists allow the
    unit to lead on the matter (a suggestion is dispatched to it)."""
    title, description = (title or "").strip(), (description or "").strip()
    if not 2 <= len(title) <= MAX_TITLE:
        raise InvalidInput(f"主题应为 2–{MAX_TITLE} 字", field="title")
    if not 1 <= len(description) <= MAX_DESCRIPTION:
        raise InvalidInput(f"请写明征集什么建议（{MAX_DESCRIPTION} 字以内）", field="description")
    if isinstance(closes_on, str):
        try:
            closes_on = date.fromisoformat(closes_on.strip())
        except ValueError:
            raise InvalidInput(f"截止日期 {closes_on!r} 应写作 YYYY-MM-DD", field="closes_on") from None
    if closes_on < app.today():
        raise InvalidInput("截止日期不能早于今天", field="closes_on")
    unit, category = unit or None, category or None
    with app.uow() as uow:
        directory = app.config(uow).directory
        if unit and unit not in directory.units:
            raise InvalidInput(f"未知单位代码 {unit!r}", field="unit")
        if category and category not in directory.categories:
            raise InvalidInput(f"未知事项分类代码 {category!r}", field="category")
        if unit and category:
            app.router(uow).check_dispatch(category, unit, field="unit")
        inserted = uow.connection.execute(insert(t.suggestion_topics).values(
            title=title, description=description, unit=unit, category=category, closes_on=closes_on,
            created_by=by, created_at=app.now())).inserted_primary_key
        topic_id = int(inserted[0]) if inserted else 0
        record(uow.connection, app.now(), by, "topic.add", f"征集主题 {topic_id}",
               {"title": title, "closes_on": closes_on.isoformat(), "unit": unit or "", "category": category or ""})
        uow.commit()
    return topic_id


def close(app: App, by: str, topic_id: int) -> None:
    """Stop taking suggestions now (before the day it was to close)."""
    with app.uow() as uow:
        done = uow.connection.execute(update(t.suggestion_topics).where(
            t.suggestion_topics.c.id == topic_id, t.suggestion_topics.c.closed_at.is_(None)).values(closed_at=app.now()))
        if done.rowcount != 1:
            raise NotFound("没有这个征集主题，或已结束", field="topic")
        record(uow.connection, app.now(), by, "topic.close", f"征集主题 {topic_id}")
        uow.commit()


def listed(app: App, open_only: bool = False, unit: str | None = None) -> list[Topic]:
    """Every topic, newest first, with how many suggestions it has; `open_only`: those taking suggestions today;
    `unit`: a handler's — only the topics its unit asks, counting only the suggestions the unit has."""
    with app.uow(read_only=True) as uow:
        topics = _read(uow.connection, unit=unit)
    return [x for x in topics if x.is_open(app.today())] if open_only else topics


@dataclass(frozen=True)
class Outcome:
    """征集结果, as told to the public: a topic that has ended, how many suggestions it took, and how many the
    department adopted (in whole or in part) — counts only, nothing of anyone's suggestion."""

    topic: Topic
    adopted: int
    partly: int


RESULTS_FOR = 180  # days a topic's result stays on the portal after it ends


def results(app: App) -> list[Outcome]:
    """The topics ended in the last RESULTS_FOR days (closed early or past their day), newest first, with their
    suggestions adopted and partly adopted."""
    today = app.today()
    ended = [x for x in listed(app) if not x.is_open(today) and 0 <= (today - ended_on(x)).days <= RESULTS_FOR]
    if not ended:
        return []
    r, ts = t.requests, t.topic_suggestions
    with app.uow(read_only=True) as uow:
        counts = Counter({(topic_id, adoption): n for topic_id, adoption, n in uow.connection.execute(
            select(ts.c.topic_id, r.c.adoption, func.count()).join(r, r.c.id == ts.c.request_id)
            .where(ts.c.topic_id.in_([x.id for x in ended]), r.c.adoption.is_not(None))
            .group_by(ts.c.topic_id, r.c.adoption))})
    return [Outcome(x, counts[(x.id, Adoption.ADOPTED.value)], counts[(x.id, Adoption.PARTLY.value)]) for x in ended]


def ended_on(topic: Topic) -> date:
    """The last day a topic took suggestions (the day it was closed, if closed early)."""
    from jiesu.domain.calendar import SHANGHAI

    return min(topic.closes_on, topic.closed_at.astimezone(SHANGHAI).date()) if topic.closed_at else topic.closes_on


def get(app: App, topic_id: int, unit: str | None = None) -> Topic:
    """One topic (`unit`: as `listed` gives it to a handler of that unit: NotFound unless the unit asks it)."""
    with app.uow(read_only=True) as uow:
        found = _read(uow.connection, {topic_id}, unit=unit)
    if not found:
        raise NotFound("没有这个征集主题", field="topic")
    return found[0]


def common_words(app: App, topic_ids: list[int], top: int = 8, unit: str | None = None
                 ) -> dict[int, list[tuple[str, int]]]:
    """Per topic, the keywords its suggestions share most (each suggestion counted once per word): what the
    people answered, at a glance, before reading them one by one (`unit`: of the suggestions that unit has)."""
    r, ts = t.requests, t.topic_suggestions
    counts: dict[int, Counter] = {}
    query = select(ts.c.topic_id, r.c.keywords).join(r, r.c.id == ts.c.request_id).where(ts.c.topic_id.in_(topic_ids))
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(query.where(unit_sees(unit)) if unit else query)
        for topic_id, keywords in rows:
            counts.setdefault(topic_id, Counter()).update(set((keywords or "").split()))
    return {topic_id: [(word, n) for word, n in sorted(found.items(), key=lambda pair: (-pair[1], pair[0]))[:top]
                       if n > 1] for topic_id, found in counts.items()}


def taking(connection, topic_id: int, today: date) -> Topic:
    """The topic a suggestion is sent to, in the transaction that registers it: only one open today."""
    topic = open_one(connection, topic_id, today)
    if topic is None:
        raise InvalidInput("这个征集主题不存在或已结束征集", field="topic_id")
    return topic


@dataclass(frozen=True)
class Opinion:
    """Suggestions to a topic that say much the same (建议归类): what they say, and which they are."""

    keywords: list[str]
    description: str  # the title of one of them, as the people put it
    place: str  # the places they name most
    proposers: int  # distinct people
    cases: list[tuple[int, str]]  # (id, ticket), oldest first
    adoptions: dict[str, int]  # 采纳情况 → how many of them the unit answered so, in Adoption's order; "" → not yet


def tally(opinions: list[Opinion]) -> dict[str, int]:
    """采纳情况 of all a topic's suggestions (label → how many; "" → not answered yet)."""
    total: Counter[str] = Counter()
    for opinion in opinions:
        total.update(opinion.adoptions)
    return _in_order(total)


def _in_order(counts: Counter[str]) -> dict[str, int]:
    return {label: counts[label] for label in [a.label for a in Adoption] + [""] if counts[label]}


OPINION_THRESHOLD = 0.3  # cosine of character 1–3-gram TF-IDF, as for 一类事 (`issues/hot.py`)


def opinions(app: App, topic_id: int, unit: str | None = None, labelled: int | None = None) -> list[Opinion]:
    """The suggestions to a topic grouped by what they say (text similarity, single linkage, whatever their
    category or district), the groups with the most people first: a department with hundreds of answers reads the
    few opinions among them first, then each suggestion (of a topic the caller has found: `get`). `unit`: a
    handler's — of the suggestions it has.
    `labelled`: only the first so many groups get their key words, title and places (a page shows those; a topic
    with thousands of answers has as many groups of one)."""
    from jiesu.issues.hot import build_issues, label
    from jiesu.issues.sources import CASE_COLUMNS, case_messages

    r, ts = t.requests, t.topic_suggestions
    query = select(*(r.c[name] for name in CASE_COLUMNS), r.c.adoption).join(ts, ts.c.request_id == r.c.id).where(
        ts.c.topic_id == topic_id)
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute((query.where(unit_sees(unit)) if unit else query).order_by(r.c.id)).all()
        directory = app.config(uow).directory
    tickets = {row.id: row.ticket for row in rows}
    adopted = {row.id: Adoption.label_of(row.adoption) for row in rows}
    messages = [replace(m, group="") for m in case_messages(rows, directory, key="id")]  # one question: one group
    groups = sorted(build_issues(messages, OPINION_THRESHOLD),
                    key=lambda issue: (-issue.requesters, -len(issue.messages), int(issue.messages[0].id)))
    found = []
    for number, issue in enumerate(groups):
        if labelled is None or number < labelled:
            label(issue)
        ids = [int(m.id) for m in issue.messages]
        found.append(Opinion(issue.keywords, issue.description, issue.place, issue.requesters,
                             [(i, tickets[i]) for i in ids], _in_order(Counter(adopted[i] for i in ids))))
    return found


def link(connection, request_id: int, topic: Topic) -> None:
    """Send a registered request to the topic `taking` gave, in the same transaction."""
    connection.execute(insert(t.topic_suggestions).values(request_id=request_id, topic_id=topic.id))


def open_one(connection, topic_id: int, today: date) -> Topic | None:
    """The topic, if it takes suggestions today (for what intake suggests while a suggestion is typed; `taking`
    refuses the others when it is registered)."""
    found = _read(connection, {topic_id})
    return found[0] if found and found[0].is_open(today) else None


def asking(connection, request_ids: list[int]) -> dict[int, Topic]:
    """Of these requests, those sent to a topic that names the department asking: that topic, by request id."""
    if not request_ids:
        return {}
    ts = t.topic_suggestions
    linked = dict(connection.execute(select(ts.c.request_id, ts.c.topic_id).where(ts.c.request_id.in_(request_ids))
                                     ).all())
    topics = {x.id: x for x in _read(connection, set(linked.values()))} if linked else {}
    return {request_id: topics[topic_id] for request_id, topic_id in linked.items()
            if topic_id in topics and topics[topic_id].unit}


def advise(routing: Routing, topic: Topic | None, directory: Directory) -> Routing:
    """A suggestion's routing: first the department that asked (it studies every answer to its question), then
    what the duty lists suggest for its matter and place."""
    if topic is None or topic.unit not in directory.units:
        return routing
    unit = directory.units[topic.unit or ""]
    first = Candidate(unit, "lead", DutyType.BASIC, f"{unit.name}：征集主题「{topic.title}」的征集部门", 2.0)
    return replace(routing, leads=[first, *[c for c in routing.leads if c.unit.code != unit.code]],
                   co_handlers=[c for c in routing.co_handlers if c.unit.code != unit.code])


def of_case(connection, request_id: int) -> Topic | None:
    ts = t.topic_suggestions
    topic_id = connection.execute(select(ts.c.topic_id).where(ts.c.request_id == request_id)).scalar()
    found = _read(connection, {topic_id}) if topic_id is not None else []
    return found[0] if found else None


def _read(connection, ids: set[int] | None = None, unit: str | None = None) -> list[Topic]:
    """The topics (those of `ids`, or all), newest first; `unit`: only those it asks, counting the suggestions it
    has."""
    s, ts, r = t.suggestion_topics, t.topic_suggestions, t.requests
    count = select(func.count()).where(ts.c.topic_id == s.c.id)
    if unit:
        count = count.select_from(ts.join(r, r.c.id == ts.c.request_id)).where(unit_sees(unit))
    query = select(s, count.scalar_subquery().label("suggestions")).order_by(s.c.id.desc())
    if unit:
        query = query.where(s.c.unit == unit)
    if ids is not None:
        query = query.where(s.c.id.in_(ids))
    return [Topic(r.id, r.title, r.description, r.unit, r.closes_on, r.created_at, r.closed_at, r.category,
                  r.suggestions) for r in connection.execute(query)]
