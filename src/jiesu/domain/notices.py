"""短信通知: what the requester is told by text message, and when a failed delivery is tried again.

Two notices to the requester, as a hotline sends them: 受理 (the case was received: its ticket and the tracking code,
told once, so that the citizen can follow and rate it on the portal) and 办结 (what was done: the reply, cut to fit a
few messages, and that a callback may follow); and two to a unit's duty phone: 紧急派单 (an emergency was dispatched
to it, so that it is acted on at once and not only when someone next looks at the inbox) and 紧急未签收提醒 (it is past
its sign-for limit and nobody has signed for it); and, when asked for on the portal, a one-time code to list all of a
requester's cases (我的诉求). Pure functions: the outbox, the gateway and the worker are in
`services/notifications.py`."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from jiesu.domain.enums import EmergencyLine, LabelledEnum, Satisfaction


class NoticeKind(LabelledEnum):
    REGISTERED = "registered"
    ANSWERED = "answered"
    URGENT_DISPATCH = "urgent_dispatch"  # to the lead unit's duty phone
    URGENT_REMINDER = "urgent_reminder"  # to it again: the emergency is past its sign-for limit, not signed for
    LOGIN_CODE = "login_code"  # to the requester: a one-time code for 我的诉求 on the portal (kept with their latest case)
    QUESTION = "question"  # to the requester: the unit asks them to add something (请诉求人补充)
    DUE_SOON = "due_soon"  # to the lead unit's duty phone: the case is near its 办结时限, not answered
    OVERDUE = "overdue"  # to it: the case is past its 办结时限, not answered
    REPORT_OVERDUE = "report_overdue"  # to a co-handler's duty phone: past its 协办反馈 limit, not reported back
    REPORT_DUE_SOON = "report_due_soon"  # to it: near its 协办反馈 limit, not reported back
    EXTENDED = "extended"  # to the requester: the unit was given more time (延期 approved), and until when
    SENSITIVE = "sensitive"  # to the centre's duty phone: a 敏感诉求 registered or marked, and why
    HANDED_OVER = "handed_over"  # to the requester: their case went to an emergency line (转紧急热线) and ends here

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {"registered": "受理短信", "answered": "办结短信", "urgent_dispatch": "紧急派单短信",
                "urgent_reminder": "紧急未签收提醒", "login_code": "查询验证码", "due_soon": "即将超期提醒", "question": "请补充短信",
                "overdue": "超期提醒", "report_overdue": "协办超期提醒", "report_due_soon": "协办即将到期提醒",
                "extended": "延期告知短信", "sensitive": "敏感诉求报告", "handed_over": "转紧急热线告知"}


TO_UNITS = (NoticeKind.URGENT_DISPATCH, NoticeKind.URGENT_REMINDER, NoticeKind.DUE_SOON,  # to a unit's duty
            NoticeKind.OVERDUE, NoticeKind.REPORT_OVERDUE, NoticeKind.REPORT_DUE_SOON,  # phone, not the requester
            NoticeKind.SENSITIVE)  # (the centre's own, for this one)


class NoticeStatus(LabelledEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败",
                "cancelled": "已取消"}


LOGIN_CODE_MINUTES = 10  # how long a code texted for 我的诉求 stays valid
TITLE_CHARS = 40  # of the case's title in a 紧急派单 notice
REPLY_CHARS = 120  # of the reply in a 办结 notice (a long text message is several; the whole reply is on the portal)
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
               timedelta(hours=6))  # after the 1st, 2nd, … failed attempt; then the notice is given up (failed)


def where_to_track(portal_url: str) -> str:
    return f"{portal_url.rstrip('/')}/portal" if portal_url else "市民服务热线网站"


def registered_text(hotline: str, ticket: str, code: str, portal_url: str) -> str:
    return (f"【{hotline}】您的诉求已受理，工单号 {ticket}，查询码 {code}。请凭工单号和查询码在"
            f"{where_to_track(portal_url)}查询办理进度、评价办理结果。")


def answered_text(hotline: str, ticket: str, reply: str, portal_url: str, adoption: str | None = None,
                  rate_by_reply: bool = False) -> str:
    """The reply, told to the requester; for a suggestion, with its 采纳情况 (`adoption`: the label) first. With
    `rate_by_reply` (the centre receives text replies, and the case waits for its callback), how to rate it by
    answering the message (短信评价)."""
    reply = " ".join((reply or "").split())
    if len(reply) > REPLY_CHARS:
        reply = reply[:REPLY_CHARS] + "……"
    told = f"办理结果：{reply}" if reply else "已办理完毕"
    what = f"您提出的建议（工单号 {ticket}）采纳情况：{adoption}，" if adoption else f"您反映的问题（工单号 {ticket}）"
    if rate_by_reply:
        return f"【{hotline}】{what}{told}。{RATING_PROMPT}也可在{where_to_track(portal_url)}查看并评价。"
    return (f"【{hotline}】{what}{told}。近期可能回访，请留意来电；"
            f"也可在{where_to_track(portal_url)}查看并评价。")


# 短信评价: the requester answers the 办结 message with one digit (or its words), which records the callback
RATINGS: dict[str, tuple[bool, Satisfaction]] = {
    "1": (True, Satisfaction.SATISFIED), "2": (True, Satisfaction.BASIC), "3": (True, Satisfaction.UNSATISFIED),
    "4": (False, Satisfaction.UNSATISFIED)}
RATING_WORDS = {"已解决满意": "1", "已解决基本满意": "2", "已解决不满意": "3", "未解决": "4", "没解决": "4",
                "没有解决": "4"}  # not a bare 满意 or 不满意: whether it was solved would be a guess
RATING_PROMPT = "请直接回复数字评价：1 已解决满意，2 已解决基本满意，3 已解决不满意，4 未解决；"
_PUNCTUATION = " \t\r\n。.，,！!～~、；;：:“”\"'"


def parse_rating(text: str) -> tuple[bool, Satisfaction] | None:
    """(solved, satisfaction) of a reply to the 办结 message that is a rating, else None (anything else it says is
    for an agent to read). Full-width digits and the words of the four answers are read too."""
    plain = unicodedata.normalize("NFKC", text or "").strip(_PUNCTUATION)
    return RATINGS.get(RATING_WORDS.get(plain, plain))


def _what_where(title: str, place: str) -> str:
    """A case to a unit's duty phone: its (masked) title cut to TITLE_CHARS, and the place."""
    title = title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS] + "……"
    return f"{title}（{place}）" if place else title


