"""办件公开: cases whose requesters agreed, once called back (or answered on the phone), shown to everyone — what
was asked, where (the 街道, never the address), who answered, the answer, and whether the requester found it solved
— with the numbers, ID numbers, cards, e-mail addresses and plates in them masked (`nlp/pii.py`), and never the
requester's name or phone. The requester agrees when sending it (portal, app, or telling the agent on the phone)
and may take it back on the track page (不再公开); a supervisor reads each before it is shown and lets it through
(公开; unless `publication_review` is off) or withholds it (不予公开, with the reason) and may publish it again —
each in the audit trail. Decision 0020."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, exists, insert, or_, select, update

from jiesu.bootstrap import App
from jiesu.domain import validation
from jiesu.domain.calendar import SHANGHAI
from jiesu.domain.enums import Role, UnitKind
from jiesu.domain.errors import InvalidInput
from jiesu.domain.request import CitizenRequest
from jiesu.domain.workflow import Status
from jiesu.nlp import pii
from jiesu.nlp.search_terms import terms
from jiesu.services.audit import record
from jiesu.storage import tables as t
from jiesu.storage import text_index

PUBLISHED = (Status.CLOSED.value, Status.ARCHIVED.value, Status.ANSWERED.value)  # called back, or answered on
# the phone (直接办结); an archived case only with its answer (a merged or withdrawn one has none of its own)
KEEPERS = (Role.SUPERVISOR, Role.ADMIN)  # who may withhold a case from publication, or publish it again
PAGE = 20
MAX_QUERY = 50


@dataclass(frozen=True)
class Consent:
    """A case's publication: agreed when, let through by a supervisor (公开) or not yet, withheld (when, by whom, why)
    or not."""

    consented_at: datetime
    approved_at: datetime | None
    approved_by: str | None
    withheld_at: datetime | None
    withheld_by: str | None
    withheld_reason: str | None


@dataclass(frozen=True)
class PublicCase:
    id: int
    title: str
    content: str
    category: str  # its path, 城乡建设 / 物业管理 / …
    area: str  # the 街道/乡镇 (or 区) it happened in
    unit: str  # who answered
    received_on: date
    answered_on: date | None
    reply: str
    solved: bool | None  # the requester's callback: solved, not solved, or not told (无法联系, not yet)


def consent(connection, request_id: int, at: datetime) -> None:
    """The requester agreed to publication (in the transaction that registers the case)."""
    connection.execute(insert(t.publications).values(request_id=request_id, consented_at=at))


def of_case(connection, request_id: int) -> Consent | None:
    p = t.publications
    row = connection.execute(select(p.c.consented_at, p.c.approved_at, p.c.approved_by, p.c.withheld_at,
                                    p.c.withheld_by, p.c.withheld_reason).where(p.c.request_id == request_id)).first()
    return Consent(*row) if row else None


def approve(app: App, actor: str, request_id: int) -> None:
    """公开: a supervisor has read the case and lets it through (where `publication_review` asks for it; a case
    withheld is published again with `restore`); recorded in the audit trail."""
    p = t.publications
    with app.uow() as uow:
        found = of_case(uow.connection, request_id)
        if found is None:
            raise InvalidInput("诉求人没有同意公开本件", field="publication")
        if found.withheld_at is not None:
            raise InvalidInput("本件已不予公开：如需公开，请恢复公开", field="publication")
        if found.approved_at is not None:
            raise InvalidInput(f"本件已由 {found.approved_by} 审核公开", field="publication")
        uow.connection.execute(update(p).where(p.c.request_id == request_id).values(approved_at=app.now(),
                                                                                    approved_by=actor))
        ticket = uow.connection.execute(select(t.requests.c.ticket).where(t.requests.c.id == request_id)).scalar()
        record(uow.connection, app.now(), actor, "publication.approve", f"诉求 {ticket}", {})
        uow.commit()


def withhold(app: App, actor: str, request_id: int, reason: str) -> None:
    """不予公开: a supervisor keeps a case off 办件公开 (what it says would identify someone, or should not be read by
    all), with the reason; recorded in the audit trail."""
    reason = validation.required_text(reason, "reason", 500)
    _decide(app, actor, request_id, {"withheld_at": app.now(), "withheld_by": actor, "withheld_reason": reason},
            "publication.withhold", {"reason": reason})


def restore(app: App, actor: str, request_id: int) -> None:
    """恢复公开: a case withheld by mistake is published again (if it may be), as let through by whoever restores
    it; recorded in the audit trail."""
    _decide(app, actor, request_id, {"withheld_at": None, "withheld_by": None, "withheld_reason": None,
                                     "approved_at": app.now(), "approved_by": actor}, "publication.restore", {})


def withdraw_consent(app: App, ticket: str, code: str, keys=()) -> CitizenRequest:
    """不再公开: the requester takes back their consent (with the ticket and code, or signed in to 我的诉求: `keys`);
    the case leaves 办件公开 for good. Recorded in the audit trail. Returns the case."""
    from jiesu.services.intake import citizen_case

    case = citizen_case(app, ticket, code, keys)
    p = t.publications
    with app.uow() as uow:
        if uow.connection.execute(delete(p).where(p.c.request_id == case.stored_id)).rowcount != 1:
            raise InvalidInput("您没有同意公开本诉求", field="publication")
        record(uow.connection, app.now(), "诉求人", "publication.withdraw", f"诉求 {case.ticket}", {})
        uow.commit()
    return case


def _decide(app: App, actor: str, request_id: int, values: dict, action: str, detail: dict) -> None:
    p = t.publications
    with app.uow() as uow:
        found = of_case(uow.connection, request_id)
        if found is None:
            raise InvalidInput("诉求人没有同意公开本件，无需处理", field="publication")
        if (found.withheld_at is None) == (values["withheld_at"] is None):
            raise InvalidInput("本件已不予公开" if found.withheld_at else "本件未被设为不予公开", field="publication")
        uow.connection.execute(update(p).where(p.c.request_id == request_id).values(**values))
        ticket = uow.connection.execute(select(t.requests.c.ticket).where(t.requests.c.id == request_id)).scalar()
        record(uow.connection, app.now(), actor, action, f"诉求 {ticket}", detail)
        uow.commit()


_r = t.requests
_COLUMNS = (_r.c.id, _r.c.title, _r.c.content, _r.c.category, _r.c.division, _r.c.lead_unit, _r.c.received_at,
            _r.c.resolved_at, _r.c.reply, _r.c.keywords)  # what a published case is read from


def listed(app: App, q: str = "", category: str = "", area: str = "", before_id: int | None = None,
           limit: int | None = None) -> list[PublicCase]:
    """The published cases, newest first (`before_id` pages on), matching words of `q` in the title or text, under a
    category of any level, in a district, 街道 or 社区."""
    r, p = t.requests, t.publications
    q = (q or "").strip()
    if len(q) > MAX_QUERY:
        raise InvalidInput(f"查询词不超过 {MAX_QUERY} 字", field="q")
    directory = app.current_config().directory
    query = (select(*_COLUMNS).join(p, p.c.request_id == r.c.id)
             .where(*_shown(r, p, app.settings.publication_review))  # newest first along the consents' own key:
             # walked, never sorted whole
             .order_by(p.c.request_id.desc()).limit(max(1, min(limit or PAGE, 100))))
    if before_id is not None:
        query = query.where(p.c.request_id < before_id)
    for word in q.split():
        query = query.where(or_(r.c.title.contains(word, autoescape=True), r.c.content.contains(word, autoescape=True)))
        if pairs := terms(word):  # the cases with the word, from 工单查询's word index, not every consent read
            query = query.where(r.c.id.in_(text_index.matching(app.engine.dialect.name, pairs)))
    if category:
        if category not in directory.categories:
            raise InvalidInput(f"未知事项分类代码 {category!r}", field="category")
        query = query.where(r.c.category.in_(directory.category_subtree(category)))
    if area:
        query = query.where(r.c.division.in_(directory.territory(area)))
    with app.uow(read_only=True) as uow:
        return _public(app, uow.connection, uow.connection.execute(query).all())


SIMILAR = 3  # the published cases shown beside a request being written


def similar(app: App, text: str, limit: int = SIMILAR) -> list[PublicCase]:
    """已公开的类似办件: the published cases sharing the most keywords with a text being written (its keywords read
    as intake reads them; at least two in common, or the one it has), most in common first, then the newest — what
    the portal shows while a citizen types, so that a question already answered needs no case."""
    from jiesu.nlp.keywords import masked_keywords

    words = masked_keywords(text)
    if not words:
        return []
    r, p = t.requests, t.publications
    padded = " " + r.c.keywords + " "
    query = (select(*_COLUMNS).join(p, p.c.request_id == r.c.id)
             .where(*_shown(r, p, app.settings.publication_review),
                    or_(*[padded.contains(f" {word} ", autoescape=True) for word in words]))
             .order_by(p.c.request_id.desc()).limit(200))
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(query).all()
        shared = {row.id: len(set(row.keywords.split()) & set(words)) for row in rows}
        best = sorted((row for row in rows if shared[row.id] >= min(2, len(words))),
                      key=lambda row: (-shared[row.id], -row.id))[:limit]
        return _public(app, uow.connection, best)


def _public(app: App, connection, rows) -> list[PublicCase]:
    """The rows (`_COLUMNS`) as the public reads them: masked, placed by 街道, with the requester's callback."""
    config = app.current_config()
    directory = config.directory
    solved = _callbacks(connection, [row.id for row in rows])
    names = config.unit_names
    hotline = f"{app.settings.hotline_name}热线"  # a question answered on the phone (直接办结)
    return [PublicCase(
        id=row.id, title=pii.mask(row.title), content=pii.mask(row.content),
        category=directory.category_path(row.category) if row.category in directory.categories else "",
        area=names.get(_street(directory, row.division) or "", ""),
        unit=names.get(row.lead_unit, row.lead_unit) if row.lead_unit else hotline,
        received_on=row.received_at.astimezone(SHANGHAI).date(),
        answered_on=row.resolved_at.astimezone(SHANGHAI).date() if row.resolved_at else None,
        reply=pii.mask(row.reply or ""), solved=solved.get(row.id)) for row in rows]


