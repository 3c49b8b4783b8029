"""Loading and saving the CitizenRequest aggregate.

`save` is an optimistic-concurrency write: the request row is updated only if its version is still the
one that was loaded, otherwise ConflictError. Events and follow-ups are append-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from jiesu.domain.enums import Channel, RequestKind, Role, Satisfaction, Urgency
from jiesu.domain.errors import ConflictError, NotFound
from jiesu.domain.request import (
    Assignment,
    CitizenRequest,
    Event,
    FollowUp,
    Location,
    Requester,
)
from jiesu.domain.workflow import Action, Status
from jiesu.storage import tables as t
from jiesu.storage import text_index
from jiesu.storage.cipher import PersonalDataCipher
from jiesu.storage.database import inserted_id

_SHANGHAI = ZoneInfo("Asia/Shanghai")
# Statements built once; values are passed as parameters, so SQLAlchemy reuses the compiled form.
_INSERT = insert(t.requests)
_SET_TICKET = update(t.requests).where(t.requests.c.id == bindparam("_id"))
_UPDATE = update(t.requests).where(t.requests.c.id == bindparam("_id"), t.requests.c.version == bindparam("_version"))
_INSERT_ASSIGNMENTS = insert(t.assignments)
_INSERT_FOLLOW_UPS = insert(t.follow_ups)
_INSERT_EVENTS = insert(t.events)
_ASSIGNMENT_FIELDS = [f for f in Assignment.__dataclass_fields__]

UNITS_NOTES = (Action.NOTE_PROGRESS, Action.REPORT_BACK)  # what the units write on the way: 工单查询 reads it


class RequestRepository:
    def __init__(self, connection: Connection, cipher: PersonalDataCipher) -> None:
        self.connection = connection
        self.cipher = cipher
        self._texts: dict[int, tuple[str, ...]] = {}  # what the word index holds of each case loaded

    # --- reading ---------------------------------------------------------------------------
    def get(self, request_id: int) -> CitizenRequest:
        if not 1 <= request_id <= t.MAX_ID:  # no such id can be stored, nor sent to the database
            raise NotFound(f"诉求 {request_id} 不存在", field="id")
        row = self.connection.execute(select(t.requests).where(t.requests.c.id == request_id)).mappings().first()
        if row is None:
            raise NotFound(f"诉求 {request_id} 不存在", field="id")
        return self._load(row)

    def get_by_ticket(self, ticket: str) -> CitizenRequest:
        row = self.connection.execute(select(t.requests).where(t.requests.c.ticket == ticket)).mappings().first()
        if row is None:
            raise NotFound(f"工单号 {ticket} 不存在", field="ticket")
        return self._load(row)

    def _load(self, row) -> CitizenRequest:
        rid = row["id"]
        c = self.connection
        assignments = [Assignment(**{k: a[k] for k in _ASSIGNMENT_FIELDS}) for a in c.execute(
            select(t.assignments).where(t.assignments.c.request_id == rid).order_by(t.assignments.c.seq)).mappings()]
        follow_ups = [FollowUp(at=f["at"], actor=f["actor"], solved=f["solved"],
                               satisfaction=Satisfaction(f["satisfaction"]) if f["satisfaction"] else None,
                               unit=f["unit"],
                               requester_ref=f["requester_ref"], round=f["round"], note=f["note"],
                               co_units=tuple(f["co_units"]))
                      for f in c.execute(select(t.follow_ups).where(t.follow_ups.c.request_id == rid)
                                         .order_by(t.follow_ups.c.seq)).mappings()]
        events = [Event(seq=e["seq"], at=e["at"], actor=e["actor"], role=Role(e["role"]), action=Action(e["action"]),
                        from_status=Status(e["from_status"]) if e["from_status"] else None,
                        to_status=Status(e["to_status"]), changes=e["changes"], note=e["note"])
                  for e in c.execute(select(t.events).where(t.events.c.request_id == rid)
                                     .order_by(t.events.c.seq)).mappings()]
        request = CitizenRequest(
            id=rid, ticket=row["ticket"], kind=RequestKind(row["kind"]), channel=Channel(row["channel"]),
            title=row["title"], content=row["content"],
            requester=Requester(self.cipher.decrypt(row["requester_name"]),
                                self.cipher.decrypt(row["requester_phone"]) or None),
            location=Location(row["address"], row["division"], row["lat"], row["lon"]),
            category=row["category"], urgency=Urgency(row["urgency"]), received_at=row["received_at"],
            status=Status(row["status"]), sla_policy=row["sla_policy"], resolve_due=row["resolve_due"],
            follow_up_due=row["follow_up_due"], supervise_due=row["supervise_due"],
            supervision_count=row["supervision_count"], pending_return=row["pending_return"],
            pending_extension=row["pending_extension"], extended_by=list(row["extended_by"]), reply=row["reply"],
            adoption=row["adoption"], resolved_at=row["resolved_at"], round=row["round"], unreasonable=row["unreasonable"],
            master_id=row["master_id"], merged_ids=list(row["merged_ids"]), version=row["version"],
            keywords=row["keywords"].split(), anonymised_at=row["anonymised_at"], sensitive=row["sensitive"] or "",
            source_ref=row["source_ref"] or "", assignments=assignments, follow_ups=follow_ups, events=events)
        request.new_events_from = len(events)
        self._texts[rid] = said_of(row)
        return request

    # --- writing ---------------------------------------------------------------------------
    def _row(self, r: CitizenRequest) -> dict:
        return {
            "kind": r.kind.value, "channel": r.channel.value, "title": r.title, "content": r.content,
            "requester_name": self.cipher.encrypt(r.requester.name),
            "requester_phone": self.cipher.encrypt(r.requester.phone),
            "requester_key": self.cipher.lookup_key(r.requester.phone),
            "address": r.location.address, "division": r.location.division, "lat": r.location.lat,
            "lon": r.location.lon, "category": r.category, "urgency": r.urgency.value, "status": r.status.value,
            "received_at": r.received_at, "lead_unit": r.lead_unit, "owner": r.owner, "sla_policy": r.sla_policy,
            "resolve_due": r.resolve_due, "follow_up_due": r.follow_up_due, "supervise_due": r.supervise_due,
            "supervision_count": r.supervision_count, "pending_return": r.pending_return,
            "pending_extension": r.pending_extension, "extended_by": list(r.extended_by), "reply": r.reply,
            "adoption": r.adoption, "resolved_at": r.resolved_at, "round": r.round, "unreasonable": r.unreasonable,
            "master_id": r.master_id, "merged_ids": list(r.merged_ids), "keywords": " ".join(r.keywords)[:200],
            "supplements": "\n".join(e.note for e in r.events if e.action == Action.SUPPLEMENT),
            "notes": "\n".join(e.note for e in r.events if e.action in UNITS_NOTES and e.note),
            "sensitive": r.sensitive or None, "source_ref": r.source_ref or None, "updated_at": r.last_event_at,
        }

    def add(self, request: CitizenRequest) -> CitizenRequest:
        """Insert a new request with its events; gives it an id and a ticket number."""
        row = self._row(request) | {"version": 1}
        request.id = inserted_id(self.connection.execute(_INSERT, row))
        request.ticket = ticket_for(request.received_at, request.id)
        request.version = 1
        self.connection.execute(_SET_TICKET, {"_id": request.id, "ticket": request.ticket})
        self._texts[request.id] = said_of(row)
        text_index.write(self.connection, [(request.id, self._texts[request.id])], new=True)
        self._write_children(request)
        return request

    def save(self, request: CitizenRequest) -> None:
        """Write the changes of an action. ConflictError if someone else saved this case since it was loaded."""
        assert request.id is not None
        row = self._row(request)
        result = self.connection.execute(
            _UPDATE, row | {"_id": request.id, "_version": request.version, "version": request.version + 1})
        if result.rowcount != 1:
            raise ConflictError(f"诉求 {request.ticket or request.id} 已被他人修改，请刷新后重试", field="version")
        request.version += 1
        said = said_of(row)
        if self._texts.get(request.id) != said:  # a 补充诉求 (or any action that changes what the case says): the
            text_index.write(self.connection, [(request.id, said)])  # word index follows
            self._texts[request.id] = said
        self.connection.execute(delete(t.assignments).where(t.assignments.c.request_id == request.id))
        stored_follow_ups = self.connection.execute(
            select(t.follow_ups.c.seq).where(t.follow_ups.c.request_id == request.id)).all()
        self._write_children(request, follow_ups_from=len(stored_follow_ups))

    def _write_children(self, request: CitizenRequest, follow_ups_from: int = 0) -> None:
        rid = request.stored_id
        if request.assignments:
            self.connection.execute(_INSERT_ASSIGNMENTS, [assignment_row(rid, a) for a in request.assignments])
        new_follow_ups = request.follow_ups[follow_ups_from:]
        if new_follow_ups:
            self.connection.execute(_INSERT_FOLLOW_UPS, [
                follow_up_row(rid, seq, f) for seq, f in enumerate(new_follow_ups, start=follow_ups_from + 1)])
        if request.new_events:
            self.connection.execute(_INSERT_EVENTS, [event_row(rid, e) for e in request.new_events])
        request.new_events_from = len(request.events)

    def ids_where(self, *conditions, limit: int | None = None) -> Sequence[int]:
        query = select(t.requests.c.id).where(*conditions).order_by(t.requests.c.id)
        if limit:
            query = query.limit(limit)
        return [r[0] for r in self.connection.execute(query)]


def said_of(row) -> tuple[str, ...]:
    """What 工单查询's word index keeps of the case (`text_index.said`), from its row."""
    return text_index.said(*(row[name] for name in text_index.SEARCHED))


def ticket_for(received_at: datetime, request_id: int) -> str:
    return f"{received_at.astimezone(_SHANGHAI):%Y%m%d}{request_id:07d}"


def assignment_row(request_id: int, a: Assignment) -> dict:
    return {"request_id": request_id, **{k: getattr(a, k) for k in _ASSIGNMENT_FIELDS}}


def follow_up_row(request_id: int, seq: int, f: FollowUp) -> dict:
    return {"request_id": request_id, "seq": seq, "at": f.at, "actor": f.actor, "solved": f.solved,
            "satisfaction": f.satisfaction.value if f.satisfaction else None, "unit": f.unit, "co_units": list(f.co_units),
            "requester_ref": f.requester_ref, "round": f.round, "note": f.note}


def event_row(request_id: int, e: Event) -> dict:
    return {"request_id": request_id, "seq": e.seq, "at": e.at, "actor": e.actor, "role": e.role.value,
            "action": e.action.value, "from_status": e.from_status.value if e.from_status else None,
            "to_status": e.to_status.value, "changes": e.changes, "note": e.note}


