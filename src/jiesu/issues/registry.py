"""Issues kept in the database (一类事): built and grown incrementally from the cases, dispatched as one
root-cause task, tracked to closure, and proposed as candidates for the month's topic (每月一题).

`build` takes the cases of a period that are in no issue yet. Each joins the issue of its most similar member
(same category and district, cosine ≥ the threshold over character n-grams) when there is one; the rest are
clustered among themselves and every cluster of two or more becomes a new issue. A case in an issue is never
clustered again; a case that formed no issue (a loner) is looked at again by the next build, so that a later
repeat can pair with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from jiesu.bootstrap import App
from jiesu.domain.calendar import SHANGHAI
from jiesu.domain.errors import ConflictError, IllegalTransition, InvalidInput, NotFound
from jiesu.domain.request import Actor
from jiesu.issues.hot import Issue, Message, heat_index, label
from jiesu.issues.sources import CASE_COLUMNS, case_messages
from jiesu.storage import tables as t
from jiesu.storage.database import inserted_id

THRESHOLD = 0.3
LOOKBACK = timedelta(days=180)  # issues with a member this recent can still grow


@dataclass(frozen=True)
class BuildResult:
    considered: int  # cases of the period in no issue before
    joined: int  # of them, joined an existing issue
    new_issues: int
    in_new_issues: int
    seconds: float

    def summary(self) -> str:
        return (f"新工单 {self.considered} 件：{self.joined} 件并入已有问题，{self.in_new_issues} 件组成 "
                f"{self.new_issues} 个新问题，其余暂不成类（{self.seconds:.1f} 秒）")


def _messages(connection, directory, ids: list[int] | None = None, since=None, until=None,
              fresh_only=False) -> list[Message]:
    """Cases as messages by id (withdrawn cases and root-cause tasks left out)."""
    r, m = t.requests, t.issue_members
    query = select(*(r.c[name] for name in CASE_COLUMNS)).where(r.c.status.not_in(["withdrawn"]),
                                                                 r.c.channel != "proactive")
    if ids is not None:
        query = query.where(r.c.id.in_(ids))
    if since is not None:
        query = query.where(r.c.received_at >= since)
    if until is not None:
        query = query.where(r.c.received_at < until)
    if fresh_only:
        query = query.where(~select(m.c.request_id).where(m.c.request_id == r.c.id).exists())
    return case_messages(connection.execute(query.order_by(r.c.id)).all(), directory, key="id")


Progress = Callable[[str, int, int], None]  # (stage, done, of): what a long build has done so far


def build(app: App, since: datetime | None = None, until: datetime | None = None,
          threshold: float = THRESHOLD, progress: Progress | None = None) -> BuildResult:
    """Grow the issues with the period's cases that are in none yet. The reading and clustering happen outside
    any write transaction (intakes go on meanwhile); the result is written in one short transaction. Two builds at
    once: the second fails on the members' unique key and writes nothing. `progress` hears of each stage:
    读取工单, 并入已有问题 (cases compared), 聚类新工单 (cases clustered), 保存."""
    import time

    from jiesu.issues.hot import build_issues
    from jiesu.nlp.similarity import compact, vectors

    began = time.perf_counter()
    if since is not None and until is not None and since >= until:
        raise InvalidInput("--since 应早于 --until", field="since")
    report = progress or (lambda stage, done, total: None)
    now = app.now()
    report("读取工单", 0, 1)
    with app.uow(read_only=True) as uow:
        c = uow.connection
        directory = app.config(uow).directory
        fresh = _messages(c, directory, since=since, until=until, fresh_only=True)
        joined: dict[int, list[tuple[int, float]]] = {}
        rest = fresh
        if fresh:
            recent_from = min(m.time for m in fresh if m.time).replace(tzinfo=SHANGHAI) - LOOKBACK
            open_ids = [row.id for row in c.execute(select(t.issues.c.id).where(t.issues.c.last_at >= recent_from))]
            owners = dict(c.execute(select(t.issue_members.c.request_id, t.issue_members.c.issue_id)
                                    .where(t.issue_members.c.issue_id.in_(open_ids))).all()) if open_ids else {}
            members = _messages(c, directory, ids=list(owners)) if owners else []
            if members:
                matrix = compact(vectors([f"{m.title} {m.title} {m.text}" for m in members + fresh]))
                by_group: dict[str, list[int]] = {}
                for index, member in enumerate(members):
                    by_group.setdefault(member.group, []).append(index)
                waiting: dict[str, list[int]] = {}
                for index, message in enumerate(fresh):
                    waiting.setdefault(message.group, []).append(index)
                rest = []
                compared = 0
                for group, rows in waiting.items():
                    compared += len(rows)
                    report("并入已有问题", compared, len(fresh))
                    columns = by_group.get(group)
                    if not columns:
                        rest.extend(fresh[row] for row in rows)
                        continue
                    scores = (matrix[[len(members) + row for row in rows]] @ matrix[columns].T).toarray()
                    best = scores.argmax(axis=1)
                    for row, column, score in zip(rows, best, scores.max(axis=1), strict=True):
                        if score >= threshold:
                            owner = owners[int(members[columns[column]].id)]
                            joined.setdefault(owner, []).append((int(fresh[row].id), round(float(score), 4)))
                        else:
                            rest.append(fresh[row])
    created = [i for i in build_issues(rest, threshold, min_size=2,
                                       progress=lambda done, total: report("聚类新工单", done, total))
               if len(i.messages) >= 2]
    for issue in created:
        label(issue)
    report("保存", 0, 1)
    try:
        _write(app, joined, created, directory, now)
    except IntegrityError:
        raise ConflictError("另一次归并同时写入了这些工单：请稍后再归并一次", field="issues") from None
    report("保存", 1, 1)
    return BuildResult(len(fresh), sum(len(v) for v in joined.values()), len(created),
                       sum(len(i.messages) for i in created), time.perf_counter() - began)


def _write(app: App, joined: dict[int, list[tuple[int, float]]], created: list[Issue], directory,
           now: datetime) -> None:
    with app.uow() as uow:
        c = uow.connection
        for issue_id, additions in joined.items():
            c.execute(insert(t.issue_members), [{"request_id": rid, "issue_id": issue_id, "score": score,
                                                 "joined_at": now} for rid, score in additions])
        touched = set(joined)
        for issue in created:
            issue_id = inserted_id(c.execute(insert(t.issues).values(
                group_key=issue.messages[0].group, description=issue.description[:200],
                keywords=" ".join(issue.keywords)[:200], place=issue.place[:200], population=issue.population[:50],
                size=0, requesters=0, heat=0.0, first_at=now, last_at=now, created_at=now, updated_at=now)))
            c.execute(insert(t.issue_members), [{"request_id": int(m.id), "issue_id": issue_id, "score": 1.0,
                                                 "joined_at": now} for m in issue.messages])
            touched.add(issue_id)
        _restate(c, directory, touched, now)
        uow.commit()


def _restate(connection, directory, issue_ids: set[int], now: datetime) -> None:
    """Size, people, time span and heat of issues from their members."""
    for issue_id in issue_ids:
        ids = [row[0] for row in connection.execute(select(t.issue_members.c.request_id)
                                                    .where(t.issue_members.c.issue_id == issue_id))]
        members = _messages(connection, directory, ids=ids)
        if not members:
            continue
        issue = Issue(id=str(issue_id), messages=members)
        times = [m.time for m in members if m.time]  # cases: every one has its time
        connection.execute(update(t.issues).where(t.issues.c.id == issue_id).values(
            size=len(members), requesters=issue.requesters, heat=heat_index(issue, now.astimezone(SHANGHAI)
                                                                            .replace(tzinfo=None)),
            first_at=min(times).replace(tzinfo=SHANGHAI), last_at=max(times).replace(tzinfo=SHANGHAI),
            updated_at=now))


@dataclass
class IssueRow:
    id: int
    description: str
    keywords: list[str]
    place: str
    population: str
    size: int
    requesters: int
    heat: float
    first_at: datetime
    last_at: datetime
    category: str
    district: str
    task_id: int | None
    task_status: str | None

    @property
    def state(self) -> str:
        if self.task_id is None:
            return "未派发"
        return "已办结" if self.task_status in ("closed", "archived", "awaiting_follow_up") else "治理中"


def _rows(connection, query) -> list[IssueRow]:
    i, r = t.issues, t.requests
    query = query.add_columns(r.c.status).outerjoin(r, r.c.id == i.c.task_id)
    result = []
    for x in connection.execute(query):
        category, _, district = x.group_key.partition("|")
        result.append(IssueRow(x.id, x.description, x.keywords.split(), x.place, x.population, x.size, x.requesters,
                               x.heat, x.first_at, x.last_at, category, district, x.task_id, x.status))
    return result


def ranked(app: App, top: int = 20, since: datetime | None = None) -> list[IssueRow]:
    """The hottest issues (active since `since`)."""
    i = t.issues
    query = select(*i.c).order_by(i.c.heat.desc(), i.c.id).limit(max(1, min(top, 500)))
    if since is not None:
        query = query.where(i.c.last_at >= since)
    with app.uow(read_only=True) as uow:
        return _rows(uow.connection, query)


def get(app: App, issue_id: int) -> tuple[IssueRow, list]:
    """The issue and its member cases (oldest first)."""
    r, m = t.requests, t.issue_members
    with app.uow(read_only=True) as uow:
        found = _rows(uow.connection, select(*t.issues.c).where(t.issues.c.id == issue_id))
        if not found:
            raise NotFound(f"问题 {issue_id} 不存在", field="issue")
        members = uow.connection.execute(
            select(r.c.id, r.c.ticket, r.c.title, r.c.status, r.c.division, r.c.category, r.c.lead_unit,
                   r.c.received_at, r.c.requester_key, m.c.score)
            .join(m, m.c.request_id == r.c.id).where(m.c.issue_id == issue_id).order_by(r.c.received_at)).all()
    return found[0], list(members)


def dispatch(app: App, actor: Actor, issue_id: int, unit: str, note: str = "") -> int:
    """Open one root-cause task (主动治理) for the whole issue, linked to its members, and dispatch it to `unit`.
    Returns the task's case id. An issue has one task; dispatching twice is refused."""
    from jiesu.domain.workflow import Action
    from jiesu.nlp.keywords import masked_keywords
    from jiesu.services.cases import ActionInput, Intake, apply_action, build_request, sla_clock

    issue, members = get(app, issue_id)
    if issue.task_id is not None:
        raise IllegalTransition(f"问题 {issue_id} 已派发为工单 {issue.task_id}", field="issue")
    divisions = Counter(x.division for x in members if x.division)
    tickets = "、".join(x.ticket for x in members[:30]) + ("等" if len(members) > 30 else "")
    content = (f"一类事治理（问题 {issue_id}）：{issue.description}。{issue.first_at.astimezone(SHANGHAI):%Y-%m-%d} 至 "
               f"{issue.last_at.astimezone(SHANGHAI):%Y-%m-%d} 共 {issue.size} 件诉求、{issue.requesters} 位诉求人"
               f"{'，地点：' + issue.place if issue.place else ''}。请从根源解决，关联工单：{tickets}。{note}".strip())
    intake = Intake(content=content[:4000], title=f"【一类事】{issue.description}"[:100], kind="other",
                    channel="proactive", category=issue.category or None,
                    division=divisions.most_common(1)[0][0] if divisions else None)
    now = app.now()
    with app.uow() as uow:  # the task, its dispatch and the link to the issue: all or nothing
        config = app.config(uow)
        task = build_request(config.directory, actor, now, intake)
        task.keywords = masked_keywords(issue.description)
        uow.requests.add(task)
        apply_action(uow, app.router(uow), task, actor, now, Action.DISPATCH,
                     ActionInput(unit=unit, reason=f"一类事治理：问题 {issue_id}"), sla_clock(app, uow, task))
        uow.requests.save(task)
        done = uow.connection.execute(update(t.issues).where(t.issues.c.id == issue_id, t.issues.c.task_id.is_(None))
                                      .values(task_id=task.id, updated_at=now))
        if done.rowcount != 1:
            raise IllegalTransition(f"问题 {issue_id} 已由他人派发", field="issue")
        uow.commit()
    return task.stored_id