def urgent_dispatch_text(hotline: str, ticket: str, unit: str, title: str, place: str) -> str:
    """To the unit's duty phone: an emergency has been dispatched to it (the title masked by the caller)."""
    return f"【{hotline}】紧急工单 {ticket} 已派至{unit}：{_what_where(title, place)}。请立即签收处置。"


def urgent_reminder_text(hotline: str, ticket: str, unit: str, title: str, place: str) -> str:
    """To the unit's duty phone again: the emergency dispatched to it is past its sign-for limit, not signed for."""
    return (f"【{hotline}】紧急工单 {ticket} 已超过签收时限，{unit}仍未签收：{_what_where(title, place)}。"
            "请立即签收处置，中心已督办。")


def sensitive_text(hotline: str, ticket: str, unit: str, title: str, place: str, why: str) -> str:
    """To the centre's duty phone: a 敏感诉求 was registered or marked (the title and the reason masked by the
    caller)."""
    return (f"【{hotline}】敏感诉求 {ticket}（{why}）：{_what_where(title, place)}。请值班领导关注，"
            "督办台「敏感诉求」跟踪。")


def due_soon_text(hotline: str, ticket: str, unit: str, title: str, place: str, due: str) -> str:
    """To the lead unit's duty phone: the case comes to its 办结时限 soon and is not answered."""
    return (f"【{hotline}】工单 {ticket} 将于 {due} 到办结时限，{unit}尚未办结：{_what_where(title, place)}。"
            "请及时办结答复；确需更多时间，请在时限前申请延期。")


def overdue_text(hotline: str, ticket: str, unit: str, title: str, place: str, due: str) -> str:
    """To it: the case is past its 办结时限, not answered."""
    return (f"【{hotline}】工单 {ticket} 已超过办结时限（{due}），{unit}仍未办结：{_what_where(title, place)}。"
            "请尽快办结答复，超期将计入考核。")


def report_overdue_text(hotline: str, ticket: str, unit: str, title: str, place: str, due: str, lead: str) -> str:
    """To a co-handler's duty phone: it has not reported back to the lead unit (协办反馈) by its limit."""
    return (f"【{hotline}】工单 {ticket} 由{unit}协办，协办反馈时限（{due}）已过，尚未向主办单位{lead}反馈："
            f"{_what_where(title, place)}。请尽快在承办箱「协办待反馈」中反馈办理情况。")


def report_due_soon_text(hotline: str, ticket: str, unit: str, title: str, place: str, due: str, lead: str) -> str:
    """To a co-handler's duty phone: its 协办反馈 to the lead unit is due soon and not given yet."""
    return (f"【{hotline}】工单 {ticket} 由{unit}协办，须于 {due} 前向主办单位{lead}反馈，尚未反馈："
            f"{_what_where(title, place)}。请在时限前在承办箱「协办待反馈」中反馈办理情况。")


def question_text(hotline: str, ticket: str, question: str, portal_url: str) -> str:
    """To the requester: the unit handling their case asks them to add something (请诉求人补充)."""
    question = " ".join((question or "").split())
    if len(question) > REPLY_CHARS:
        question = question[:REPLY_CHARS] + "……"
    return (f"【{hotline}】您反映的问题（工单号 {ticket}）承办单位请您补充：{question}。请在"
            f"{where_to_track(portal_url)}凭工单号和查询码补充，或致电 {hotline}。")


def extended_text(hotline: str, ticket: str, unit: str, due: str, portal_url: str) -> str:
    """To the requester: the unit handling their case was given more time (延期 approved): until when. The unit's
    reason is its word to the centre and is not repeated here."""
    return (f"【{hotline}】您反映的问题（工单号 {ticket}）经审核同意，{unit or '承办单位'}的办理时限延长至 {due}。"
            f"办理进度可在{where_to_track(portal_url)}凭工单号和查询码查询，或致电 {hotline}。")


def handed_over_text(hotline: str, ticket: str, line: EmergencyLine) -> str:
    """To the requester who did not hear it on the phone (a message from the portal, the app, 110's own): their case
    is an emergency line's and was passed to it; the hotline sends no unit."""
    return (f"【{hotline}】您反映的问题（工单号 {ticket}）属于 {line.label}的处置范围，已转 {line.label}，"
            f"本热线不再另行派单。情况紧急或有变化，请直接拨打 {line.value}。")


def login_code_text(hotline: str, code: str, minutes: int) -> str:
    return (f"【{hotline}】您的验证码为 {code}，{minutes} 分钟内有效，用于查看您在本热线反映的全部诉求。"
            "如非本人操作，请忽略本短信。")


def next_attempt(attempts: int) -> timedelta | None:
    """How long to wait after the `attempts`-th failed attempt, or None: give up."""
    return RETRY_AFTER[attempts - 1] if 1 <= attempts <= len(RETRY_AFTER) else None
