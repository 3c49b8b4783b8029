"""The request workflow: statuses, actions, and the one literal transition table.

Every action of the domain primer is a row of TRANSITIONS: (status, action) -> next status.
An action that stays in the same status (a progress note, a supervision) still appears, with the
same status as target, so that "is this allowed now?" has exactly one answer: this table.
`ACTION_ROLES` says who may act. docs/workflow.md is this file in prose.
"""

from __future__ import annotations

from datetime import datetime

from jiesu.domain.enums import LabelledEnum, Role
from jiesu.domain.errors import Forbidden, IllegalTransition


class Status(LabelledEnum):
    REGISTERED = "registered"
    ANSWERED = "answered"
    DISPATCHED = "dispatched"
    RETURN_PENDING = "return_pending"
    IN_PROGRESS = "in_progress"
    EXTENSION_PENDING = "extension_pending"
    RESOLVED = "resolved"
    AWAITING_FOLLOW_UP = "awaiting_follow_up"
    CLOSED = "closed"
    MERGED = "merged"
    WITHDRAWN = "withdrawn"
    ARCHIVED = "archived"
    HANDED_OVER = "handed_over"  # 已转紧急热线: the matter is an emergency line's alone (110, 119, 120, 122)

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {"registered": "已受理", "answered": "直接办结", "dispatched": "待签收",
                "return_pending": "退单待审", "in_progress": "办理中", "extension_pending": "延期待审",
                "resolved": "办结待审核", "awaiting_follow_up": "待回访", "closed": "已回访",
                "merged": "已并单", "withdrawn": "已撤回", "archived": "已归档",
                "handed_over": "已转紧急热线"}


class Action(LabelledEnum):
    REGISTER = "register"
    ANSWER_DIRECTLY = "answer_directly"
    DISPATCH = "dispatch"
    ACKNOWLEDGE = "acknowledge"
    RECORD_CONTACT = "record_contact"
    RETURN = "return"
    REJECT_RETURN = "reject_return"
    REDISPATCH = "redispatch"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REFUSE_EXTENSION = "refuse_extension"
    NOTE_PROGRESS = "note_progress"
    RESOLVE = "resolve"
    ACCEPT_REPLY = "accept_reply"
    SEND_BACK = "send_back"
    FOLLOW_UP = "follow_up"
    REOPEN = "reopen"
    SUPERVISE = "supervise"
    MERGE = "merge"
    WITHDRAW = "withdraw"
    FLAG_UNREASONABLE = "flag_unreasonable"
    APPROVE_UNREASONABLE = "approve_unreasonable"
    REFUSE_UNREASONABLE = "refuse_unreasonable"
    ARCHIVE = "archive"
    RECLASSIFY = "reclassify"
    URGE = "urge"
    CHANGE_URGENCY = "change_urgency"
    CALLBACK_UNANSWERED = "callback_unanswered"
    CALLBACK_UNREACHABLE = "callback_unreachable"
    SUPPLEMENT = "supplement"
    ASK_SUPPLEMENT = "ask_supplement"
    DELEGATE = "delegate"
    REPORT_BACK = "report_back"
    RECALL = "recall"
    ASSIGN_OWNER = "assign_owner"
    CHANGE_SENSITIVITY = "change_sensitivity"
    HAND_OVER = "hand_over"
    ALERT_LINE = "alert_line"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {"register": "受理", "answer_directly": "直接办结", "dispatch": "派单", "acknowledge": "签收",
                "record_contact": "联系诉求人", "return": "退单", "reject_return": "驳回退单",
                "redispatch": "改派", "request_extension": "申请延期", "approve_extension": "批准延期",
                "refuse_extension": "驳回延期", "note_progress": "办理进展", "resolve": "办结答复",
                "accept_reply": "审核通过", "send_back": "退回重办", "follow_up": "回访", "reopen": "重办",
                "supervise": "督办", "merge": "并单", "withdraw": "撤回", "flag_unreasonable": "申请不合理诉求",
                "approve_unreasonable": "认定不合理诉求", "refuse_unreasonable": "驳回不合理诉求申请", "archive": "归档",
                "reclassify": "改类", "urge": "催办",
                "change_urgency": "调整紧急程度", "callback_unanswered": "回访未接通",
                "callback_unreachable": "回访无法联系", "supplement": "补充诉求",
                "ask_supplement": "请诉求人补充", "delegate": "下派",
                "report_back": "协办反馈", "recall": "收回下派", "assign_owner": "分办",
                "change_sensitivity": "调整敏感标记", "hand_over": "转紧急热线", "alert_line": "通报紧急热线"}