def topic_candidates(app: App, months: int = 3, top: int = 5) -> list[tuple[IssueRow, int]]:
    """Candidates for the month's topic (每月一题): the biggest issues with requests in each of the last `months`
    calendar months, i.e. persistent, not a one-off burst. Returns (issue, requests in those months)."""
    if not 1 <= months <= 12:
        raise InvalidInput("months 应在 1–12 之间", field="months")
    now = app.now().astimezone(SHANGHAI)
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    r, m = t.requests, t.issue_members
    with app.uow(read_only=True) as uow:
        c = uow.connection
        seen: dict[int, set] = {}
        counts: Counter = Counter()
        for issue_id, received in c.execute(select(m.c.issue_id, r.c.received_at).join(r, r.c.id == m.c.request_id)
                                            .where(r.c.received_at >= first)):
            seen.setdefault(issue_id, set()).add(f"{received.astimezone(SHANGHAI):%Y-%m}")
            counts[issue_id] += 1
        persistent = {issue_id: counts[issue_id] for issue_id, found in seen.items() if len(found) >= months}
        if not persistent:
            return []
        rows = _rows(c, select(*t.issues.c).where(t.issues.c.id.in_(list(persistent))))
    rows.sort(key=lambda x: (-persistent[x.id], -x.heat, x.id))
    return [(x, persistent[x.id]) for x in rows[:top]]


def merge(app: App, actor: Actor, issue_id: int, master_id: int, member_ids: list[int], reason: str = "") -> int:
    """Merge (并单) chosen members of an issue into one of them, in one transaction: every requester stays linked
    to the master and is called back with it. Returns how many were merged."""
    _, members = get(app, issue_id)
    belong = {x.id for x in members}
    chosen = [x for x in dict.fromkeys(member_ids) if x != master_id]
    if master_id not in belong:
        raise InvalidInput(f"主件 {master_id} 不属于问题 {issue_id}", field="master")
    if not chosen:
        raise InvalidInput("请至少选择一件要并入主件的工单", field="members")
    strangers = [x for x in chosen if x not in belong]
    if strangers:
        raise InvalidInput(f"工单 {strangers[0]} 不属于问题 {issue_id}", field="members")
    now = app.now()
    with app.uow() as uow:
        master = uow.requests.get(master_id)
        for member_id in chosen:
            request = uow.requests.get(member_id)
            request.merge_into(actor, now, master, reason or f"同属一类事（问题 {issue_id}），并入主件")
            uow.requests.save(request)
        uow.requests.save(master)
        uow.commit()
    return len(chosen)
