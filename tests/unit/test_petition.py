"""信访 clock with literal dates: 15 days to decide, 60 (+30 once) to answer, 30 to ask for a review and 30 to
answer it, the same for the re-review, which is final; a period ending on a holiday ends on the next working day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from jiesu.domain.calendar import DayRule, WorkCalendar
from jiesu.domain.errors import IllegalTransition, InvalidInput
from jiesu.domain.petition import Petition, PetitionAction, PetitionStage, period_end

A = PetitionAction
NATIONAL_DAY = {date(2026, 10, 1) + timedelta(days=i): DayRule(date(2026, 10, 1) + timedelta(days=i), False, "国庆节")
                for i in range(7)}
CALENDAR = WorkCalendar(rules={**NATIONAL_DAY, date(2026, 10, 10): DayRule(date(2026, 10, 10), True, "调休上班")},
                        covered_years={2026, 2027})


def test_a_period_ending_on_a_holiday_ends_on_the_next_working_day():
    assert period_end(date(2026, 9, 16), 15, CALENDAR) == date(2026, 10, 8)  # 10-01 is National Day
    assert period_end(date(2026, 9, 25), 15, CALENDAR) == date(2026, 10, 10)  # a make-up working Saturday
    assert period_end(date(2026, 11, 2), 15, CALENDAR) == date(2026, 11, 17)  # an ordinary Tuesday


def test_a_petition_walks_its_statutory_clock_to_the_final_re_review():
    p = Petition(received_on=date(2026, 9, 16))
    assert p.deadline(CALENDAR) == ("决定是否受理", date(2026, 10, 8))
    p.act(A.ACCEPT, date(2026, 9, 28), CALENDAR)
    assert p.deadline(CALENDAR) == ("出具处理意见", date(2026, 11, 27))  # 60 days after 09-28
    p.act(A.EXTEND, date(2026, 11, 20), CALENDAR)
    assert p.deadline(CALENDAR) == ("出具处理意见", date(2026, 12, 28))  # 90 days: 12-27 is a Sunday
    p.act(A.ANSWER, date(2026, 12, 21), CALENDAR)
    assert p.deadline(CALENDAR) == ("信访人可申请复查至", date(2027, 1, 20))
    p.act(A.ASK_REVIEW, date(2027, 1, 18), CALENDAR)
    assert p.deadline(CALENDAR) == ("出具复查意见", date(2027, 2, 17))
    p.act(A.ANSWER_REVIEW, date(2027, 2, 10), CALENDAR)
    p.act(A.ASK_RE_REVIEW, date(2027, 3, 1), CALENDAR)
    p.act(A.ANSWER_RE_REVIEW, date(2027, 3, 25), CALENDAR)
    assert p.stage == PetitionStage.FINAL and p.deadline(CALENDAR) is None
    with pytest.raises(IllegalTransition, match="同一事实和理由不再受理"):
        p.act(A.ASK_REVIEW, date(2027, 3, 26), CALENDAR)


def test_late_requests_a_second_extension_and_steps_out_of_order_are_refused():
    p = Petition(received_on=date(2026, 11, 2))
    with pytest.raises(IllegalTransition, match="待决定受理"):
        p.act(A.ANSWER, date(2026, 11, 3), CALENDAR)
    with pytest.raises(InvalidInput, match="早于上一步") as error:
        p.act(A.ACCEPT, date(2026, 11, 1), CALENDAR)
    assert error.value.field == "on"
    p.act(A.ACCEPT, date(2026, 11, 3), CALENDAR)
    p.act(A.EXTEND, date(2026, 11, 10), CALENDAR)
    with pytest.raises(InvalidInput, match="只能延长一次"):
        p.act(A.EXTEND, date(2026, 11, 11), CALENDAR)
    p.act(A.ANSWER, date(2026, 12, 1), CALENDAR)
    with pytest.raises(InvalidInput, match="已超过信访人可申请复查至 2026-12-31"):
        p.act(A.ASK_REVIEW, date(2027, 1, 4), CALENDAR)
    assert p.stage == PetitionStage.ANSWERED  # a refused step changes nothing


def test_overdue_counts_only_the_offices_own_deadlines():
    p = Petition(received_on=date(2026, 11, 2))
    assert not p.overdue(date(2026, 11, 17), CALENDAR) and p.overdue(date(2026, 11, 18), CALENDAR)
    p.act(A.ACCEPT, date(2026, 11, 18), CALENDAR)
    p.act(A.ANSWER, date(2026, 11, 20), CALENDAR)
    assert not p.overdue(date(2027, 6, 1), CALENDAR)  # the petitioner did not ask for a review: nothing is late


def test_actions_are_named_in_chinese_or_english_and_unknown_ones_are_listed():
    assert A.parse("申请复查") == A.ASK_REVIEW and A.parse("accept") == A.ACCEPT
    with pytest.raises(InvalidInput, match="未知信访操作") as error:
        A.parse("撤销")
    assert error.value.field == "action"