S, A = Status, Action

# The one literal transition table. (status, action) -> next status.
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (S.REGISTERED, A.ANSWER_DIRECTLY): S.ANSWERED,
    (S.REGISTERED, A.DISPATCH): S.DISPATCHED,
    (S.REGISTERED, A.MERGE): S.MERGED,
    (S.REGISTERED, A.WITHDRAW): S.WITHDRAWN,
    (S.REGISTERED, A.FLAG_UNREASONABLE): S.REGISTERED,
    (S.REGISTERED, A.APPROVE_UNREASONABLE): S.REGISTERED,
    (S.REGISTERED, A.REFUSE_UNREASONABLE): S.REGISTERED,
    (S.REGISTERED, A.RECLASSIFY): S.REGISTERED,

    (S.DISPATCHED, A.ACKNOWLEDGE): S.IN_PROGRESS,
    (S.DISPATCHED, A.ASSIGN_OWNER): S.DISPATCHED,
    (S.DISPATCHED, A.RETURN): S.RETURN_PENDING,
    (S.DISPATCHED, A.REDISPATCH): S.DISPATCHED,
    (S.DISPATCHED, A.SUPERVISE): S.DISPATCHED,
    (S.DISPATCHED, A.MERGE): S.MERGED,
    (S.DISPATCHED, A.WITHDRAW): S.WITHDRAWN,
    (S.DISPATCHED, A.FLAG_UNREASONABLE): S.DISPATCHED,
    (S.DISPATCHED, A.APPROVE_UNREASONABLE): S.DISPATCHED,
    (S.DISPATCHED, A.REFUSE_UNREASONABLE): S.DISPATCHED,
    (S.DISPATCHED, A.RECLASSIFY): S.DISPATCHED,

    (S.RETURN_PENDING, A.REDISPATCH): S.DISPATCHED,
    (S.RETURN_PENDING, A.REJECT_RETURN): S.DISPATCHED,
    (S.RETURN_PENDING, A.WITHDRAW): S.WITHDRAWN,
    (S.RETURN_PENDING, A.RECLASSIFY): S.RETURN_PENDING,

    (S.IN_PROGRESS, A.RECORD_CONTACT): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.NOTE_PROGRESS): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.REQUEST_EXTENSION): S.EXTENSION_PENDING,
    (S.IN_PROGRESS, A.RESOLVE): S.RESOLVED,
    (S.IN_PROGRESS, A.REDISPATCH): S.DISPATCHED,
    (S.IN_PROGRESS, A.SUPERVISE): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.WITHDRAW): S.WITHDRAWN,
    (S.IN_PROGRESS, A.FLAG_UNREASONABLE): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.APPROVE_UNREASONABLE): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.REFUSE_UNREASONABLE): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.RECLASSIFY): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.DELEGATE): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.REPORT_BACK): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.RECALL): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.ASSIGN_OWNER): S.IN_PROGRESS,

    (S.EXTENSION_PENDING, A.APPROVE_EXTENSION): S.IN_PROGRESS,
    (S.EXTENSION_PENDING, A.REFUSE_EXTENSION): S.IN_PROGRESS,
    (S.EXTENSION_PENDING, A.RECORD_CONTACT): S.EXTENSION_PENDING,
    (S.EXTENSION_PENDING, A.NOTE_PROGRESS): S.EXTENSION_PENDING,
    (S.EXTENSION_PENDING, A.SUPERVISE): S.EXTENSION_PENDING,
    (S.EXTENSION_PENDING, A.WITHDRAW): S.WITHDRAWN,
    (S.EXTENSION_PENDING, A.DELEGATE): S.EXTENSION_PENDING,
    (S.EXTENSION_PENDING, A.REPORT_BACK): S.EXTENSION_PENDING,
    (S.EXTENSION_PENDING, A.RECALL): S.EXTENSION_PENDING,
    (S.EXTENSION_PENDING, A.ASSIGN_OWNER): S.EXTENSION_PENDING,

    (S.RESOLVED, A.ACCEPT_REPLY): S.AWAITING_FOLLOW_UP,
    (S.RESOLVED, A.SEND_BACK): S.IN_PROGRESS,
    (S.RESOLVED, A.FLAG_UNREASONABLE): S.RESOLVED,
    (S.RESOLVED, A.APPROVE_UNREASONABLE): S.RESOLVED,
    (S.RESOLVED, A.REFUSE_UNREASONABLE): S.RESOLVED,

    (S.AWAITING_FOLLOW_UP, A.FOLLOW_UP): S.CLOSED,
    (S.AWAITING_FOLLOW_UP, A.CALLBACK_UNANSWERED): S.AWAITING_FOLLOW_UP,
    (S.AWAITING_FOLLOW_UP, A.CALLBACK_UNREACHABLE): S.CLOSED,
    (S.AWAITING_FOLLOW_UP, A.FLAG_UNREASONABLE): S.AWAITING_FOLLOW_UP,
    (S.AWAITING_FOLLOW_UP, A.APPROVE_UNREASONABLE): S.AWAITING_FOLLOW_UP,
    (S.AWAITING_FOLLOW_UP, A.REFUSE_UNREASONABLE): S.AWAITING_FOLLOW_UP,

    (S.CLOSED, A.FOLLOW_UP): S.CLOSED,  # the callbacks of merged requesters after the first
    (S.CLOSED, A.CALLBACK_UNANSWERED): S.CLOSED,
    (S.CLOSED, A.CALLBACK_UNREACHABLE): S.CLOSED,
    (S.CLOSED, A.REOPEN): S.DISPATCHED,
    (S.CLOSED, A.SUPERVISE): S.CLOSED,
    (S.CLOSED, A.ARCHIVE): S.ARCHIVED,
    (S.CLOSED, A.FLAG_UNREASONABLE): S.CLOSED,
    (S.CLOSED, A.APPROVE_UNREASONABLE): S.CLOSED,
    (S.CLOSED, A.REFUSE_UNREASONABLE): S.CLOSED,

    (S.ANSWERED, A.ARCHIVE): S.ARCHIVED,
    (S.MERGED, A.ARCHIVE): S.ARCHIVED,
    (S.WITHDRAWN, A.ARCHIVE): S.ARCHIVED,
    (S.HANDED_OVER, A.ARCHIVE): S.ARCHIVED,

    # 催办: the requester asks again how it is going, while a unit has the case (last, so never the default step)
    (S.DISPATCHED, A.URGE): S.DISPATCHED,
    (S.RETURN_PENDING, A.URGE): S.RETURN_PENDING,
    (S.IN_PROGRESS, A.URGE): S.IN_PROGRESS,
    (S.EXTENSION_PENDING, A.URGE): S.EXTENSION_PENDING,
    (S.RESOLVED, A.URGE): S.RESOLVED,

    # 补充诉求: the requester adds what they know now (a detail, a photo) until the unit has answered (last, so never
    # the default step)
    (S.REGISTERED, A.SUPPLEMENT): S.REGISTERED,
    (S.DISPATCHED, A.SUPPLEMENT): S.DISPATCHED,
    (S.RETURN_PENDING, A.SUPPLEMENT): S.RETURN_PENDING,
    (S.IN_PROGRESS, A.SUPPLEMENT): S.IN_PROGRESS,
    (S.EXTENSION_PENDING, A.SUPPLEMENT): S.EXTENSION_PENDING,
    # 请诉求人补充: the unit handling it asks the requester for what it needs (texted to them; answered by 补充诉求)
    (S.IN_PROGRESS, A.ASK_SUPPLEMENT): S.IN_PROGRESS,
    (S.EXTENSION_PENDING, A.ASK_SUPPLEMENT): S.EXTENSION_PENDING,

    # 调整紧急程度: before dispatch either way; once a unit has the case up (deadlines tighten) or, by the centre, down
    (S.REGISTERED, A.CHANGE_URGENCY): S.REGISTERED,
    (S.DISPATCHED, A.CHANGE_URGENCY): S.DISPATCHED,
    (S.RETURN_PENDING, A.CHANGE_URGENCY): S.RETURN_PENDING,
    (S.IN_PROGRESS, A.CHANGE_URGENCY): S.IN_PROGRESS,
    (S.EXTENSION_PENDING, A.CHANGE_URGENCY): S.EXTENSION_PENDING,

    # 调整敏感标记: a 敏感诉求 (群体性, 舆情, 越级上访, 极端言行) marked or cleared by a person, until the callback is done
    (S.REGISTERED, A.CHANGE_SENSITIVITY): S.REGISTERED,
    (S.DISPATCHED, A.CHANGE_SENSITIVITY): S.DISPATCHED,
    (S.RETURN_PENDING, A.CHANGE_SENSITIVITY): S.RETURN_PENDING,
    (S.IN_PROGRESS, A.CHANGE_SENSITIVITY): S.IN_PROGRESS,
    (S.EXTENSION_PENDING, A.CHANGE_SENSITIVITY): S.EXTENSION_PENDING,
    (S.RESOLVED, A.CHANGE_SENSITIVITY): S.RESOLVED,
    (S.AWAITING_FOLLOW_UP, A.CHANGE_SENSITIVITY): S.AWAITING_FOLLOW_UP,

    # 紧急热线联动: a matter that is an emergency line's alone is handed over to it before dispatch, and the case ends
    # here (转紧急热线); one a unit must also act on (a gas leak: 119 and the gas company) is told to the line too while
    # the case goes on (通报紧急热线). Last, so never the default step.
    (S.REGISTERED, A.HAND_OVER): S.HANDED_OVER,
    (S.REGISTERED, A.ALERT_LINE): S.REGISTERED,
    (S.DISPATCHED, A.ALERT_LINE): S.DISPATCHED,
    (S.RETURN_PENDING, A.ALERT_LINE): S.RETURN_PENDING,
    (S.IN_PROGRESS, A.ALERT_LINE): S.IN_PROGRESS,
    (S.EXTENSION_PENDING, A.ALERT_LINE): S.EXTENSION_PENDING,
}

