"""信访 cases: a case registered at the hotline that is also a petition (转为信访件) runs on the statutory clock of
`domain/petition.py` beside its workflow. One transaction per step, each step in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select, update

from jiesu.bootstrap import App
from jiesu.domain.errors import ConflictError, InvalidInput, NotFound
from jiesu.domain.petition import Petition, PetitionAction, PetitionStage
from jiesu.services.audit import record
from jiesu.storage import tables as t


@dataclass(frozen=True)
class PetitionView:
    request_id: int
    ticket: str
    title: str
    petition: Petition
    next_step: str | None
    due_on: date | None
    overdue: bool


def _petition(row) -> Petition:
    return Petition(row["received_on"], PetitionStage(row["stage"]),
                    {k: date.fromisoformat(v) for k, v in row["days"].items()}, row["extended"])


def _load(connection, request_id: int) -> Petition | None:
    row = connection.execute(select(t.petitions).where(t.petitions.c.request_id == request_id)).mappings().first()
    return None if row is None else _petition(row)


def _values(p: Petition, app: App) -> dict:
    return {"received_on": p.received_on, "stage": p.stage.value, "extended": p.extended,
            "days": {k: v.isoformat() for k, v in p.days.items()}, "updated_at": app.now()}


SAME_FACTS = 0.5  # cosine of character n-grams above which two petitions of one person are about the same facts


def _same_facts_closed(connection, cipher, request_id: int) -> str | None:
    """The ticket of a petition by the same requester (the keyed hash of the phone, under the current secret or,
    while it is being rotated, an old one), closed by a final 复核, about what looks like the same facts as this
    case — or None."""
    r, p = t.requests, t.petitions
    mine = connection.execute(select(r.c.requester_phone, r.c.title, r.c.content).where(r.c.id == request_id)).one()
    keys = cipher.lookup_keys(cipher.decrypt(mine.requester_phone))
    if not keys:
        return None
    finals = connection.execute(select(r.c.ticket, r.c.title, r.c.content).join(p, p.c.request_id == r.c.id).where(
        r.c.requester_key.in_(keys), p.c.stage == PetitionStage.FINAL.value, r.c.id != request_id)).all()
    if not finals:
        return None
    from jiesu.nlp.similarity import vectors

    matrix = vectors([f"{x.title} {x.content}" for x in (mine, *finals)])
    scores = (matrix[1:] @ matrix[0].T).toarray().ravel()
    best = int(scores.argmax())
    return finals[best].ticket if scores[best] >= SAME_FACTS else None


def open_petition(app: App, actor: str, request_id: int, received_on: date) -> Petition:
    """Register the case as a petition received on `received_on` (its statutory clock starts the day after)."""
    with app.uow() as uow:
        c = uow.connection
        if c.execute(select(t.requests.c.id).where(t.requests.c.id == request_id)).first() is None:
            raise NotFound(f"诉求 {request_id} 不存在", field="request_id")
        existing = _load(c, request_id)
        if existing is not None:
            if existing.stage == PetitionStage.FINAL:
                raise ConflictError("该事项已复核终结：同一事实和理由不再受理", field="request_id")
            raise ConflictError(f"诉求 {request_id} 已登记为信访件（{existing.stage.label}）", field="request_id")
        if received_on > app.today():
            raise InvalidInput(f"收到日期 {received_on} 晚于今天", field="received_on")
        earlier = _same_facts_closed(c, app.cipher, request_id)
        if earlier is not None:
            raise ConflictError(f"诉求人已就相同事项（工单 {earlier}）复核终结：同一事实和理由不再受理",
                                field="request_id")
        petition = Petition(received_on)
        c.execute(insert(t.petitions).values(request_id=request_id, **_values(petition, app)))
        record(c, app.now(), actor, "petition.open", f"诉求 {request_id}", {"received_on": received_on.isoformat()})
        uow.commit()
    return petition


def act(app: App, actor: str, request_id: int, action: PetitionAction, on: date, reason: str = "") -> Petition:
    """One step of the petition (受理, 不予受理 with its reason, 延期, 处理意见, 复查, 复核) taken on day `on`."""
    if action == PetitionAction.REFUSE and not reason.strip():
        raise InvalidInput("不予受理须写明理由", field="reason")
    if on > app.today():
        raise InvalidInput(f"日期 {on} 晚于今天", field="on")
    with app.uow() as uow:
        c = uow.connection
        petition = _load(c, request_id)
        if petition is None:
            raise NotFound(f"诉求 {request_id} 不是信访件（先登记：jiesu petition open {request_id}）",
                           field="request_id")
        petition.act(action, on, app.config(uow).calendar())
        c.execute(update(t.petitions).where(t.petitions.c.request_id == request_id).values(**_values(petition, app)))
        record(c, app.now(), actor, f"petition.{action.value}", f"诉求 {request_id}",
               {"on": on.isoformat(), "stage": petition.stage.value, "reason": reason.strip()})
        uow.commit()
    return petition


def views(app: App, request_ids: list[int] | None = None, today: date | None = None) -> list[PetitionView]:
    """The petitions (all, or of the given cases) with what is due next and whether the office is late."""
    today = today or app.today()
    query = select(t.petitions, t.requests.c.ticket, t.requests.c.title).join(
        t.requests, t.requests.c.id == t.petitions.c.request_id).order_by(t.petitions.c.request_id)
    if request_ids is not None:
        query = query.where(t.petitions.c.request_id.in_(request_ids))
    with app.uow(read_only=True) as uow:
        calendar = app.config(uow).calendar()
        result = []
        for row in uow.connection.execute(query).mappings().all():
            petition = _petition(row)
            pending = petition.deadline(calendar)
            result.append(PetitionView(row["request_id"], row["ticket"], row["title"], petition,
                                       pending[0] if pending else None, pending[1] if pending else None,
                                       petition.overdue(today, calendar, pending)))
    return result
