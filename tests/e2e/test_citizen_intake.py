"""A request from the requester's own hands (portal, app, Open311) is read as an agent's is: an emergency in the
text makes it 紧急 and the requester is told to call 119/110/120 as well; a place it names fills the missing one.
(Only the agent's intake did so: a gas leak reported on the portal waited as an ordinary case.)"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from jiesu.api.app import create_app
from jiesu.domain.enums import Urgency
from jiesu.services.users import add_user, create_open311_key

GAS = "楼道里燃气味很浓，怀疑漏气了，请马上派人来"
ORDINARY = "小区门口的路灯坏了好几天了"


@pytest.fixture
def client(app):
    return TestClient(create_app(app, submit_per_minute=50))


def stored(app, ticket: str):
    with app.uow(read_only=True) as uow:
        return uow.requests.get_by_ticket(ticket)


def signed_in(client, app, name: str, role: str) -> None:
    """The browser session of a new member of staff."""
    add_user(app, name, role, f"password-{name}")
    token = csrf(client.get("/login").text)
    client.post("/login", data={"name": name, "password": f"password-{name}", "csrf_token": token, "next": "/"})


def csrf(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def test_the_portal_tells_while_typing_that_an_emergency_needs_a_call(client):
    said = client.get("/api/v1/public/answers", params={"q": GAS}).json()
    assert "燃气" in said["emergency"]
    assert client.get("/api/v1/public/answers", params={"q": ORDINARY}).json()["emergency"] is None
    page = client.get("/portal").text
    assert 'id="emergency"' in page and "119" in page


def test_an_emergency_sent_on_the_portal_is_taken_as_one_and_the_requester_told_to_call(client, app):
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/portal").text).group(1)
    done = client.post("/portal", data={"content": f"望京西园社区3号楼{GAS}", "requester_phone": "13812345678",
                                        "csrf_token": token})
    assert done.status_code == 200
    ticket = re.search(r'id="ticket">(\d+)<', done.text).group(1)
    case = stored(app, ticket)
    assert case.urgency is Urgency.EMERGENCY and case.location.division == "WJ01"
    assert 'id="emergency"' in done.text and "已按紧急件受理" in done.text and "119" in done.text
    plain = client.post("/portal", data={"content": ORDINARY, "requester_phone": "13812345678", "csrf_token": token})
    assert stored(app, re.search(r'id="ticket">(\d+)<', plain.text).group(1)).urgency is Urgency.NORMAL
    assert 'id="emergency"' not in plain.text


def test_an_app_hears_why_its_request_was_taken_as_an_emergency(client, app):
    sent = client.post("/api/v1/public/requests", json={"content": GAS, "requester_phone": "13812345678",
                                                        "address": "花家地社区2号楼"})
    assert sent.status_code == 201 and "燃气" in sent.json()["emergency"]
    case = stored(app, sent.json()["ticket"])
    assert case.urgency is Urgency.EMERGENCY and case.location.division == "WJ02"
    suggestion = case.events[0].changes["suggestion"][1]
    assert suggestion["urgent"] and "燃气" in suggestion["applied"]["urgency_reason"]
    plain = client.post("/api/v1/public/requests", json={"content": ORDINARY, "requester_phone": "13812345678"})
    assert plain.json()["emergency"] is None and stored(app, plain.json()["ticket"]).urgency is Urgency.NORMAL


def test_an_open311_report_of_an_emergency_is_urgent(client, app):
    key = create_open311_key(app, "城管通")
    posted = client.post("/open311/v2/requests.json", data={
        "api_key": key, "service_code": "WY1", "address_string": "望京西园社区", "description": GAS})
    assert posted.status_code == 200, posted.text
    case = stored(app, posted.json()[0]["service_request_id"])
    assert case.urgency is Urgency.EMERGENCY and case.category == "WY1"
    assert "已按紧急件受理" in posted.json()[0]["service_notice"] and "119" in posted.json()[0]["service_notice"]
    plain = client.post("/open311/v2/requests.json", data={
        "api_key": key, "service_code": "WY1", "address_string": "望京西园社区", "description": ORDINARY})
    assert plain.json()[0]["service_notice"] == "已受理"


def test_the_dispatcher_reads_why_a_case_is_urgent_and_who_sent_it(client, app):
    sent = client.post("/api/v1/public/requests", json={"content": GAS, "requester_phone": "13812345678"}).json()
    case = stored(app, sent["ticket"])
    signed_in(client, app, "pd", "dispatcher")
    shown = client.get(f"/cases/{case.id}").text
    assert re.search(r'<dd id="urgency-reason">文本含「燃气味」', shown)
    assert "· 诉求人" in shown and "· citizen" not in shown  # the requester in person, in Chinese
    lowered = client.post(f"/api/v1/requests/{case.id}/actions/change_urgency", headers={"X-CSRF-Token": csrf(shown)},
                          json={"urgency": "normal", "reason": "核实为邻居家炖菜的气味", "version": case.version})
    assert lowered.status_code == 200, lowered.text
    assert lowered.json()["urgency_reason"] == "核实为邻居家炖菜的气味"
    assert 'id="urgency-reason"' not in client.get(f"/cases/{case.id}").text  # 一般: nothing to explain


def test_the_dispatcher_sees_which_cases_a_sent_request_may_repeat_and_merges_it(client, app):
    """A request from the portal or an app reaches the 派单台 unread: its page lists the same requester's recent
    cases and similar ones in its 街道 (可能重复), offered as the master in 并单."""
    from jiesu.services import cases
    from jiesu.services.cases import Intake
    from tests.support import AGENT

    first = cases.register(app, AGENT, Intake(content="望京西园三区5号楼楼道堆满杂物，物业不清理", division="WJ01",
                                              category="WY1", requester_phone="13812345678"))
    other = cases.register(app, AGENT, Intake(content="望京西园三区5号楼楼道堆满杂物，物业一直不清理", division="WJ01",
                                              category="WY1", requester_phone="13700001111"))
    elsewhere = cases.register(app, AGENT, Intake(content="酒仙桥路灯不亮", division="JX01", category="WY1",
                                                  requester_phone="13812345678"))
    sent = client.post("/api/v1/public/requests", json={
        "content": "望京西园三区5号楼楼道里杂物还是没人清理", "requester_phone": "13812345678", "address": "望京西园社区"})
    case = stored(app, sent.json()["ticket"])
    signed_in(client, app, "pd", "dispatcher")
    page = client.get(f"/cases/{case.id}").text
    listed = duplicates(page)
    assert first.ticket in listed and "同一诉求人" in listed
    assert other.ticket in listed and "内容相似" in listed
    assert elsewhere.ticket in listed  # the same requester, whatever the matter: the dispatcher judges
    assert f'<option value="{first.id}"' in page and 'list="merge-candidates"' in page
    merged = client.post(f"/cases/{case.id}/act", data={"action": "merge", "master": str(first.id), "reason": "",
                                                        "version": str(case.version), "csrf_token": csrf(page)})
    assert merged.status_code in (200, 303) and stored(app, case.ticket).master_id == first.id
    assert duplicates(client.get(f"/cases/{case.id}").text) == ""  # merged: nothing more to merge
    master = duplicates(client.get(f"/cases/{first.id}").text)
    assert other.ticket in master and case.ticket not in master  # a merged case is no master


def duplicates(page: str) -> str:
    """What the case page lists as 可能重复 ('' when nothing)."""
    found = re.search(r'<dd id="duplicates">(.*?)</dd>', page, re.S)
    return found.group(1) if found else ""


def test_a_request_left_unclassified_shows_the_dispatcher_what_intake_suggests(client, app):
    """Below the confidence at which intake applies a category (here: no model, only the rules), the case reaches
    the dispatcher unclassified, with the suggestions shown and the 改类 form open on the first of them."""
    sent = client.post("/api/v1/public/requests", json={"content": "望京西园三区物业不清理楼道垃圾",
                                                        "requester_phone": "13812345678"}).json()
    case = stored(app, sent["ticket"])
    assert case.category is None
    signed_in(client, app, "pd", "dispatcher")
    page = client.get(f"/cases/{case.id}").text
    shown = re.search(r'<span id="category-guesses">(.*?)</span>', page).group(1)
    assert "物业" in shown and "%" in shown
    form = re.search(r'<details class="action" open>\s*<summary>改类</summary>(.*?)</details>', page, re.S).group(1)
    first = re.search(r'<select name="category"><option value="(\w+)">([^<]*)</option>', form)
    assert first.group(1) == "WY1" and "建议" in first.group(2)
    vague = stored(app, client.post("/api/v1/public/requests", json={
        "content": "上次说的事情到现在还没有人管，请尽快处理", "requester_phone": "13812345678"}).json()["ticket"])
    queue = client.get("/queue").text  # the 派单台 says what each probably is before it is opened, or that it can't tell
    assert re.search(r'未分类<div class="muted guess">可能是[^<]*物业[^<]*（\d+%）</div>', row(queue, case.id))
    assert "确认分类后派单" in row(queue, case.id)
    assert '未分类<div class="muted guess">看不出类别' in row(queue, vague.id)


def row(page: str, case_id: int) -> str:
    """A case's row in a list page."""
    return re.search(rf'<tr[^>]*>\s*<td>[^<]*</td>\s*<td><a href="/cases/{case_id}">.*?</tr>', page, re.S).group(0)


