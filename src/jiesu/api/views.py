"""How a case is shown through the API and on the pages, by who is asking."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.responses import Response

from jiesu.domain.enums import Adoption, Role
from jiesu.domain.reply_review import review_hints
from jiesu.domain.request import CitizenRequest
from jiesu.domain.workflow import ACTION_ROLES, WITH_A_UNIT, Action, Status, allowed_actions, running_deadline
from jiesu.services.access import requester_view, sees_personal_data, text_view
from jiesu.services.intake import urgency_reason
from jiesu.services.users import Principal


def iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _late(due: datetime | None, at: datetime | None) -> bool:
    """Done (or, not done, still not by `at`) after its deadline."""
    return bool(due and at and at > due)


def photo_response(data: bytes, content_type: str) -> Response:
    """A photo (personal data) as its own type only, never sniffed into something else, kept out of shared caches."""
    return Response(data, media_type=content_type, headers={
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store",
        "Content-Security-Policy": "default-src 'none'", "Content-Disposition": "inline"})


def actions_for(principal: Principal, request: CitizenRequest) -> list[str]:
    result = []
    for action in allowed_actions(request.status):
        if principal.role not in ACTION_ROLES[action]:
            continue
        if principal.role == Role.HANDLER and not _handler_may(principal, request, action):
            continue
        if action in _CALLBACK_STEPS and not request.pending_callbacks():
            continue
        if action in _UNREASONABLE_STEPS and _UNREASONABLE_STEPS[action] != request.unreasonable:
            continue
        result.append(action.value)
    return result


def _handler_may(principal: Principal, request: CitizenRequest, action: Action) -> bool:
    """The lead unit takes its steps (下派 if it has units under it, 收回下派 while it has handed some down), a
    co-handler notes its progress and reports back (协办反馈), a unit over the lead (辖区) supervises."""
    if action == Action.SUPERVISE:
        return request.lead_unit in principal.area
    if action == Action.DELEGATE:
        return principal.unit == request.lead_unit and bool(principal.area)
    if action == Action.RECALL:
        return principal.unit == request.lead_unit and bool(request.delegated_units)
    if action == Action.REPORT_BACK:
        return principal.unit in request.co_units
    if action == Action.ASSIGN_OWNER:  # 分办: the lead its case, a co-handler its own part
        return principal.unit == request.lead_unit or principal.unit in request.co_units
    if principal.unit == request.lead_unit:
        return True
    return action == Action.NOTE_PROGRESS and principal.unit in request.co_units


_CALLBACK_STEPS = (Action.FOLLOW_UP, Action.CALLBACK_UNANSWERED, Action.CALLBACK_UNREACHABLE)  # while one is due

# the 不合理诉求 steps, each only where it can be taken: a claim while none is made, a decision while one waits
_UNREASONABLE_STEPS = {Action.FLAG_UNREASONABLE: "none", Action.APPROVE_UNREASONABLE: "pending",
                       Action.REFUSE_UNREASONABLE: "pending"}


def _pending_claim(request: CitizenRequest) -> str | None:
    """The grounds of the 不合理诉求 claim waiting for a decision, for whoever decides it."""
    if request.unreasonable != "pending":
        return None
    return next((e.note for e in reversed(request.events) if e.action == Action.FLAG_UNREASONABLE), None)


def case_view(request: CitizenRequest, principal: Principal, *, events: bool = True, category_path: str | None = None,
              unit_names: dict[str, str] | None = None, revealed: bool = False, now: datetime | None = None) -> dict:
    """The case as the principal may see it: personal data masked unless `revealed` (by `access.reveal`, which
    checks and records it); `may_reveal` says whether this principal could ask. `now`: what is late is late by then."""
    names = unit_names or {}
    lead = request.lead
    running = running_deadline(request.status, request.resolve_due, request.follow_up_due)
    late = bool(now and running and running < now)  # the deadline it works to now has passed
    allowed = sees_personal_data(principal, request)
    plain = revealed and allowed

    def shown(text: str | None) -> str | None:
        return text_view(text, plain)

    view: dict[str, Any] = {
        "id": request.id, "ticket": request.ticket, "version": request.version,
        "status": request.status.value, "status_label": request.status.label,
        "kind": request.kind.value, "kind_label": request.kind.label,
        "channel": request.channel.value, "channel_label": request.channel.label, "source_ref": request.source_ref or None,
        "urgency": request.urgency.value, "urgency_label": request.urgency.label,
        "urgency_reason": shown(urgency_reason(request)),
        "sensitive": shown(request.sensitive or None),  # 敏感诉求: why (never in the requester's own views)
        "emergency_lines": [{"line": t.line.value, "label": t.line.label, "reference": t.reference, "at": iso(t.at),
                             "handed_over": t.handed_over} for t in request.lines_told()],  # 紧急热线联动
        "title": shown(request.title), "content": shown(request.content),
        "requester": requester_view(request, plain), "may_reveal": allowed and not plain and not request.anonymised_at,
        "anonymised_at": iso(request.anonymised_at) if request.anonymised_at else None,
        "location": {"address": request.location.address, "division": request.location.division,
                     "division_name": names.get(request.location.division or ""),
                     "lat": request.location.lat, "lon": request.location.lon},
        "category": request.category, "category_path": category_path,
        "lead_unit": request.lead_unit, "lead_unit_name": names.get(request.lead_unit or ""),
        "owner": request.owner,
        "co_units": request.co_units, "received_at": iso(request.received_at),
        "co_handling": [{"unit": a.unit, "unit_name": names.get(a.unit), "delegated": a.kind == "delegate",
                         "since": iso(a.dispatched_at), "reported_at": iso(a.reported_at) if a.reported_at else None,
                         "report_due": iso(a.report_due), "report_late": _late(a.report_due, a.reported_at or now),
                         "owner": a.owner}
                        for a in request.co_handling()],
        "acknowledge_due": iso(lead.acknowledge_due) if lead else None,
        "acknowledged_at": iso(lead.acknowledged_at) if lead else None,
        "acknowledged_late": bool(lead and lead.acknowledged_at and lead.acknowledged_at > lead.acknowledge_due),
        "contact_due": iso(lead.contact_due) if lead else None,
        "contacted_at": iso(lead.contacted_at) if lead else None,
        "contacted_late": bool(lead and lead.contacted_at and lead.contacted_at > lead.contact_due),
        "resolve_due": iso(request.resolve_due), "follow_up_due": iso(request.follow_up_due),
        "resolve_late": late and request.status in WITH_A_UNIT,  # still with a unit, past its 办结时限
        "follow_up_late": late and request.status == Status.AWAITING_FOLLOW_UP,
        "supervise_due": iso(request.supervise_due), "pending_return": request.pending_return,
        "proposed_unit": request.proposed_unit,
        "pending_extension": request.pending_extension, "reply": shown(request.reply),
        "adoption": request.adoption, "adoption_label": Adoption.label_of(request.adoption) or None,
        "unreasonable": request.unreasonable, "unreasonable_claim": shown(_pending_claim(request)),
        "master_id": request.master_id, "merged_ids": request.merged_ids,
        "round": request.round, "keywords": request.keywords,
        "allowed_actions": actions_for(principal, request),
        "review_hints": review_hints(request) if request.status == Status.RESOLVED else [],  # 审核提示
        "open_question": shown(request.open_question()),  # 请诉求人补充, not answered yet
    }
    if events:
        view["events"] = [{"seq": e.seq, "at": iso(e.at), "actor": e.actor, "role": e.role.value,
                           "action": e.action.value, "action_label": e.action.label,
                           "from_status": e.from_status.value if e.from_status else None,
                           "to_status": e.to_status.value, "note": shown(e.note),
                           "changes": {k: [shown(v) if isinstance(v, str) else v for v in values]
                                       for k, values in e.changes.items()}}
                          for e in request.events]
    return view


def standing_view(found) -> dict:
    """A unit's standing (`services/assessment.UnitStanding`) as JSON: rates as fractions, titles masked."""
    score = found.score

    def shortfalls(items) -> list[dict]:
        return [{"id": x.request_id, "ticket": x.ticket, "title": text_view(x.title, False), "what": x.what,
                 "at": iso(x.at)} for x in items]

    def figures(s) -> dict | None:
        return None if s is None else {
            "due": s.due, "responded": s.responded, "callbacks": s.callbacks, "solved": s.solved,
            "satisfied": s.satisfied, "response_rate": s.response_rate, "resolution_rate": s.resolution_rate,
            "satisfaction_rate": s.satisfaction_rate, "score": s.score, "group": s.group, "rank": s.rank}

    return {"month": found.month, "unit": found.unit, "unit_name": found.unit_name, "figures": figures(score),
            "ranked_among": found.ranked_among, "min_cases": found.min_cases, "counted_at": iso(found.counted_at),
            "late_responses": shortfalls(found.late), "callbacks_lowering": shortfalls(found.callbacks),
            "area": None if found.area is None else [{"unit": s.unit, "figures": figures(s)} for s in found.area],
            "area_total": figures(found.area_total)}
