"""人民建议征集: a supervisor opens a topic; citizens see it on the portal and in the app's API and send suggestions
to it until it closes; each is a 建议 through the 人民建议征集 channel, handled like any case, and the department
reads all the suggestions to its topic together."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import openpyxl
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
    assert 'id="answers"' not in form and "涉及的小区或地点（可选）" in form  # a suggestion asks the 知识库 nothing
    assert 'id="answers"' in api.get("/portal").text
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
    login(api, "wj")  # a handler sees the topics its unit asks: 望京街道 asks none
    listed = api.get("/topics")
    assert listed.status_code == 200 and "本单位还没有征集主题：督办开设" in listed.text and "发布征集主题" not in listed.text


def test_a_topics_matter_classifies_its_suggestions_and_the_department_asking_is_suggested_first(api, app):
    from jiesu.services import cases
    from jiesu.services.cases import Intake
    from tests.support import AGENT

    topic_id = topics.add(app, "supervisor", "老旧小区加装电梯", "请就加装电梯的费用分摊提出建议。", "2026-12-31",
                          "ZJW", "WY2")  # the duty lists give 电梯故障 to the 街道: the department asking comes first
    sent = portal_send(api, topic_id, "望京西园社区的老楼想加装电梯，建议一楼住户不出钱，二楼以上按楼层分摊")
    ticket = re.search(r'id="ticket">(\d+)<', sent.text).group(1)
    with app.uow(read_only=True) as uow:
        case = uow.requests.get_by_ticket(ticket)
    assert case.category == "WY2" and case.events[0].changes["category_from"] == [None, "topic"]
    login(api, "dispatcher")
    queue = api.get("/queue").text
    row = queue.split(f">{ticket}</a>")[1].split("</tr>")[0]
    assert "区住建委" in row and "区住建委：征集主题「老旧小区加装电梯」的征集部门" in row
    page = api.get(f"/cases/{case.stored_id}").text
    assert "派单建议：区住建委：征集主题「老旧小区加装电梯」的征集部门；望京街道：" in page  # the lists' unit after it
    done = api.post("/queue/dispatch", data={"pick": f"{case.stored_id}:{case.version}", "csrf_token": csrf(api, "/queue")})
    assert done.status_code == 200 and f"{ticket} → 区住建委" in done.text
    dispatched = cases.show(app, case.stored_id)
    assert dispatched.lead_unit == "ZJW" and dispatched.events[-1].changes["suggested_unit"] == [None, "ZJW"]
    chosen = cases.register(app, AGENT, Intake(content="建议加装电梯时同步改造楼道", category="WY1", topic_id=topic_id))
    assert chosen.category == "WY1" and "category_from" not in chosen.events[0].changes  # the agent's choice stands
    plain = opened(app, "小区停车", "2026-12-31")  # a topic about no matter: its suggestions are classified as any
    unclassified = cases.register(app, AGENT, Intake(content="建议把小区空地改成停车位", topic_id=plain))
    assert unclassified.category is None and "category_from" not in unclassified.events[0].changes


def test_a_topic_about_an_unknown_matter_or_for_a_unit_the_lists_forbid_is_refused_naming_the_field(api, app):
    from jiesu.domain.errors import InvalidInput

    with pytest.raises(InvalidInput) as unknown:
        topics.add(app, "supervisor", "加装电梯", "征集建议", "2026-12-20", "ZJW", "XX9")
    assert unknown.value.field == "category"
    with pytest.raises(InvalidInput) as forbidden:  # 电梯故障 is not on the 社区 admission list: its suggestions could not go there
        topics.add(app, "supervisor", "加装电梯", "征集建议", "2026-12-20", "WJ01", "WY2")
    assert forbidden.value.field == "unit" and "准入清单不含「电梯故障」" in forbidden.value.message
    login(api, "supervisor")
    form = api.get("/topics").text
    assert '<option value="WY2" >城乡建设 / 物业管理 / 电梯故障</option>' in form
    refused = api.post("/topics", data={"title": "加装电梯", "description": "征集建议", "closes_on": "2026-12-20",
                                        "unit": "WJ01", "category": "WY2", "csrf_token": csrf(api, "/topics")})
    assert refused.status_code == 400 and "准入清单不含「电梯故障」" in refused.text
    assert 'value="WY2" selected' in refused.text and topics.listed(app) == []
    api.post("/topics", data={"title": "加装电梯", "description": "征集建议", "closes_on": "2026-12-20",
                              "unit": "ZJW", "category": "WY2", "csrf_token": csrf(api, "/topics")})
    assert topics.listed(app)[0].category == "WY2" and "事项：电梯故障" in api.get("/topics").text


def test_an_agent_takes_a_suggestion_to_a_topic_on_the_phone_and_is_shown_the_department_asking(api, app, clock):
    topic_id = topics.add(app, "supervisor", "老旧小区加装电梯", "请就加装电梯的费用分摊提出建议。", "2026-12-31",
                          "ZJW", "WY2")
    login(api, "agent")
    form = api.get("/intake").text
    assert f'<option value="{topic_id}" >老旧小区加装电梯（征集至 2026-12-31）</option>' in form
    shown = api.post("/api/v1/suggest", headers={"X-CSRF-Token": csrf(api, "/intake")},
                     json={"content": "建议加装电梯的费用按楼层分摊", "division": "WJ01", "topic_id": topic_id}).json()
    assert [x["unit"] for x in shown["routing"]["leads"]][:2] == ["ZJW", "WJ"]  # the department, then the lists'
    assert shown["routing"]["leads"][0]["reason"] == "区住建委：征集主题「老旧小区加装电梯」的征集部门"
    token = csrf(api, "/intake")
    garbled = api.post("/intake", data={"content": "建议一", "kind": "complaint", "topic_id": "x", "csrf_token": token})
    assert garbled.status_code == 400 and "征集主题应为编号" in garbled.text
    taken = api.post("/intake", data={"content": "建议加装电梯的费用按楼层分摊，一楼不出钱", "kind": "complaint",
                                      "channel": "phone", "requester_phone": "13812345678", "division": "WJ01",
                                      "topic_id": str(topic_id), "submit": "dispatch", "unit": "ZJW",
                                      "csrf_token": token})
    assert taken.status_code == 200 and "已受理并派单" in taken.text
    case = topics_case(app, topic_id)
    assert (case.kind.value, case.category, case.lead_unit) == ("suggestion", "WY2", "ZJW")
    clock.advance(days=60)  # the topic has closed: the agent is no longer offered it, and it takes nothing
    assert f'value="{topic_id}"' not in api.get("/intake").text
    late = api.post("/intake", data={"content": "建议二", "topic_id": str(topic_id), "csrf_token": csrf(api, "/intake")})
    assert late.status_code == 400 and "不存在或已结束征集" in late.text and topics.get(app, topic_id).suggestions == 1


def topics_case(app, topic_id: int):
    [case] = topics_cases(app, topic_id)
    return case


def test_a_topics_suggestions_are_grouped_by_what_they_say_the_most_proposers_first(api, app, monkeypatch):
    topic_id = opened(app)
    for phone, content in [("13812345678", "建议一楼住户不分摊加装电梯费用，二楼以上按楼层递增分摊"),
                           ("13812345679", "建议一楼住户不分摊加装电梯的费用，二楼以上按楼层递增分摊费用"),
                           ("13812345670", "施工期间请在小区门口安排临时停车，方便老人出行，联系我13900001111")]:
        api.post("/portal", data={"content": content, "requester_phone": phone, "topic_id": str(topic_id),
                                  "csrf_token": csrf(api)})
    found = topics.opinions(app, topic_id)
    assert [(o.proposers, len(o.cases)) for o in found] == [(2, 2), (1, 1)]  # two people say the same; one more
    assert "电梯" in "".join(found[0].keywords)
    login(api, "supervisor")
    assert f'<a href="/topics/{topic_id}">老旧小区加装电梯</a>' in api.get("/topics").text
    page = api.get(f"/topics/{topic_id}").text
    assert '建议归类 <span class="count">2</span>' in page and "<summary>2 件</summary>" in page
    assert "13900001111" not in page  # a number in a suggestion stays masked here as in every list
    assert api.get("/topics/999").status_code == 404
    assert f'href="/topics/{topic_id}.xlsx"' in page and "另有" not in page
    assert [o.keywords != [] for o in topics.opinions(app, topic_id, labelled=1)] == [True, False]  # only those shown
    monkeypatch.setattr("jiesu.web.topics.SHOWN", 1)  # a topic with more groups than a page shows
    short = api.get(f"/topics/{topic_id}").text
    assert short.count("<tr>") == 2 and "另有 1 类未列出（提出人数较少），请导出征集报告查看" in short
    assert '建议归类 <span class="count">2</span>' in short
    report = api.get(f"/topics/{topic_id}.xlsx")  # 征集报告: the groups, then every suggestion with its group
    assert report.status_code == 200 and quote("征集报告") in report.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(report.content))
    assert book.sheetnames == ["建议归类", "建议"]
    groups = list(book["建议归类"].values)
    assert groups[0][:5] == ("类别", "要点", "代表性建议", "涉及地点", "提出人数") and [g[4:7] for g in groups[1:]] == [
        (2, 2, "尚未答复 2"), (1, 1, "尚未答复 1")]
    each = list(book["建议"].values)
    assert [row[0] for row in each[1:]] == [1, 1, 2] and "13900001111" not in str(each)  # masked as on the page
    from jiesu.services import audit
    assert [e.action for e in audit.entries(app, audit.AuditQuery(action="topic.export"))[0]] == ["topic.export"]
    login(api, "agent")
    assert api.get(f"/topics/{topic_id}.xlsx").status_code == 403  # agents work case by case
    login(api, "wj")
    assert api.get(f"/topics/{topic_id}").status_code == 404  # the suggestions are the centre's and the asker's
    assert api.get(f"/topics/{topic_id}.xlsx").status_code == 404


def test_the_department_asking_reads_its_topic_and_the_suggestions_dispatched_to_it_and_no_others(api, app):
    from jiesu.services.users import add_user

    add_user(app, "zjw", "handler", "password-zjw", "ZJW")
    ours = opened(app)  # asked by 区住建委
    theirs = topics.add(app, "supervisor", "违建治理", "请就违建治理提出建议。", "2026-12-31", "CGW")
    for content in ("建议一楼住户不分摊加装电梯费用", "建议一楼住户不分摊加装电梯的费用", "施工期间请安排临时停车位"):
        portal_send(api, ours, content)
    portal_send(api, theirs, "建议拆除楼顶违建")
    first, second, third = topics_cases(app, ours)
    login(api, "dispatcher")
    for case, unit in ((first, "ZJW"), (second, "ZJW"), (third, "WJ")):
        call(api, "dispatcher", "POST", f"/api/v1/requests/{case.stored_id}/actions/reclassify",
             json={"category": "WY1", "reason": "物业服务"})
        call(api, "dispatcher", "POST", f"/api/v1/requests/{case.stored_id}/actions/dispatch", json={"unit": unit})
    login(api, "zjw")
    listed = api.get("/topics").text
    assert "老旧小区加装电梯" in listed and "违建治理" not in listed and "发布征集主题" not in listed
    assert f'href="/cases?topic={ours}">2 件</a>' in listed  # of 3: the one sent to the 街道 is not the unit's
    page = api.get(f"/topics/{ours}").text
    assert "只列出已派给本单位的建议" in page and first.ticket in page and second.ticket in page
    assert third.ticket not in page and "临时停车" not in page
    assert api.get(f"/topics/{theirs}").status_code == 404
    assert api.post(f"/topics/{ours}/close", data={"csrf_token": csrf(api, "/topics")}).status_code == 403


def topics_cases(app, topic_id: int):
    from jiesu.services import cases
    from jiesu.services.cases import CaseFilter

    return [cases.show(app, row.id) for row in sorted(cases.list_cases(app, CaseFilter(topic_id=topic_id)),
                                                       key=lambda row: row.id)]


def test_the_department_answers_each_suggestion_with_whether_it_adopts_it_and_the_proposer_is_told(api, app):
    from jiesu.services import cases
    from jiesu.services.users import add_user
    from tests.e2e.test_photos import ticket_and_code
    from tests.integration.test_notifications import texts

    add_user(app, "zjw", "handler", "password-zjw", "ZJW")
    topic_id = topics.add(app, "supervisor", "老旧小区加装电梯", "请就加装电梯的费用分摊提出建议。", "2026-12-31",
                          "ZJW", "WY2")
    sent = portal_send(api, topic_id, "建议一楼住户不分摊加装电梯费用，二楼以上按楼层递增分摊")
    ticket, code = ticket_and_code(sent.text)
    case = topics_case(app, topic_id)
    login(api, "dispatcher")
    api.post("/queue/dispatch", data={"pick": f"{case.stored_id}:{case.version}", "csrf_token": csrf(api, "/queue")})
    login(api, "zjw")
    assert 'title="建议类诉求：办结答复时填写采纳情况">建议</span>' in api.get("/inbox").text  # told before it opens
    token = csrf(api, f"/cases/{case.stored_id}")
    act = {"csrf_token": token, "version": "2", "action": "acknowledge"}
    assert api.post(f"/cases/{case.stored_id}/act", data=act).status_code == 200
    page = api.get(f"/cases/{case.stored_id}").text
    assert '<select name="adoption" required>' in page and '<option value="partly">部分采纳</option>' in page
    resolve = {"csrf_token": token, "version": "3", "action": "resolve", "reply": "已纳入加装电梯补贴办法，一楼住户不分摊"}
    refused = api.post(f"/cases/{case.stored_id}/act", data=resolve)
    assert refused.status_code == 400 and "请选择采纳情况" in refused.text
    assert api.post(f"/cases/{case.stored_id}/act", data=resolve | {"adoption": "partly"}).status_code == 200
    assert "采纳情况：<strong>部分采纳</strong>" in api.get(f"/cases/{case.stored_id}").text
    login(api, "dispatcher")
    api.post(f"/cases/{case.stored_id}/act", data={"csrf_token": csrf(api, "/queue"), "version": "4",
                                                   "action": "accept_reply"})
    assert cases.show(app, case.stored_id).status.value == "awaiting_follow_up"
    kind, text = texts(app, case.stored_id)[-1]  # the text message says it before the reply
    assert kind == "answered" and f"您提出的建议（工单号 {ticket}）采纳情况：部分采纳，办理结果：已纳入" in text
    tracked = api.post("/portal/track", data={"ticket": ticket, "code": code, "csrf_token": csrf(api)}).text
    assert '<p id="adoption">您的建议：<strong>部分采纳</strong></p>' in tracked
    assert api.get(f"/api/v1/public/requests/{ticket}", params={"code": code}).json()["adoption"] == "partly"
    portal_send(api, topic_id, "施工期间请安排临时停车位")
    login(api, "supervisor")
    assert "采纳情况：部分采纳 1 件；尚未答复 1 件" in api.get(f"/topics/{topic_id}").text
    assert call(api, "supervisor", "GET", f"/api/v1/requests/{case.stored_id}").json()["adoption_label"] == "部分采纳"


def test_the_portal_tells_how_many_suggestions_an_ended_topic_took_and_how_many_were_adopted(api, app, clock):
    from jiesu.domain.workflow import Action
    from jiesu.services import cases
    from jiesu.services.cases import ActionInput
    from tests.support import DISPATCHER, WJ_HANDLER

    topic_id = topics.add(app, "supervisor", "物业服务改进", "请就物业服务提出建议。", "2026-12-31", "WJ", "WY1")
    for content in ("建议物业公开收支", "建议物业每周打扫楼道"):
        portal_send(api, topic_id, content)
    adopted, _ = topics_cases(app, topic_id)
    for actor, action, params in [(DISPATCHER, Action.DISPATCH, {"unit": "WJ"}), (WJ_HANDLER, Action.ACKNOWLEDGE, {}),
                                  (WJ_HANDLER, Action.RESOLVE, {"reply": "已要求物业按季度公开收支", "adoption": "采纳"})]:
        cases.perform(app, actor, adopted.stored_id, action, ActionInput(**params))
    assert 'id="topic-results"' not in api.get("/portal").text  # still open: no result yet
    topics.close(app, "supervisor", topic_id)
    portal = api.get("/portal").text
    assert "物业服务改进 <span class=\"muted\">（已结束）收到建议 2 件，采纳 1 件，部分采纳 0 件</span>" in portal
    assert api.get("/api/v1/public/topics/results").json()["items"] == [
        {"id": topic_id, "title": "物业服务改进", "ended_on": "2026-11-23", "suggestions": 2, "adopted": 1,
         "partly": 0}]
    clock.advance(days=181)  # half a year on, the result leaves the portal
    assert 'id="topic-results"' not in api.get("/portal").text
    assert api.get("/api/v1/public/topics/results").json()["items"] == []
