"""补充诉求: the requester adds a detail or photos to their case — on the portal, through the app's API, or by
phone through an agent — until the unit has answered; the unit finds it in its 承办箱 and in the timeline."""

from __future__ import annotations

import base64
import re

import pytest
from fastapi.testclient import TestClient

from jiesu.api.app import create_app
from tests.e2e.test_api import act, call, create, login
from tests.e2e.test_photos import csrf, image_links, staff_and_portal
from tests.support import png

SCENE = png((120, 80, 200))


@pytest.fixture
def api(app):
    return staff_and_portal(app)


def track(citizen, ticket: str, code: str) -> str:
    return citizen.post("/portal/track", data={"ticket": ticket, "code": code, "csrf_token": csrf(citizen)}).text


def supplement(citizen, ticket: str, code: str, note: str, pictures: list[bytes] = ()):
    return citizen.post("/portal/supplement", data={"ticket": ticket, "code": code, "note": note,
                                                    "csrf_token": csrf(citizen)},
                        files=[("photos", (f"{i}.png", p, "image/png")) for i, p in enumerate(pictures)])


def test_a_requester_adds_a_detail_and_a_photo_on_the_portal_and_the_unit_sees_it_first(api):
    case = create(api)
    ticket, code = case["ticket"], case["citizen_code"]
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    citizen = TestClient(create_app(api.jiesu))
    assert 'action="/portal/supplement"' in track(citizen, ticket, code)

    done = supplement(citizen, ticket, code, "垃圾堆在2单元门口，已经有味道了", [SCENE])
    assert done.status_code == 200 and "已补充" in done.text and "您说：垃圾堆在2单元门口" in done.text
    assert [citizen.get(link).content for link in image_links(done.text)] == [SCENE]  # theirs, on the track page

    login(api, "wj")
    inbox = api.get("/inbox").text
    assert "诉求人补充（24 小时内）" in inbox and ticket in inbox.split("待签收")[0]
    page = api.get(f"/cases/{case['id']}").text
    assert "补充诉求" in page and "垃圾堆在2单元门口" in page
    assert [api.get(link).content for link in image_links(page)] == [SCENE]
    events = call(api, "wj", "GET", f"/api/v1/requests/{case['id']}").json()["events"]
    assert (events[-1]["action"], events[-1]["role"], events[-1]["changes"]) == ("supplement", "citizen",
                                                                                 {"photos": [None, 1]})


def test_an_app_and_an_agent_add_to_a_case_and_nothing_is_added_once_it_is_answered(api):
    case = create(api)
    ticket, code = case["ticket"], case["citizen_code"]
    answer = call(api, None, "POST", f"/api/v1/public/requests/{ticket}/supplement",
                  json={"code": code, "note": "补充照片", "photos": [base64.b64encode(SCENE).decode()]})
    assert answer.status_code == 200 and answer.json()["can_supplement"] is True
    wrong = call(api, None, "POST", f"/api/v1/public/requests/{ticket}/supplement",
                 json={"code": "WRONGCOD", "note": "不是我的"})
    assert wrong.status_code == 404
    act(api, "agent", case["id"], "supplement", note="诉求人来电补充：物业电话打不通")
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    act(api, "wj", case["id"], "acknowledge")
    act(api, "wj", case["id"], "resolve", reply="已清理")

    late = call(api, None, "POST", f"/api/v1/public/requests/{ticket}/supplement", json={"code": code, "note": "又脏了"})
    assert late.status_code == 409 and "办结答复之前才能补充" in late.json()["message"]
    citizen = TestClient(create_app(api.jiesu))
    assert 'action="/portal/supplement"' not in track(citizen, ticket, code)  # the form is gone with it
    refused = supplement(citizen, ticket, code, "又脏了", [SCENE])
    assert refused.status_code == 400 and "办结答复之前才能补充" in refused.text and "照片需要重新选择" in refused.text
    timeline = call(api, "wj", "GET", f"/api/v1/requests/{case['id']}").json()["events"]
    assert [(e["action"], e["role"]) for e in timeline if e["action"] == "supplement"] == [
        ("supplement", "citizen"), ("supplement", "agent")]
    assert re.search("补充诉求", api.get(f"/api/v1/public/requests/{ticket}", params={"code": code}).text)


def test_an_addition_is_taken_even_when_the_unit_acted_a_moment_before(app, monkeypatch):
    from jiesu.domain.workflow import Action
    from jiesu.services import cases, intake
    from jiesu.services.cases import ActionInput, Intake
    from tests.support import AGENT, DISPATCHER, WJ_HANDLER

    case = cases.register(app, AGENT, Intake(content="楼道堆物", requester_phone="13812345678", division="WJ01",
                                             category="WY1"))
    cases.perform(app, DISPATCHER, case.id, Action.DISPATCH, ActionInput(unit="WJ"))
    seen = cases.show(app, case.id)  # as the portal read it …
    cases.perform(app, WJ_HANDLER, case.id, Action.ACKNOWLEDGE, ActionInput())  # … just before the unit signed for it
    monkeypatch.setattr(intake, "citizen_case", lambda *args, **kwargs: seen)
    for step in (lambda: intake.citizen_supplement(app, case.ticket, "", "补充：在2单元"),
                 lambda: intake.citizen_urge(app, case.ticket, "", "请尽快")):
        assert step().status.value == "in_progress"  # taken, not refused as changed by someone else
    assert [e.action for e in cases.show(app, case.id).events][-2:] == [Action.SUPPLEMENT, Action.URGE]


def test_the_unit_asks_for_more_the_requester_reads_it_on_the_track_page_and_answers_it(api):
    case = create(api)
    ticket, code = case["ticket"], case["citizen_code"]
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    act(api, "wj", case["id"], "acknowledge")
    asked = act(api, "wj", case["id"], "ask_supplement", note="请提供具体楼号和垃圾堆放的位置")
    assert asked["open_question"] == "请提供具体楼号和垃圾堆放的位置" and asked["status"] == "in_progress"
    refused = call(api, "jx", "POST", f"/api/v1/requests/{case['id']}/actions/ask_supplement",
                   json={"note": "别的单位问"})
    assert refused.status_code == 404  # not its case
    citizen = TestClient(create_app(api.jiesu))
    page = track(citizen, ticket, code)
    assert 'id="question"' in page and "承办单位请您补充：请提供具体楼号和垃圾堆放的位置" in page
    assert "<details open>" in page  # the 补充 form is open to answer it
    public = api.get(f"/api/v1/public/requests/{ticket}", params={"code": code}).json()
    assert public["question"] == "请提供具体楼号和垃圾堆放的位置"
    answered = supplement(citizen, ticket, code, "3号楼2单元门口，靠近自行车棚")
    assert answered.status_code == 200 and 'id="question"' not in answered.text
    assert call(api, "wj", "GET", f"/api/v1/requests/{case['id']}").json()["open_question"] is None
