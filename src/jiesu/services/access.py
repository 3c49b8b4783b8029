"""Who may see what. A handler sees only the cases of its own unit (lead or co-handler); the other staff roles
see every case; a citizen sees a case only with its verification code. Everyone else gets "not found", which
does not reveal that the case exists. Personal data is shown only to the roles that need it."""

from __future__ import annotations

import hmac

from sqlalchemy import select

from jiesu.domain.enums import Role
from jiesu.domain.errors import NotFound
from jiesu.domain.request import CitizenRequest
from jiesu.domain.validation import mask_name, mask_phone
from jiesu.services.users import Principal, digest
from jiesu.storage import tables as t

STAFF_SEE_ALL = {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN, Role.SYSTEM}
SEE_PERSONAL_DATA = {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}


def can_read(principal: Principal, request: CitizenRequest) -> bool:
    if principal.role in STAFF_SEE_ALL:
        return True
    if principal.role == Role.HANDLER:
        return principal.unit is not None and (principal.unit == request.lead_unit
                                               or principal.unit in request.co_units)
    return False


def require_read(principal: Principal, request: CitizenRequest) -> CitizenRequest:
    if not can_read(principal, request):
        raise NotFound(f"诉求 {request.id} 不存在", field="id")
    return request


def sees_personal_data(principal: Principal, request: CitizenRequest) -> bool:
    if principal.role in SEE_PERSONAL_DATA:
        return True
    return principal.role == Role.HANDLER and principal.unit == request.lead_unit  # the lead unit calls the citizen


def requester_view(principal: Principal | None, request: CitizenRequest) -> dict:
    if principal is not None and sees_personal_data(principal, request):
        return {"name": request.requester.name, "phone": request.requester.phone or ""}
    return {"name": mask_name(request.requester.name), "phone": mask_phone(request.requester.phone)}


def check_citizen_code(connection, request_id: int, code: str) -> bool:
    row = connection.execute(select(t.citizen_access.c.code_hash)
                             .where(t.citizen_access.c.request_id == request_id)).first()
    return row is not None and hmac.compare_digest(row.code_hash, digest((code or "").strip().upper()))
