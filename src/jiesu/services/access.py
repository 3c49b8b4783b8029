"""Who may see what. A handler sees only the cases of its own unit (lead or co-handler), and reads those of the
units under it (its 辖区: a district office its 街道/乡镇 and 社区/村, a 街道 its 社区), supervising them (督办) but
taking no other step and seeing none of their requesters; the other staff roles see every case; a citizen sees a case only with its verification
code. Everyone else gets "not found", which does not reveal that the case exists. Personal data (the requester's name and phone, and what the text holds:
`nlp/pii.py`) is masked everywhere by default; the roles that need it see it in full on request (`reveal`), and
each such request is a line of the audit trail."""

from __future__ import annotations

import hmac
from collections.abc import Collection

from sqlalchemy import or_, select

from jiesu.domain.enums import Role
from jiesu.domain.errors import Forbidden, InvalidInput, NotFound
from jiesu.domain.request import CitizenRequest
from jiesu.domain.validation import mask_name, mask_phone
from jiesu.nlp import pii
from jiesu.services.users import Principal, digest
from jiesu.storage import tables as t

STAFF_SEE_ALL = {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN, Role.SYSTEM}
SEE_PERSONAL_DATA = {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}


def can_read(principal: Principal, request: CitizenRequest) -> bool:
    if principal.role in STAFF_SEE_ALL:
        return True
    if principal.role == Role.HANDLER:
        return principal.unit is not None and (principal.unit == request.lead_unit
                                               or principal.unit in request.co_units
                                               or oversees(principal, request))
    return False


def oversees_only(principal: Principal, request: CitizenRequest) -> bool:
    """Whether the principal reads the case only as its 辖区's (neither leading nor co-handling it)."""
    return (principal.role == Role.HANDLER and principal.unit != request.lead_unit
            and principal.unit not in request.co_units and oversees(principal, request))


def oversees(principal: Principal, request: CitizenRequest) -> bool:
    """Whether the case is led or co-handled by a unit in the principal's 辖区 (`Principal.area`)."""
    return bool(principal.area) and (request.lead_unit in principal.area
                                     or any(code in principal.area for code in request.co_units))


def require_read(principal: Principal, request: CitizenRequest) -> CitizenRequest:
    if not can_read(principal, request):
        raise NotFound(f"诉求 {request.id} 不存在", field="id")
    return request


def sees_personal_data(principal: Principal, request: CitizenRequest) -> bool:
    if principal.role in SEE_PERSONAL_DATA:
        return True
    return principal.role == Role.HANDLER and principal.unit == request.lead_unit  # the lead unit calls the citizen


def reveal(app, principal: Principal, request_id: int) -> CitizenRequest:
    """The case, for showing its personal data in full to `principal`: refused (404 as for any case it may not
    read, 403 when its role may read the case but not the personal data), else recorded in the audit trail in
    the same transaction as the read."""
    from jiesu.services.audit import record

    with app.uow() as uow:
        request = require_read(principal, uow.requests.get(request_id))
        if not sees_personal_data(principal, request):
            raise Forbidden(f"{principal.role.label}无权查看诉求人的完整个人信息", field="reveal")
        record(uow.connection, app.now(), principal.name, "personal_data.reveal", f"诉求 {request_id}",
               {"ticket": request.ticket, "role": principal.role.value})
        uow.commit()
    return request


def text_view(text: str | None, plain: bool) -> str | None:
    """A case's title, text, reply or note: in full when `plain`, else with its personal data masked."""
    return text if plain or not text else pii.mask(text)


def requester_view(request: CitizenRequest, plain: bool) -> dict:
    if plain:
        return {"name": request.requester.name, "phone": request.requester.phone or ""}
    return {"name": mask_name(request.requester.name), "phone": mask_phone(request.requester.phone)}


def check_citizen_code(connection, request_id: int, code: str) -> bool:
    row = connection.execute(select(t.citizen_access.c.code_hash)
                             .where(t.citizen_access.c.request_id == request_id)).first()
    return row is not None and hmac.compare_digest(row.code_hash, digest((code or "").strip().upper()))


SCOPES = ("", "area")  # whose cases a handler's list shows: its unit's, or those of the units under it (辖区)


def list_scope(principal: Principal, scope: str) -> tuple[str | None, frozenset[str] | None]:
    """(visible_to_unit, visible_to_area) of a case list for `principal`: a handler's own unit's cases, or with
    scope "area" its 辖区's; nothing narrowed for the roles that see every case. InvalidInput naming `scope` for
    a scope that is not one, or a 辖区 the principal does not have."""
    if scope not in SCOPES:
        raise InvalidInput(f"范围应为 area（辖区）或不填（本单位）：{scope!r}", field="scope")
    if scope == "area" and not principal.area:
        raise InvalidInput("只有下辖街道、社区等单位的承办单位可查询辖区工单", field="scope")
    if principal.role != Role.HANDLER:
        return None, None
    return (None, principal.area) if scope == "area" else (principal.unit, None)


def unit_sees(unit: str):
    """The SQL condition on `requests` of the cases a handler of `unit` may see: those it leads or co-handles now
    (the co-handled ones as one uncorrelated `IN` subquery, as `area_sees`: a 街道's total 17× faster on SQLite than
    with a correlated `EXISTS`, `bench/area.py`)."""
    r, a = t.requests, t.assignments
    co = select(a.c.request_id).where(a.c.unit == unit, a.c.ended_at.is_(None))
    return or_(r.c.lead_unit == unit, r.c.id.in_(co))


def area_sees(area: Collection[str]):
    """The SQL condition on `requests` of the cases of a 辖区: led or co-handled now by any of its units. The
    co-handled ones as one uncorrelated subquery (`IN`), read once rather than per case (`bench/area.py`: a
    district's total 9× faster on PostgreSQL than with a correlated `EXISTS`)."""
    r, a = t.requests, t.assignments
    co = select(a.c.request_id).where(a.c.unit.in_(area), a.c.ended_at.is_(None))
    return or_(r.c.lead_unit.in_(area), r.c.id.in_(co))