def test_a_question_sent_from_the_portal_is_answered_from_the_knowledge_base_in_one_click(client, app):
    """An agent opening a citizen's 咨询 finds the 知识库 answers that fit beside 直接办结, each one click away."""
    from jiesu.domain.workflow import Status
    from jiesu.services.knowledge import Article, save

    save(app, "supervisor", Article("暖气不热怎么报修", "请拨打供热公司报修电话，24 小时内上门。", "GR1"))
    asked = client.post("/api/v1/public/requests", json={"content": "请问家里暖气不热应该找谁报修", "kind": "inquiry",
                                                         "requester_phone": "13812345678"}).json()
    told = client.post("/api/v1/public/requests", json={"content": "家里暖气不热，物业不管", "kind": "complaint",
                                                        "requester_phone": "13812345678"}).json()
    signed_in(client, app, "zx", "agent")
    question = stored(app, asked["ticket"])
    page = client.get(f"/cases/{question.id}").text
    offered = re.search(r'<ol class="knowledge" id="case-answers">(.*?)</ol>', page, re.S).group(1)
    assert "暖气不热怎么报修" in offered and "用此答复直接办结" in offered
    assert re.search(r'<details class="action" open>\s*<summary>直接办结</summary>', page)  # not 派单 first
    assert 'id="case-answers"' not in client.get(f"/cases/{stored(app, told['ticket']).id}").text  # a complaint
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', offered.split("</form>")[0]))
    assert form["action"] == "answer_directly" and form["reply"] == "请拨打供热公司报修电话，24 小时内上门。"
    client.post(f"/cases/{question.id}/act", data=form)  # the button: the form as the page gives it
    answered = stored(app, asked["ticket"])
    assert answered.status == Status.ANSWERED and answered.reply.startswith("请拨打供热公司报修电话")


