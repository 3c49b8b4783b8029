"""信访: a petition runs on its own statutory clock (《信访工作条例》), apart from the hotline's working-day limits.

- Whether to accept is decided within 15 days of receipt.
- An accepted petition is answered (处理意见) within 60 days of acceptance; once, with approval, 30 days more.
- The petitioner may ask for a review (复查) within 30 days of the answer; the review is answered within 30 days.
- Then a re-review (复核) may be asked within 30 days of the review; it is answered within 30 days and is final:
  the same facts are not accepted again.

Periods are in calendar days counted from the day after the event; a period whose last day is not a working day
(a weekend, a statutory holiday) ends on the next working day, as procedural periods do in Chinese law. The clock
is pure: it takes the calendar and the dates it is given, and reads no time of its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from jiesu.domain.calendar import WorkCalendar
from jiesu.domain.errors import IllegalTransition, InvalidInput

ACCEPT_DAYS, ANSWER_DAYS, EXTENSION_DAYS, ASK_DAYS, REVIEW_DAYS = 15, 60, 30, 30, 30


class PetitionStage(StrEnum):
    REGISTERED = "registered"
    NOT_ACCEPTED = "not_accepted"
    ACCEPTED = "accepted"
    ANSWERED = "answered"
    REVIEWING = "reviewing"
    REVIEWED = "reviewed"
    RE_REVIEWING = "re_reviewing"
    FINAL = "final"

    @property
    def label(self) -> str:
        return {"registered": "待决定受理", "not_accepted": "不予受理", "accepted": "办理中",
                "answered": "已出具处理意见", "reviewing": "复查中", "reviewed": "已出具复查意见",
                "re_reviewing": "复核中", "final": "复核终结"}[self.value]


class PetitionAction(StrEnum):
    ACCEPT = "accept"
    REFUSE = "refuse"
    EXTEND = "extend"
    ANSWER = "answer"
    ASK_REVIEW = "ask_review"
    ANSWER_REVIEW = "answer_review"
    ASK_RE_REVIEW = "ask_re_review"
    ANSWER_RE_REVIEW = "answer_re_review"

    @property
    def label(self) -> str:
        return {"accept": "受理", "refuse": "不予受理", "extend": "延长办理期限", "answer": "出具处理意见",
                "ask_review": "申请复查", "answer_review": "出具复查意见", "ask_re_review": "申请复核",
                "answer_re_review": "出具复核意见"}[self.value]

    @classmethod
    def parse(cls, text: str) -> PetitionAction:
        for action in cls:
            if text in (action.value, action.label):
                return action
        raise InvalidInput(f"未知信访操作 {text!r}，可选：{'、'.join(f'{a.value}（{a.label}）' for a in cls)}",
                           field="action")


# action: (the stage it is taken in, the stage it leads to)
MOVES = {
    PetitionAction.ACCEPT: (PetitionStage.REGISTERED, PetitionStage.ACCEPTED),
    PetitionAction.REFUSE: (PetitionStage.REGISTERED, PetitionStage.NOT_ACCEPTED),
    PetitionAction.ANSWER: (PetitionStage.ACCEPTED, PetitionStage.ANSWERED),
    PetitionAction.EXTEND: (PetitionStage.ACCEPTED, PetitionStage.ACCEPTED),
    PetitionAction.ASK_REVIEW: (PetitionStage.ANSWERED, PetitionStage.REVIEWING),
    PetitionAction.ANSWER_REVIEW: (PetitionStage.REVIEWING, PetitionStage.REVIEWED),
    PetitionAction.ASK_RE_REVIEW: (PetitionStage.REVIEWED, PetitionStage.RE_REVIEWING),
    PetitionAction.ANSWER_RE_REVIEW: (PetitionStage.RE_REVIEWING, PetitionStage.FINAL),
}


# the stages in which the office owes the next step (in the others the petitioner may ask for a review)
OFFICE_STAGES = (PetitionStage.REGISTERED, PetitionStage.ACCEPTED, PetitionStage.REVIEWING,
                 PetitionStage.RE_REVIEWING)


def period_end(start: date, days: int, calendar: WorkCalendar) -> date:
    """The last day of a period of `days` calendar days after `start`, moved on to a working day."""
    last = start + timedelta(days=days)
    return last if calendar.is_workday(last) else calendar.next_workday(last)


_NOT_GIVEN = object()  # `overdue` works out the deadline itself


@dataclass
class Petition:
    received_on: date
    stage: PetitionStage = PetitionStage.REGISTERED
    days: dict[str, date] = field(default_factory=dict)  # action value → the day it was taken
    extended: bool = False

    def deadline(self, calendar: WorkCalendar) -> tuple[str, date] | None:
        """What must happen next and by which day (None when nothing is pending)."""
        d = self.days
        if self.stage == PetitionStage.REGISTERED:
            return "决定是否受理", period_end(self.received_on, ACCEPT_DAYS, calendar)
        if self.stage == PetitionStage.ACCEPTED:
            days = ANSWER_DAYS + (EXTENSION_DAYS if self.extended else 0)
            return "出具处理意见", period_end(d[PetitionAction.ACCEPT], days, calendar)
        if self.stage == PetitionStage.ANSWERED:
            return "信访人可申请复查至", period_end(d[PetitionAction.ANSWER], ASK_DAYS, calendar)
        if self.stage == PetitionStage.REVIEWING:
            return "出具复查意见", period_end(d[PetitionAction.ASK_REVIEW], REVIEW_DAYS, calendar)
        if self.stage == PetitionStage.REVIEWED:
            return "信访人可申请复核至", period_end(d[PetitionAction.ANSWER_REVIEW], ASK_DAYS, calendar)
        if self.stage == PetitionStage.RE_REVIEWING:
            return "出具复核意见", period_end(d[PetitionAction.ASK_RE_REVIEW], REVIEW_DAYS, calendar)
        return None

    def act(self, action: PetitionAction, on: date, calendar: WorkCalendar) -> None:
        before, after = MOVES[action]
        if self.stage != before:
            if self.stage == PetitionStage.FINAL:
                raise IllegalTransition("复核意见为终结意见：同一事实和理由不再受理", field="action")
            raise IllegalTransition(f"信访件处于「{self.stage.label}」，不能「{action.label}」", field="action")
        last = max([self.received_on, *self.days.values()])
        if on < last:
            raise InvalidInput(f"日期 {on} 早于上一步（{last}）", field="on")
        if action == PetitionAction.EXTEND and self.extended:
            raise InvalidInput("办理期限只能延长一次（30 日）", field="action")
        pending = self.deadline(calendar)
        if action in (PetitionAction.EXTEND, PetitionAction.ASK_REVIEW, PetitionAction.ASK_RE_REVIEW) and pending:
            what, until = pending
            if on > until:
                reason = "延长须在办理期限届满前批准" if action == PetitionAction.EXTEND else f"已超过{what} {until}"
                raise InvalidInput(f"{action.label}：{reason}", field="on")
        if action == PetitionAction.EXTEND:
            self.extended = True
        self.days[action.value] = on
        self.stage = after

    def next_steps(self) -> list[PetitionAction]:
        """The steps that may be recorded in this stage (none once it is final; the extension only once)."""
        return [a for a, (before, _) in MOVES.items()
                if before == self.stage and not (a == PetitionAction.EXTEND and self.extended)]

    def overdue(self, today: date, calendar: WorkCalendar, pending: Any = _NOT_GIVEN) -> bool:
        """True when the office (not the petitioner) has let its own deadline pass. `pending`: `deadline(calendar)`
        when the caller has it already."""
        due: tuple[str, date] | None = self.deadline(calendar) if pending is _NOT_GIVEN else pending
        return due is not None and self.stage in OFFICE_STAGES and today > due[1]
