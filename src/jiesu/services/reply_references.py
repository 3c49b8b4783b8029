"""答复参考: for the unit writing a case's 办结答复, the replies to its own earlier cases of the same category that
their requesters called solved and satisfied, most similar in text first — how the unit answered the same matter
before, and was thanked for; a reply the unit gave alike to many (a template) is offered once. Only the unit's
own cases (it may read them anyway), with personal data masked."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select

from jiesu.bootstrap import App
from jiesu.domain.enums import Satisfaction
from jiesu.domain.reply_review import pairs
from jiesu.domain.request import CitizenRequest
from jiesu.domain.workflow import Status
from jiesu.nlp import pii
from jiesu.storage import tables as t

CANDIDATES = 300  # the unit's latest satisfied cases of the category that are compared
SHOWN = 3
FLOOR = 0.2  # cosine over character n-grams below which an earlier case is about something else
ALIKE = 0.8  # share of character pairs above which two replies are one
SETTLED = [Status.CLOSED.value, Status.ARCHIVED.value]


@dataclass(frozen=True)
class ReplyReference:
    id: int
    ticket: str
    title: str  # masked, as the reply
    reply: str
    similarity: float


def references(app: App, case: CitizenRequest) -> list[ReplyReference]:
    """The replies that fit the case best, for its lead unit (none before it has a category and a lead unit)."""
    from jiesu.nlp.similarity import vectors

    if not case.category or not case.lead_unit:
        return []
    r, f = t.requests, t.follow_ups
    thanked = exists().where(f.c.request_id == r.c.id, f.c.round == r.c.round, f.c.requester_ref.is_(None),
                             f.c.solved.is_(True), f.c.satisfaction == Satisfaction.SATISFIED.value)
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(
            select(r.c.id, r.c.ticket, r.c.title, r.c.content, r.c.reply)
            .where(r.c.category == case.category, r.c.lead_unit == case.lead_unit, r.c.id != case.stored_id,
                   r.c.status.in_(SETTLED), r.c.reply.is_not(None), r.c.reply != "", thanked)
            .order_by(r.c.id.desc()).limit(CANDIDATES)).all()
    if not rows:
        return []
    matrix = vectors([f"{case.title}\n{case.content}", *(f"{x.title}\n{x.content}" for x in rows)])
    scores = (matrix[1:] @ matrix[0].T).toarray().ravel()
    ranked = sorted(zip(scores.tolist(), rows, strict=True), key=lambda pair: (-pair[0], -pair[1].id))
    shown: list[ReplyReference] = []
    for score, x in ranked:
        if score < FLOOR or len(shown) == SHOWN:
            break
        if not any(_alike(x.reply, other.reply) for other in shown):  # a unit's template, once
            shown.append(ReplyReference(x.id, x.ticket, pii.mask(x.title), pii.mask(x.reply), round(score, 3)))
    return shown


def _alike(reply: str, other: str) -> bool:
    """The same reply but for a few words (the closing line, a date): most of their character pairs shared."""
    mine, theirs = pairs(reply), pairs(other)
    return len(mine & theirs) >= ALIKE * max(1, min(len(mine), len(theirs)))
