"""话务记录: the calls the hotline's telephony (its ACD/CTI) reports, one record a call, and how a centre reads them.

A call enters the queue (`offered_at`), is answered by an agent (`answered_at`, `agent`) or the caller hangs up
first (呼损, abandoned), and ends (`ended_at`). The figures a 12345 centre is judged by, as call centres define them:

- 接通率: answered / counted calls, where a caller who hangs up within `SHORT_ABANDON` seconds of entering the queue
  (a misdial, the greeting not waited for) is not counted — no agent could have answered;
- 20 秒接通率 (service level): answered within `ANSWER_WITHIN` seconds / counted calls;
- 平均等待 (ASA): the mean wait of the answered calls; 平均通话: the mean talk time of the answered calls;
- 平均处理 (AHT): talk and the after-call work (话后整理) until the agent is ready again (`wrapped_at`), where the
  telephony reports it — what the staffing advice takes as a call's handling time (the talk alone where it does not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from jiesu.domain import validation
from jiesu.domain.errors import InvalidInput

SHORT_ABANDON = 5  # seconds: a hang-up this soon is not held against the centre
ANSWER_WITHIN = 20  # seconds: the service level's threshold (80 % within 20 s is the usual target)
LONGEST = timedelta(hours=12)  # no call lasts longer: a record saying so has its times wrong
LONGEST_WRAP = timedelta(hours=1)  # no after-call work lasts longer
CLOCK_SKEW = timedelta(minutes=5)  # the telephony's clock may run a little ahead of ours
_OTHER_NUMBER = re.compile(r"^\+?\d{3,20}$")  # a number validation.phone does not know (abroad, a short code)


@dataclass(frozen=True)
class Call:
    """One call as the telephony reported it; `caller` is "" when the number was withheld."""

    ref: str  # the telephony's own id of the call (its CDR's call id): a record sent twice is kept once
    caller: str
    offered_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    agent: str | None  # the user name of the agent who answered (jiesu's, as the softphone logs in)
    wrapped_at: datetime | None = None  # the agent ready again after the after-call work, where reported

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def wait_seconds(self) -> float:
        """How long the caller waited in the queue: until answered, or until they hung up."""
        return ((self.answered_at or self.ended_at) - self.offered_at).total_seconds()

    @property
    def talk_seconds(self) -> float | None:
        return (self.ended_at - self.answered_at).total_seconds() if self.answered_at else None

    @property
    def wrap_seconds(self) -> float | None:
        """The after-call work (话后整理), where the telephony reports its end."""
        return (self.wrapped_at - self.ended_at).total_seconds() if self.wrapped_at else None

    @property
    def handle_seconds(self) -> float | None:
        """Talk and after-call work (the talk alone where the end of the work is not reported)."""
        return ((self.wrapped_at or self.ended_at) - self.answered_at).total_seconds() if self.answered_at else None

    @property
    def short_abandon(self) -> bool:
        return not self.answered and self.wait_seconds <= SHORT_ABANDON


def parse(*, ref: str | None, caller: str | None, offered_at: datetime | None, answered_at: datetime | None,
          ended_at: datetime | None, agent: str | None, now: datetime, field: str = "",
          wrapped_at: datetime | None = None) -> Call:
    """A call record checked whole; every error names its field (prefixed by `field`, e.g. `calls[3].`)."""
    ref_text = validation.reference(ref, f"{field}ref", "通话编号")
    if not ref_text:
        raise InvalidInput("缺少通话编号", field=f"{field}ref")
    if offered_at is None:
        raise InvalidInput("缺少来电时间（进入排队的时刻）", field=f"{field}offered_at")
    if ended_at is None:
        raise InvalidInput("缺少挂机时间", field=f"{field}ended_at")
    for name, moment in (("offered_at", offered_at), ("answered_at", answered_at), ("ended_at", ended_at),
                         ("wrapped_at", wrapped_at)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput("时间必须带时区（如 2026-12-01T09:30:00+08:00）", field=f"{field}{name}")
    if ended_at < offered_at:
        raise InvalidInput("挂机时间早于来电时间", field=f"{field}ended_at")
    if ended_at - offered_at > LONGEST:
        raise InvalidInput("通话超过 12 小时：时间有误", field=f"{field}ended_at")
    if ended_at > now + CLOCK_SKEW:
        raise InvalidInput("挂机时间晚于当前时间", field=f"{field}ended_at")
    if answered_at is not None and not offered_at <= answered_at <= ended_at:
        raise InvalidInput("接听时间应在来电与挂机之间", field=f"{field}answered_at")
    if wrapped_at is not None and answered_at is None:
        raise InvalidInput("未接听的来电没有话后整理", field=f"{field}wrapped_at")
    if wrapped_at is not None and not ended_at <= wrapped_at <= ended_at + LONGEST_WRAP:
        raise InvalidInput("话后整理结束时间应在挂机后 1 小时内", field=f"{field}wrapped_at")
    agent_name = (agent or "").strip() or None
    if agent_name is not None and answered_at is None:
        raise InvalidInput("未接听的来电不应有接听坐席", field=f"{field}agent")
    if agent_name is not None and len(agent_name) > 100:
        raise InvalidInput("坐席用户名超过 100 字符", field=f"{field}agent")
    return Call(ref_text, _caller(caller, f"{field}caller"), offered_at, answered_at, ended_at, agent_name,
                wrapped_at)


def _caller(value: str | None, field: str) -> str:
    """The caller's number in the form cases keep it (so that a caller's calls and cases meet), a number from
    abroad or a short code as its digits, "" when withheld."""
    text = re.sub(r"[\s\-()（）]", "", value or "")
    if not text or text.lower() in ("anonymous", "unknown", "withheld", "private"):
        return ""
    try:
        return validation.phone(value, field=field) or ""
    except InvalidInput:
        if _OTHER_NUMBER.match(text):
            return text
        raise


@dataclass(frozen=True)
class Figures:
    """The figures of a set of calls, as the `calls` metric computes them over the analytics store."""

    offered: int
    answered: int
    abandoned: int  # hung up in the queue after SHORT_ABANDON seconds (呼损)
    short_abandoned: int
    answer_rate: float | None  # percent of the counted calls (all but the short abandons)
    service_level: float | None  # percent of the counted calls answered within ANSWER_WITHIN seconds
    mean_wait: float | None  # seconds, of the answered
    mean_talk: float | None  # seconds, of the answered


def summarise(calls: list[Call]) -> Figures:
    answered = [call for call in calls if call.answered]
    short = sum(call.short_abandon for call in calls)
    counted = len(calls) - short
    in_time = sum(call.wait_seconds <= ANSWER_WITHIN for call in answered)

    def percent(part: int) -> float | None:
        return round(100 * part / counted, 1) if counted else None

    def mean(values: list[float]) -> float | None:
        return round(sum(values) / len(values), 1) if values else None

    return Figures(len(calls), len(answered), counted - len(answered), short, percent(len(answered)),
                   percent(in_time), mean([call.wait_seconds for call in answered]),
                   mean([call.talk_seconds or 0.0 for call in answered]))