def test_an_api_client_gets_the_same_reading_of_a_case_as_its_page(client, app):
    from jiesu.services import cases
    from jiesu.services.cases import Intake
    from jiesu.services.knowledge import Article, save
    from jiesu.services.users import create_token
    from tests.support import AGENT

    earlier = cases.register(app, AGENT, Intake(content="望京西园三区物业不清理楼道垃圾", division="WJ01",
                                                category="WY1", requester_phone="13812345678"))
    sent = client.post("/api/v1/public/requests", json={"content": "望京西园三区物业还是不清理楼道垃圾",
                                                        "requester_phone": "13812345678"}).json()
    case = stored(app, sent["ticket"])
    add_user(app, "pd", "dispatcher", "password-pd")
    add_user(app, "wj", "handler", "password-wj", "WJ")
    bearer = {name: {"Authorization": f"Bearer {create_token(app, name)}"} for name in ("pd", "wj")}
    read = client.get(f"/api/v1/requests/{case.id}/reading", headers=bearer["pd"])
    assert read.status_code == 200, read.text
    body = read.json()
    assert body["categories"][0]["code"] == "WY1" and body["source"] == "rules"
    assert [d["ticket"] for d in body["duplicates"]] == [earlier.ticket] and body["answers"] == []
    assert "13812345678" not in read.text
    assert client.get(f"/api/v1/requests/{case.id}/reading", headers=bearer["wj"]).status_code == 404  # not its case
    save(app, "supervisor", Article("物业不清理垃圾找谁", "请先联系物业；物业不履责的可向街道反映。", "WY1"))
    question = client.post("/api/v1/public/requests", json={"content": "物业不清理垃圾应该找谁", "kind": "inquiry",
                                                            "requester_phone": "13900001111"}).json()
    asked = client.get(f"/api/v1/requests/{stored(app, question['ticket']).id}/reading", headers=bearer["pd"]).json()
    assert asked["answers"] == []  # a dispatcher may not answer directly: nothing to offer
    add_user(app, "zx", "agent", "password-zx")
    agent = {"Authorization": f"Bearer {create_token(app, 'zx')}"}
    offered = client.get(f"/api/v1/requests/{stored(app, question['ticket']).id}/reading", headers=agent).json()
    assert offered["answers"][0]["title"] == "物业不清理垃圾找谁"


def test_a_model_that_cannot_tell_says_so_instead_of_suggesting_a_guess(client, app, tmp_path, monkeypatch):
    """One in five is no reading: below 25 % the case page says the model cannot tell (the categories still listed
    as the nearest) and the 派单台's row names none."""
    from jiesu.nlp.classifier import TextClassifier
    from jiesu.services import models

    TextClassifier.train(["物业不打扫楼道卫生", "家里暖气不热"] * 4, ["WY1", "GR1"] * 4).save(tmp_path / "model")
    models.activate(app, tmp_path / "model", "admin")
    monkeypatch.setattr(TextClassifier, "top", lambda self, text, k=3: [("WY1", 0.21), ("ZS2", 0.2), ("GR1", 0.19)])
    sent = client.post("/api/v1/public/requests", json={"content": "上回说的事至今未办，请抓紧",
                                                        "requester_phone": "13812345678"}).json()
    case = stored(app, sent["ticket"])
    assert case.category is None
    signed_in(client, app, "pd", "dispatcher")
    shown = re.search(r'<span id="category-guesses">(.*?)</span>', client.get(f"/cases/{case.id}").text).group(1)
    assert shown.startswith("系统看不出类别") and "最接近的是" in shown and "物业服务（21%）" in shown
    assert "看不出类别" in row(client.get("/queue").text, case.id)
    monkeypatch.setattr(TextClassifier, "top", lambda self, text, k=3: [("WY1", 0.6), ("GR1", 0.3)])
    shown = re.search(r'<span id="category-guesses">(.*?)</span>', client.get(f"/cases/{case.id}").text).group(1)
    assert shown.startswith("系统建议：") and "物业服务（60%）" in shown
    assert "可能是" in row(client.get("/queue").text, case.id)