def _street(directory, division: str | None) -> str | None:
    """The 街道/乡镇 a place lies in (or its 区 when no nearer one is known): never a 社区, which would say too much."""
    if not division or division not in directory.units:
        return None
    chain = directory.unit_chain(division)
    for kind in (UnitKind.SUBDISTRICT, UnitKind.DISTRICT):
        found = next((u.code for u in chain if u.kind == kind), None)
        if found:
            return found
    return None


def _callbacks(connection, ids: list[int]) -> dict[int, bool | None]:
    """Whether each case's own requester, called back last, found it solved (None: not reached)."""
    f = t.follow_ups
    solved: dict[int, bool | None] = {}
    if not ids:
        return solved
    rows = connection.execute(select(f.c.request_id, f.c.solved).where(
        f.c.request_id.in_(ids), f.c.requester_ref.is_(None)).order_by(f.c.request_id, f.c.seq))
    for row in rows:
        solved[row.request_id] = row.solved  # the last one counts
    return solved


def _shown(r, p, review: bool) -> list:
    """The conditions of a case on 办件公开 (with `publications` joined): agreed and not withheld (and let through by
    a supervisor, where `review`), answered and its answer final, its own (not merged into another), not found
    unreasonable, its personal data not yet removed."""
    return [*_publishable(r, p), *([p.c.approved_at.is_not(None)] if review else [])]


def _publishable(r, p) -> list:
    return [p.c.withheld_at.is_(None), r.c.status.in_(PUBLISHED), r.c.reply.is_not(None), r.c.reply != "",
            r.c.master_id.is_(None), r.c.anonymised_at.is_(None), r.c.unreasonable != "approved"]


def awaiting_review():
    """The SQL condition on `requests` of the cases a supervisor has still to read before they are published (公开
    or 不予公开): agreed, final, not yet let through nor withheld."""
    r, p = t.requests, t.publications
    return exists().where(p.c.request_id == r.c.id, p.c.approved_at.is_(None), *_publishable(r, p))


def published(app: App, connection, request_id: int) -> bool:
    """Whether the case is on 办件公开 now."""
    r, p = t.requests, t.publications
    review = app.settings.publication_review
    return bool(connection.execute(select(exists().where(
        p.c.request_id == request_id, r.c.id == p.c.request_id, *_shown(r, p, review)))).scalar())
