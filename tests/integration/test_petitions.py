"""信访 cases in the database: opened from a case once, each step one transaction in the audit trail, refused steps
write nothing, the deadlines on the configured calendar, and a final re-review closes the matter for good."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from jiesu.domain.errors import ConflictError, IllegalTransition, InvalidInput, NotFound
from jiesu.domain.petition import PetitionAction, PetitionStage
from jiesu.services import cases, petitions
from jiesu.services.cases import Intake
from jiesu.storage import tables as t
from tests.support import AGENT

A = PetitionAction


def test_a_case_becomes_a_petition_and_walks_its_clock(app, clock):
    case = cases.register(app, AGENT, Intake(content="反映征地补偿不公，多次找村里无果", category="WJ1"))
    petitions.open_petition(app, "信访科", case.id, date(2026, 11, 2))
    view = petitions.views(app, [case.id], today=date(2026, 11, 18))[0]
    assert (view.next_step, view.due_on, view.overdue) == ("决定是否受理", date(2026, 11, 17), True)
    with pytest.raises(InvalidInput) as error:
        petitions.act(app, "信访科", case.id, A.REFUSE, date(2026, 11, 10))
    assert error.value.field == "reason"
    petitions.act(app, "信访科", case.id, A.ACCEPT, date(2026, 11, 10))
    view = petitions.views(app, [case.id], today=date(2026, 11, 18))[0]
    assert (view.petition.stage, view.due_on, view.overdue) == (PetitionStage.ACCEPTED, date(2027, 1, 11), False)
    with pytest.raises(IllegalTransition):
        petitions.act(app, "信访科", case.id, A.ASK_REVIEW, date(2026, 11, 20))
    assert petitions.views(app, [case.id])[0].petition.stage == PetitionStage.ACCEPTED  # nothing written
    with pytest.raises(InvalidInput) as error:  # no step is dated in the future
        petitions.act(app, "信访科", case.id, A.ANSWER, date(2027, 1, 5))
    assert error.value.field == "on"
    with app.uow(read_only=True) as uow:
        logged = uow.connection.execute(select(t.audit_log.c.action).where(t.audit_log.c.action.like("petition.%"))
                                        .order_by(t.audit_log.c.id)).scalars().all()
    assert logged == ["petition.open", "petition.accept"]


def test_a_case_is_a_petition_once_and_a_final_re_review_is_not_opened_again(app, clock):
    case = cases.register(app, AGENT, Intake(content="要求解决拆迁安置问题", category="WJ1"))
    with pytest.raises(NotFound):
        petitions.act(app, "信访科", case.id, A.ACCEPT, date(2026, 11, 2))
    with pytest.raises(NotFound):
        petitions.open_petition(app, "信访科", 99_999, date(2026, 11, 2))
    petitions.open_petition(app, "信访科", case.id, date(2026, 8, 3))
    with pytest.raises(ConflictError, match="已登记为信访件"):
        petitions.open_petition(app, "信访科", case.id, date(2026, 8, 3))
    for action, on in ((A.ACCEPT, date(2026, 8, 10)), (A.ANSWER, date(2026, 9, 1)), (A.ASK_REVIEW, date(2026, 9, 20)),
                       (A.ANSWER_REVIEW, date(2026, 10, 9)), (A.ASK_RE_REVIEW, date(2026, 10, 20)),
                       (A.ANSWER_RE_REVIEW, date(2026, 11, 16))):
        petitions.act(app, "信访科", case.id, action, on)
    assert petitions.views(app, [case.id])[0].next_step is None
    with pytest.raises(ConflictError, match="同一事实和理由不再受理"):
        petitions.open_petition(app, "信访科", case.id, date(2026, 11, 20))


def test_the_same_person_is_not_heard_again_on_the_same_facts_after_a_final_re_review(app, clock):
    first = cases.register(app, AGENT, Intake(content="村里征地补偿款至今没有发放到位，要求按标准补偿", category="WJ1",
                                               requester_phone="13900001111"))
    petitions.open_petition(app, "信访科", first.id, date(2026, 8, 3))
    for action, on in ((A.ACCEPT, date(2026, 8, 10)), (A.ANSWER, date(2026, 9, 1)), (A.ASK_REVIEW, date(2026, 9, 20)),
                       (A.ANSWER_REVIEW, date(2026, 10, 9)), (A.ASK_RE_REVIEW, date(2026, 10, 20)),
                       (A.ANSWER_RE_REVIEW, date(2026, 11, 16))):
        petitions.act(app, "信访科", first.id, action, on)
    again = cases.register(app, AGENT, Intake(content="征地补偿款至今没有发放到位，再次要求按标准补偿", category="WJ1",
                                               requester_phone="13900001111"))
    with pytest.raises(ConflictError, match=f"工单 {first.ticket}"):
        petitions.open_petition(app, "信访科", again.id, date(2026, 11, 20))
    other_matter = cases.register(app, AGENT, Intake(content="小区门口违章搭建的棚子堵住了消防通道", category="WJ1",
                                                      requester_phone="13900001111"))
    petitions.open_petition(app, "信访科", other_matter.id, date(2026, 11, 20))  # a new matter is heard
    other_person = cases.register(app, AGENT, Intake(content="征地补偿款至今没有发放到位，要求按标准补偿", category="WJ1",
                                                      requester_phone="13900002222"))
    petitions.open_petition(app, "信访科", other_person.id, date(2026, 11, 20))  # so is another person