# Steps the requester's own timeline leaves out (查询进度, 我的诉求): the centre's internal judgement of the case.
NOT_SHOWN_TO_REQUESTER = frozenset({A.CHANGE_SENSITIVITY})

# Statuses in which the case is with a handling unit and its clocks run.
OPEN_STATUSES = frozenset({S.DISPATCHED, S.RETURN_PENDING, S.IN_PROGRESS, S.EXTENSION_PENDING, S.RESOLVED})
FINAL_STATUSES = frozenset({S.ARCHIVED})
# Statuses in which a unit holds the case and its 办结时限 runs (the reply not yet given).
WITH_A_UNIT = frozenset({S.DISPATCHED, S.IN_PROGRESS, S.EXTENSION_PENDING, S.RETURN_PENDING})


def running_deadline(status: Status | str, resolve_due: datetime | None,
                     follow_up_due: datetime | None) -> datetime | None:
    """The deadline a case works to in `status`: its 办结时限 while a unit holds it, its 回访时限 while the callback
    waits; None in every other status, where nothing of it can be late (the one test of 已超期 for the queues, the
    case page and the overdue lists)."""
    status = Status(status)
    if status in WITH_A_UNIT:
        return resolve_due
    return follow_up_due if status == S.AWAITING_FOLLOW_UP else None

