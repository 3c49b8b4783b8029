"""知识采编: the 知识库 grows from the answers given. An agent who answered a question that the 知识库 did not hold
— on the phone (直接办结), or through a unit's reply — proposes the answer as an article, from the case or from the
知识库 page; an editor (督办, 管理员) accepts it, edited as needed, into an article, or declines it with the reason.
The text is proposed with personal data masked (a reply may name the requester's phone or plate), and every step
is in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from jiesu.bootstrap import App
from jiesu.domain.errors import ConflictError, InvalidInput, NotFound
from jiesu.nlp import pii
from jiesu.services import knowledge
from jiesu.services.audit import record
from jiesu.storage import tables as t
from jiesu.storage.database import inserted_id

PENDING, ACCEPTED, DECLINED = "pending", "accepted", "declined"
_p = t.knowledge_proposals


@dataclass(frozen=True)
class Proposal:
    id: int
    title: str
    answer: str
    category: str | None
    request_id: int | None  # the case it was answered in
    proposed_by: str
    proposed_at: datetime
    status: str
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None  # why it was declined
    article_id: int | None = None  # the article made from it


def propose(app: App, by: str, title: str, answer: str, category: str | None = None,
            request_id: int | None = None) -> int:
    """Propose an answer for the 知识库, its personal data masked. Returns the proposal's id; InvalidInput names the
    field that is wrong (the same rules as an article's)."""
    with app.uow() as uow:
        article = knowledge.checked(app, uow, knowledge.Article(pii.mask(title or ""), pii.mask(answer or ""),
                                                                category))
        c = uow.connection
        if request_id is not None and c.execute(select(t.requests.c.id).where(t.requests.c.id == request_id)
                                                ).first() is None:
            raise NotFound(f"诉求 {request_id} 不存在", field="request_id")
        proposal_id = inserted_id(c.execute(insert(_p).values(
            title=article.title, answer=article.answer, category=article.category, request_id=request_id,
            proposed_by=by, proposed_at=app.now(), status=PENDING)))
        record(c, app.now(), by, "knowledge.propose", f"知识建议 {proposal_id}",
               {"title": article.title, "request_id": request_id})
        uow.commit()
    return proposal_id


def pending(app: App) -> list[Proposal]:
    """The proposals waiting for an editor, oldest first."""
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(select(_p).where(_p.c.status == PENDING).order_by(_p.c.id)).mappings()
        return [Proposal(**row) for row in rows]


def get(app: App, proposal_id: int) -> Proposal:
    with app.uow(read_only=True) as uow:
        return _get(uow.connection, proposal_id)


def _get(connection, proposal_id: int) -> Proposal:
    row = connection.execute(select(_p).where(_p.c.id == proposal_id)).mappings().first()
    if row is None:
        raise NotFound(f"知识建议 {proposal_id} 不存在", field="proposal")
    return Proposal(**row)


def _pending(connection, proposal_id: int) -> Proposal:
    proposal = _get(connection, proposal_id)
    if proposal.status != PENDING:
        done = "采纳" if proposal.status == ACCEPTED else "不采纳"
        raise ConflictError(f"知识建议 {proposal_id} 已由 {proposal.decided_by} {done}", field="proposal")
    return proposal


def accept(app: App, editor: str, proposal_id: int, article: knowledge.Article) -> int:
    """Accept a proposal as `article` (the proposal as the editor edited it; a new article, or a change to an
    existing one it belongs in), in one transaction. Returns the article's id."""
    with app.uow() as uow:
        _pending(uow.connection, proposal_id)
        article_id = knowledge.save_within(app, uow, editor, article)
        uow.connection.execute(update(_p).where(_p.c.id == proposal_id).values(
            status=ACCEPTED, decided_by=editor, decided_at=app.now(), article_id=article_id))
        record(uow.connection, app.now(), editor, "knowledge.accept", f"知识建议 {proposal_id}",
               {"article_id": article_id})
        uow.commit()
    app.knowledge.invalidate()
    return article_id


def decline(app: App, editor: str, proposal_id: int, reason: str) -> None:
    """Decline a proposal with the reason (the proposer reads it on the 知识库 page)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请说明不采纳的理由", field="reason")
    with app.uow() as uow:
        _pending(uow.connection, proposal_id)
        uow.connection.execute(update(_p).where(_p.c.id == proposal_id).values(
            status=DECLINED, decided_by=editor, decided_at=app.now(), reason=reason[:2000]))
        record(uow.connection, app.now(), editor, "knowledge.decline", f"知识建议 {proposal_id}", {"reason": reason})
        uow.commit()


def mine(app: App, by: str, limit: int = 20) -> list[Proposal]:
    """The proposer's own latest proposals, and what became of them."""
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(select(_p).where(_p.c.proposed_by == by).order_by(_p.c.id.desc())
                                      .limit(limit)).mappings()
        return [Proposal(**row) for row in rows]
