"""坐席质检: per agent, the cases they registered in a month and what of them the rest of the workflow corrected."""

from __future__ import annotations

from jiesu.domain.enums import Role
from jiesu.domain.request import Actor
from jiesu.domain.workflow import Action
from jiesu.services import cases
from jiesu.services.agent_quality import month_report
from jiesu.services.cases import ActionInput, Intake
from tests.e2e.test_api import login
from tests.e2e.test_photos import staff_and_portal
from tests.support import DISPATCHER, WJ_HANDLER

WANG, LI = Actor("坐席王", Role.AGENT), Actor("坐席李", Role.AGENT)


def test_each_agents_cases_and_what_the_workflow_corrected_of_them(app, clock):
    def register(agent, **fields):
        return cases.register(app, agent, Intake(**{"content": "望京西园三区楼道堆物", "division": "WJ01",
                                                    "category": "WY1", **fields})).id

    wrong_category = register(WANG)
    cases.perform(app, DISPATCHER, wrong_category, Action.RECLASSIFY, ActionInput(category="ZS2", reason="是噪音"))
    left_open = register(WANG, category=None)  # left for the dispatcher to classify: not an error
    cases.perform(app, DISPATCHER, left_open, Action.RECLASSIFY, ActionInput(category="WY1"))
    sent_wrong = register(WANG)
    cases.perform(app, WANG, sent_wrong, Action.DISPATCH, ActionInput(unit="WJ"))  # on the phone, by the agent
    cases.perform(app, WJ_HANDLER, sent_wrong, Action.RETURN, ActionInput(reason="不属本街道"))
    by_dispatcher = register(LI)  # dispatched by the dispatcher, returned: not the agent's
    cases.perform(app, DISPATCHER, by_dispatcher, Action.DISPATCH, ActionInput(unit="WJ"))
    cases.perform(app, WJ_HANDLER, by_dispatcher, Action.RETURN, ActionInput(reason="不属本街道"))
    repeat = register(LI)
    cases.perform(app, DISPATCHER, repeat, Action.MERGE, ActionInput(master=by_dispatcher, reason="重复"))
    answered = register(LI, kind="咨询", category=None)
    cases.perform(app, LI, answered, Action.ANSWER_DIRECTLY, ActionInput(reply="请到街道办事处办理"))
    raised = register(LI)
    cases.perform(app, DISPATCHER, raised, Action.CHANGE_URGENCY, ActionInput(urgency="紧急", reason="燃气味"))
    clock.advance(days=40)
    register(WANG)  # next month's
    li, wang = month_report(app, "2026-11")
    assert (wang.agent, wang.registered, wang.answered) == ("坐席王", 3, 0)
    assert {k: [i for i, _ in v] for k, v in wang.findings.items()} == {"reclassified": [wrong_category],
                                                                          "returned": [sent_wrong]}
    assert (li.agent, li.registered, li.answered) == ("坐席李", 4, 1)
    assert {k: [i for i, _ in v] for k, v in li.findings.items()} == {"merged": [repeat], "urgency": [raised]}
    assert round(wang.rate("returned"), 3) == 0.333 and li.rate("returned") == 0.0
    api = staff_and_portal(app)
    login(api, "supervisor")
    page = api.get("/quality", params={"month": "2026-11"}).text
    assert "<td>坐席王</td><td>3</td><td>0</td>" in page and "1（33.3%）" in page and "本月坐席共受理 7 件" in page
    assert api.get("/quality", params={"month": "2026-13"}).status_code == 400
    login(api, "agent")
    assert api.get("/quality").status_code == 403