_CENTRE = frozenset({Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM})
_DECIDE = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
_UNIT = frozenset({Role.HANDLER})

# Who may act. The centre registers, dispatches and decides; the unit handles.
ACTION_ROLES: dict[Action, frozenset[Role]] = {
    A.REGISTER: _CENTRE | {Role.CITIZEN},
    A.ANSWER_DIRECTLY: frozenset({Role.AGENT, Role.ADMIN, Role.SYSTEM}),
    A.DISPATCH: frozenset({Role.AGENT, Role.DISPATCHER, Role.ADMIN, Role.SYSTEM}),
    A.ACKNOWLEDGE: _UNIT,
    A.RECORD_CONTACT: _UNIT,
    A.RETURN: _UNIT,
    A.REJECT_RETURN: _DECIDE,
    A.REDISPATCH: _DECIDE,
    A.REQUEST_EXTENSION: _UNIT,
    A.APPROVE_EXTENSION: _DECIDE,
    A.REFUSE_EXTENSION: _DECIDE,
    A.NOTE_PROGRESS: _UNIT | _DECIDE,
    A.RESOLVE: _UNIT,
    A.ACCEPT_REPLY: _DECIDE,
    A.SEND_BACK: _DECIDE,
    A.FOLLOW_UP: frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.CITIZEN}),
    A.CALLBACK_UNANSWERED: frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN}),  # the 回访台's calls
    A.CALLBACK_UNREACHABLE: frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN}),
    A.REOPEN: _DECIDE,
    A.SUPERVISE: frozenset({Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM, Role.HANDLER}),  # a handler: its 辖区's cases
    A.MERGE: _DECIDE | {Role.AGENT},
    A.WITHDRAW: frozenset({Role.AGENT, Role.DISPATCHER, Role.ADMIN, Role.CITIZEN}),
    A.FLAG_UNREASONABLE: _UNIT | _DECIDE,
    A.APPROVE_UNREASONABLE: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    A.REFUSE_UNREASONABLE: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    A.ARCHIVE: frozenset({Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM}),
    A.RECLASSIFY: _DECIDE | {Role.AGENT},
    A.URGE: frozenset({Role.AGENT, Role.CITIZEN, Role.ADMIN}),  # on the phone again, or on the portal
    A.CHANGE_URGENCY: _DECIDE | {Role.AGENT},  # the agent hears it is worse now; the dispatcher corrects intake
    A.SUPPLEMENT: frozenset({Role.AGENT, Role.CITIZEN, Role.ADMIN}),  # on the phone again, or on the portal
    A.ASK_SUPPLEMENT: _UNIT,
    A.DELEGATE: frozenset({Role.HANDLER}),  # the lead unit, to a unit under it (a 街道 to its 社区)
    A.REPORT_BACK: _UNIT,  # a co-handling unit: its part is done, told to the lead unit
    A.RECALL: _UNIT,  # the lead unit takes back what it handed down (下派)
    A.ASSIGN_OWNER: _UNIT,  # 分办: the lead unit gives the case to one of its own staff (a co-handler, its own part)
    A.CHANGE_SENSITIVITY: _DECIDE | {Role.AGENT},  # the agent hears a threat on the phone; the centre corrects intake
    A.HAND_OVER: frozenset({Role.AGENT, Role.DISPATCHER, Role.ADMIN}),  # who takes the call, or reads the message
    A.ALERT_LINE: _DECIDE | {Role.AGENT},
}


def next_status(status: Status, action: Action) -> Status:
    """The status after `action`, or IllegalTransition naming both."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        allowed = "、".join(a.label for (s, a) in TRANSITIONS if s == status) or "无"
        raise IllegalTransition(
            f"当前状态「{status.label}」({status.value}) 不允许执行「{action.label}」({action.value})；"
            f"此状态下可执行：{allowed}",
            field="action",
        ) from None


def check_role(action: Action, role: Role) -> None:
    if role not in ACTION_ROLES[action]:
        who = "、".join(r.label for r in sorted(ACTION_ROLES[action]))
        raise Forbidden(f"角色「{role.label}」不能执行「{action.label}」；可执行者：{who}", field="role")


def allowed_actions(status: Status) -> list[Action]:
    return [a for (s, a) in TRANSITIONS if s == status]
