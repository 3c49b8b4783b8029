"""人民建议征集: a supervisor opens a topic; citizens see it on the portal and in the app's API and send suggestions
to it until it closes; each is a 建议 through the 人民建议征集 channel, handled like any case, and the department
reads all the suggestions to its topic together."""

from __future__ import annotations

import re

import pytest

from jiesu.services import topics
from tests.e2e.test_api import call, login
from tests.e2e.test_photos import csrf, staff_and_portal


@pytest.fixture
def api(app):
    return staff_and_portal(app)


def opened(app, title="老旧小区加装电梯", closes_on="2026-12-31") -> int:
    return topics.add(app, "supervisor", title, "请就老旧小区加装电梯的资金分摊、低层住户补偿提出建议。", closes_on, "ZJW")


def portal_send(client, topic_id: int, content: str):
    return client.post("/portal", data={"content": content, "requester_phone": "13812345678",
                                        "topic_id": str(topic_id), "csrf_token": csrf(client)})


def test_a_citizen_sends_a_suggestion_to_an_open_topic_on_the_portal_and_the_department_reads_them_together(api, app):
    topic_id = opened(app)
    portal = api.get("/portal").text
    assert 'id="topics"' in portal and f'href="/portal?topic={topic_id}"' in portal and "老旧小区加装电梯" in portal
    form = api.get("/portal", params={"topic": topic_id}).text
    assert "人民建议征集：老旧小区加装电梯" in form and "资金分摊" in form and f'value="{topic_id}"' in form
    sent = portal_send(api, topic_id, "建议按楼层分摊加装电梯费用，一层住户不出钱并适当补偿")
    ticket = re.search(r'id="ticket">(\d+)<', sent.text).group(1)
    elsewhere = api.post("/portal", data={"content": "小区门口路灯坏了", "requester_phone": "13812345678",
                                          "csrf_token": csrf(api)})
    assert elsewhere.status_code == 200
    with app.uow(read_only=True) as uow:
        case = uow.requests.get_by_ticket(ticket)
    assert case.kind.value == "suggestion" and case.channel.value == "suggestion"
    assert topics.get(app, topic_id).suggestions == 1
    portal_send(api, topic_id, "加装电梯费用应该由政府补贴一部分，低层住户适当补偿")
    login(api, "supervisor")
    listed = api.get("/topics").text
    assert f'href="/cases?topic={topic_id}">2 件</a>' in listed and "征集中" in listed
    said = re.search(r'<div class="muted words">多次提到：(.*?)</div>', listed).group(1)  # what both of them say
    assert re.findall(r">(\w+)</a>（(\d)）", said) == [("住户", "2"), ("电梯", "2")]  # not what one said alone
    assert f'href="/cases?topic={topic_id}&amp;keyword=%E7%94%B5%E6%A2%AF"' in said
    found = api.get("/cases", params={"topic": topic_id}).text
    assert ticket in found and "共 2 件" in found and "征集主题：老旧小区加装电梯" in found
    assert f'<dd id="topic"><a href="/cases?topic={topic_id}">老旧小区加装电梯</a></dd>' in api.get(
        f"/cases/{case.stored_id}").text
    items = call(api, "supervisor", "GET", "/api/v1/requests", params={"topic": topic_id}).json()["items"]
    assert ticket in [x["ticket"] for x in items] and len(items) == 2


def test_an_app_lists_the_open_topics_and_sends_a_suggestion_through_the_api(api, app):
    topic_id = opened(app)
    listed = api.get("/api/v1/public/topics").json()["items"]
    assert [(x["id"], x["title"], x["closes_on"]) for x in listed] == [(topic_id, "老旧小区加装电梯", "2026-12-31")]
    sent = api.post("/api/v1/public/requests", json={"content": "建议政府补贴加装电梯费用的三成",
                                                     "requester_phone": "13812345678", "topic_id": topic_id})
    assert sent.status_code == 201, sent.text
    assert topics.get(app, topic_id).suggestions == 1


def test_a_closed_or_unknown_topic_takes_no_suggestion_and_nothing_is_registered(api, app, clock):
    topic_id = opened(app, closes_on=app.today().isoformat())  # open until the end of today
    assert portal_send(api, topic_id, "建议一").status_code == 200
    clock.advance(days=1)
    late = portal_send(api, topic_id, "建议二")
    assert late.status_code == 400 and "不存在或已结束征集" in late.text
    unknown = api.post("/api/v1/public/requests", json={"content": "建议三", "requester_phone": "13812345678",
                                                        "topic_id": 999})
    assert unknown.status_code == 400 and unknown.json()["field"] == "topic_id"
    garbled = api.post("/portal", data={"content": "建议四", "requester_phone": "13812345678", "topic_id": "abc",
                                        "csrf_token": csrf(api)})
    assert garbled.status_code == 400 and "征集主题应为编号" in garbled.text  # not taken as a complaint instead
    assert topics.get(app, topic_id).suggestions == 1
    with app.uow(read_only=True) as uow:
        assert uow.connection.exec_driver_sql("select count(*) from requests").scalar() == 1  # one transaction
    assert api.get("/api/v1/public/topics").json()["items"] == []
    assert "人民建议征集" not in api.get("/portal").text.split("<form")[0]


def test_a_supervisor_opens_and_closes_a_topic_with_clear_errors_and_in_the_audit_trail(api, app):
    from jiesu.services import audit

    login(api, "supervisor")
    token = csrf(api, "/topics")
    bad = api.post("/topics", data={"title": "加装电梯", "description": "征集建议", "closes_on": "2026-11-01",
                                    "csrf_token": token})
    assert bad.status_code == 400 and "截止日期不能早于今天" in bad.text and 'value="加装电梯"' in bad.text
    api.post("/topics", data={"title": "加装电梯", "description": "征集建议", "closes_on": "2026-12-20",
                              "unit": "ZJW", "csrf_token": token})
    topic = topics.listed(app)[0]
    assert topic.title == "加装电梯" and topic.unit == "ZJW"
    api.post(f"/topics/{topic.id}/close", data={"csrf_token": token})
    assert not topics.get(app, topic.id).is_open(app.today()) and "已提前结束" in api.get("/topics").text
    assert [e.action for e in audit.entries(app, audit.AuditQuery(action="topic"))[0]] == ["topic.close", "topic.add"]
    login(api, "agent")
    assert "发布征集主题" not in api.get("/topics").text  # agents read, supervisors keep
    assert api.post("/topics", data={"title": "x", "csrf_token": csrf(api, "/topics")}).status_code == 403
    login(api, "wj")
    assert api.get("/topics").status_code == 403
