"""The HTTP API end to end: the lifecycle across roles, access control, Open311, and hostile input."""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ElementTree
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from jiesu.api.app import create_app
from jiesu.bootstrap import App
from jiesu.domain.calendar import SHANGHAI
from jiesu.services.users import add_user, create_open311_key, create_token
from jiesu.settings import Settings
from tests.support import local, png

ROLES = {"agent": ("agent", None), "dispatcher": ("dispatcher", None), "wj": ("handler", "WJ"),
         "jx": ("handler", "JX"), "supervisor": ("supervisor", None), "analyst": ("analyst", None),
         "admin": ("admin", None)}


@pytest.fixture
def api(app):
    client = TestClient(create_app(app, submit_per_minute=5, track_per_minute=100))
    tokens = {}
    for name, (role, unit) in ROLES.items():
        add_user(app, name, role, "password-" + name, unit)
        tokens[name] = create_token(app, name)
    client.tokens = tokens
    client.open311_key = create_open311_key(app, "测试客户端")
    return client


def call(api, who, method, url, **kwargs):
    headers = kwargs.pop("headers", {})
    if who:
        headers["Authorization"] = f"Bearer {api.tokens[who]}"
    return api.request(method, url, headers=headers, **kwargs)


INTAKE = {"content": "望京西园三区物业不清理楼道垃圾", "kind": "投诉", "requester_name": "张三",
          "requester_phone": "13812345678", "division": "WJ01", "category": "WY1"}


def create(api, who="agent", **overrides):
    response = call(api, who, "POST", "/api/v1/requests", json={**INTAKE, **overrides})
    assert response.status_code == 201, response.text
    return response.json()


def act(api, who, case_id, action, expect=200, **body):
    response = call(api, who, "POST", f"/api/v1/requests/{case_id}/actions/{action}", json=body)
    assert response.status_code == expect, response.text
    return response.json()


def test_the_whole_lifecycle_across_roles(api, clock):
    case = create(api)
    assert case["status"] == "registered" and case["citizen_code"]
    assert case["suggestions"]["routing"]["leads"][0]["unit"] == "WJ"
    assert "基本履职" in case["suggestions"]["routing"]["leads"][0]["reason"]
    cid = case["id"]
    for who, action, body in [("dispatcher", "dispatch", {"unit": "WJ"}), ("wj", "acknowledge", {}),
                              ("wj", "record_contact", {"note": "已电话联系"}), ("wj", "resolve", {"reply": "已清理"}),
                              ("dispatcher", "accept_reply", {}),
                              ("supervisor", "follow_up", {"solved": True, "satisfaction": "满意"}),
                              ("supervisor", "archive", {})]:
        clock.advance(minutes=20)
        result = act(api, who, cid, action, **body)
    assert result["status"] == "archived"
    assert [e["action"] for e in result["events"]] == ["register", "dispatch", "acknowledge", "record_contact",
                                                        "resolve", "accept_reply", "follow_up", "archive"]
    tracked = api.get(f"/api/v1/public/requests/{case['ticket']}", params={"code": case["citizen_code"]})
    assert tracked.status_code == 200 and tracked.json()["status"] == "archived"


def test_a_case_without_a_category_is_sent_to_be_classified_before_it_is_dispatched(api):
    case = create(api, category=None)
    refused = act(api, "dispatcher", case["id"], "dispatch", expect=400, unit="WJ")
    assert refused["field"] == "category" and "请先改类" in refused["message"]
    login(api, "dispatcher")
    page = api.get(f"/cases/{case['id']}").text
    assert 'id="classify-first"' in page
    unit_choices = page.split('<select name="unit">')[1].split("</select>")[0]
    assert 'value="WJ"' in unit_choices and 'value="CENTRE"' not in unit_choices  # the hotline handles nothing


def test_the_reviewer_is_shown_what_to_look_at_in_a_reply_waiting_for_review(api):
    case = create(api)
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    act(api, "wj", case["id"], "acknowledge")
    waiting = act(api, "wj", case["id"], "resolve", reply="已处理。")
    assert waiting["review_hints"] == ["答复仅 4 字：是否说明了如何办理、结果如何", "承办单位没有记录联系诉求人"]
    login(api, "dispatcher")
    page = api.get(f"/cases/{case['id']}").text
    assert 'id="review-hints"' in page and "答复仅 4 字" in page
    assert act(api, "dispatcher", case["id"], "send_back", reason="答复过于简单，请说明清理情况")["review_hints"] == []


def test_a_retried_create_with_the_same_idempotency_key_makes_one_case(api):
    headers = {"Idempotency-Key": "abc-123"}
    first = call(api, "agent", "POST", "/api/v1/requests", json=INTAKE, headers=dict(headers))
    again = call(api, "agent", "POST", "/api/v1/requests", json=INTAKE, headers=dict(headers))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    documented = api.get("/openapi.json").json()["paths"]["/api/v1/requests"]["post"]["responses"]
    assert {"200", "201"} <= set(documented)  # the retry's answer is in the document
    listed = call(api, "admin", "GET", "/api/v1/requests").json()["items"]
    assert len(listed) == 1


def test_errors_are_json_with_code_message_and_field(api):
    response = call(api, "agent", "POST", "/api/v1/requests", json={**INTAKE, "requester_phone": "123"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["field"] == "requester.phone"
    missing = call(api, "agent", "POST", "/api/v1/requests", json={"kind": "投诉"})
    assert missing.status_code == 422 and missing.json()["field"] == "content"
    case = create(api)
    illegal = call(api, "supervisor", "POST", f"/api/v1/requests/{case['id']}/actions/archive", json={})
    assert illegal.status_code == 409 and illegal.json()["code"] == "illegal_transition"
    unknown = call(api, "dispatcher", "POST", f"/api/v1/requests/{case['id']}/actions/fly", json={})
    assert unknown.status_code == 400 and unknown.json()["field"] == "action"


def test_a_stale_version_is_refused_with_409(api):
    case = create(api)
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ", version=case["version"])
    stale = call(api, "wj", "POST", f"/api/v1/requests/{case['id']}/actions/acknowledge", json={},
                 headers={"If-Match": str(case["version"])})
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"


def test_lists_page_with_a_cursor(api):
    ids = [create(api, content=f"第{i}件")["id"] for i in range(5)]
    page = call(api, "admin", "GET", "/api/v1/requests", params={"limit": 2}).json()
    assert [x["id"] for x in page["items"]] == ids[::-1][:2] and page["next_cursor"]
    second = call(api, "admin", "GET", "/api/v1/requests", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [x["id"] for x in second["items"]] == ids[::-1][2:4]
    assert call(api, "admin", "GET", "/api/v1/requests", params={"cursor": "%%%"}).status_code == 400


def test_lists_filter_by_area_category_tree_keyword_and_period(api):
    wj = create(api, content="望京西园楼下烧烤店油烟扰民")
    jx = create(api, content="酒仙桥路口积水严重", division="JX01", category="ZS1", kind="help")
    assert "油烟" in wj["keywords"]

    def listed(**params):
        response = call(api, "admin", "GET", "/api/v1/requests", params=params)
        assert response.status_code == 200, response.text
        return [x["id"] for x in response.json()["items"]]

    assert listed(area="WJ") == [wj["id"]] and listed(area="CY") == [jx["id"], wj["id"]]
    assert listed(category_tree="HJ") == [jx["id"]] and listed(kind="help") == [jx["id"]]
    assert listed(keyword="油烟") == [wj["id"]] and listed(q="积水") == [jx["id"]]
    assert listed(received_from="2000-01-01T00:00:00+08:00", received_to="2000-01-02T00:00:00+08:00") == []
    naive = call(api, "admin", "GET", "/api/v1/requests", params={"received_from": "2026-11-01T00:00:00"})
    assert naive.status_code == 400 and naive.json()["field"] == "received_from"
    for name, wrong in (("area", "NOPE"), ("category_tree", "NOPE"), ("received_to", "0.5"),  # not taken as 1970
                        ("received_from", "yesterday"), ("urgency", "x"), ("kind", "x"), ("unreasonable", "x")):
        refused = call(api, "admin", "GET", "/api/v1/requests", params={name: wrong})
        assert refused.status_code == 400 and refused.json()["field"] == name, (name, refused.text)
    parameters = {p["name"]: p["schema"] for p in api.get("/openapi.json").json()["paths"]["/api/v1/requests"]["get"][
        "parameters"]}  # what a client may send is in the document, not only in the 400
    assert "emergency" in str(parameters["urgency"]) and "date-time" in str(parameters["received_from"])
    assert listed(slot="1-09") == [jx["id"], wj["id"]] and listed(slot="1-10") == []  # the fixture clock: Monday 9:30
    bad_slot = call(api, "admin", "GET", "/api/v1/requests", params={"slot": "9-99"})
    assert bad_slot.status_code == 400 and bad_slot.json()["field"] == "slot"


# --- access control -----------------------------------------------------------------------------------------
STAFF_ENDPOINTS = [("GET", "/api/v1/requests"), ("GET", "/api/v1/requests/1"), ("POST", "/api/v1/requests"),
                   ("POST", "/api/v1/requests/1/actions/acknowledge"), ("POST", "/api/v1/suggest"),
                   ("GET", "/api/v1/routing?category=WY1"), ("GET", "/api/v1/units"), ("GET", "/api/v1/categories"),
                   ("GET", "/api/v1/me")]


@pytest.mark.parametrize(("method", "url"), STAFF_ENDPOINTS)
def test_every_staff_endpoint_refuses_the_anonymous_and_bad_tokens(api, method, url):
    create(api)
    assert api.request(method, url, json={}).status_code == 401
    bad = api.request(method, url, json={}, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "", None), ("POST", "/actions/acknowledge", {}), ("POST", "/actions/note_progress", {"note": "x"}),
    ("POST", "/actions/return", {"reason": "x"}), ("POST", "/actions/resolve", {"reply": "x"})])
def test_a_handler_of_another_unit_gets_404_for_every_case_endpoint(api, method, path, body):
    case = create(api)
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    response = call(api, "jx", method, f"/api/v1/requests/{case['id']}{path}", json=body)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    missing = call(api, "jx", method, f"/api/v1/requests/99999{path}", json=body)
    assert missing.status_code == 404 and missing.json()["message"].replace("99999", "") == \
        response.json()["message"].replace(str(case["id"]), "")  # the same answer: existence is not revealed
    assert call(api, "jx", "GET", "/api/v1/requests").json()["items"] == []


@pytest.mark.parametrize(("who", "action", "body"), [
    ("analyst", "dispatch", {"unit": "WJ"}), ("wj", "dispatch", {"unit": "WJ"}), ("agent", "approve_unreasonable", {}),
    ("analyst", "withdraw", {"reason": "x"}), ("wj", "archive", {})])
def test_roles_that_may_not_act_get_403(api, who, action, body):
    case = create(api)
    if who == "wj":  # so that the handler can see the case at all
        act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    response = call(api, who, "POST", f"/api/v1/requests/{case['id']}/actions/{action}", json=body)
    assert response.status_code == 403 and response.json()["code"] == "forbidden", response.text


def test_personal_data_is_masked_until_a_role_that_needs_it_asks_and_each_ask_is_recorded(api):
    from jiesu.services import audit

    case = create(api, content="望京西园三区物业不清理垃圾，回电 13912345678")
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ", co_units=["ZJW"])
    url = f"/api/v1/requests/{case['id']}"
    act(api, "wj", case["id"], "acknowledge")
    act(api, "wj", case["id"], "note_progress", note="已回电 13912345678，约好明早上门")
    act(api, "wj", case["id"], "resolve", reply="已上门处理，回访电话 13912345678")  # also in the event's changes
    for who in ("agent", "wj", "analyst"):  # masked by default: the requester, the text, the notes, the changes
        seen = call(api, who, "GET", url)
        assert seen.json()["requester"] == {"name": "张*", "phone": "138****5678"}
        assert "13912345678" not in seen.text and "13812345678" not in seen.text and "张三" not in seen.text
    assert call(api, "agent", "GET", url).json()["may_reveal"] is True
    assert call(api, "analyst", "GET", url).json()["may_reveal"] is False
    full = call(api, "agent", "GET", url, params={"reveal": "true"}).json()
    assert full["requester"] == {"name": "张三", "phone": "13812345678"} and "13912345678" in full["content"]
    assert call(api, "wj", "GET", url, params={"reveal": "true"}).json()["requester"]["phone"] == "13812345678"
    refused = call(api, "analyst", "GET", url, params={"reveal": "true"})
    assert refused.status_code == 403 and refused.json()["field"] == "reveal"
    assert call(api, "jx", "GET", url, params={"reveal": "true"}).status_code == 404  # not its case: not found
    listed = call(api, "agent", "GET", "/api/v1/requests")  # lists and intake suggestions mask titles too
    titled = create(api, title="请回电13912345678", content="望京西园三区物业不清理楼道垃圾，请回电")
    assert "13912345678" not in call(api, "agent", "GET", "/api/v1/requests").text and listed.status_code == 200
    again = create(api, content="望京西园三区物业不清理楼道垃圾，请回电")
    assert "13912345678" not in json.dumps(again["suggestions"], ensure_ascii=False) and titled["id"]
    login(api, "agent")
    assert "13912345678" not in api.get("/cases", params={"q": "物业"}).text
    found, total = audit.entries(api.app.state.jiesu, audit.AuditQuery(action="personal_data.reveal"))
    assert total == 2 and [(e.actor, e.target) for e in found] == [("wj", f"诉求 {case['id']}"),
                                                                    ("agent", f"诉求 {case['id']}")]


def test_a_co_handling_unit_sees_the_case_masked_and_may_only_add_progress_report_back_and_give_its_part(api):
    app = api.app.state.jiesu
    add_user(app, "zj", "handler", "password-zj", "ZJW")
    api.tokens["zj"] = create_token(app, "zj")
    case = create(api)
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ", co_units=["ZJW"])
    act(api, "wj", case["id"], "acknowledge")
    seen = call(api, "zj", "GET", f"/api/v1/requests/{case['id']}").json()
    assert seen["requester"]["phone"] == "138****5678"
    assert seen["allowed_actions"] == ["note_progress", "report_back", "assign_owner"]  # its own part (分办)
    assert seen["unit_staff"] == ["zj"]
    assert call(api, "zj", "GET", f"/api/v1/requests/{case['id']}", params={"reveal": "true"}).status_code == 403
    act(api, "zj", case["id"], "note_progress", note="住建委已约谈物业")
    act(api, "zj", case["id"], "resolve", expect=403, reply="x")


def test_the_citizen_needs_the_right_code_and_cannot_tell_a_wrong_code_from_a_wrong_ticket(api):
    submitted = api.post("/api/v1/public/requests", json={"content": "路灯不亮", "requester_phone": "13900001111"})
    assert submitted.status_code == 201
    ticket, code = submitted.json()["ticket"], submitted.json()["code"]
    assert api.get(f"/api/v1/public/requests/{ticket}", params={"code": code}).status_code == 200
    wrong_code = api.get(f"/api/v1/public/requests/{ticket}", params={"code": "WRONG123"})
    wrong_ticket = api.get("/api/v1/public/requests/000", params={"code": code})
    assert wrong_code.status_code == wrong_ticket.status_code == 404
    assert wrong_code.json() == wrong_ticket.json()
    assert api.post(f"/api/v1/public/requests/{ticket}/rating",
                    json={"code": code, "solved": True, "satisfaction": "满意"}).status_code == 409


def test_the_public_submit_endpoint_is_rate_limited(api):
    statuses = [api.post("/api/v1/public/requests", json={"content": f"第{i}次", "requester_phone": "13900001111"})
                .status_code for i in range(7)]
    assert statuses[:5] == [201] * 5 and statuses[5:] == [429, 429]


def test_the_rate_limit_is_shared_by_every_server_process_and_slides(app, clock):
    """Two server processes on one database (two Apps here) share one count per client; the previous minute's
    calls fade out as it slides by."""
    other = App(Settings(database_url=app.settings.database_url, secret_key="test-secret"), clock=clock)
    first, second = (TestClient(create_app(a, submit_per_minute=4)) for a in (app, other))

    def submit(client) -> int:
        return client.post("/api/v1/public/requests", json={"content": "路灯不亮", "requester_phone": "13900001111"}
                           ).status_code

    assert [submit(first), submit(second), submit(first), submit(second)] == [201] * 4
    assert submit(first) == submit(second) == 429
    clock.advance(seconds=75)  # three quarters of the previous minute still count: 6 × 0.75 (refused calls too)
    assert submit(second) == 429  # 1 + 4.5 > 4
    clock.advance(seconds=60)
    assert submit(first) == 201
    other.engine.dispose()


def test_an_oversized_body_is_refused_with_413(api):
    from jiesu.api.app import MAX_PHOTO_BODY

    response = call(api, "agent", "POST", "/api/v1/suggest", content=b"x" * (7 * 1024 * 1024),
                    headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["message"] == "请求体超过 6 MB"
    response = call(api, "agent", "POST", "/api/v1/requests", content=b"x" * (MAX_PHOTO_BODY + 1),
                    headers={"Content-Type": "application/json"})  # where photos are sent: more, not unlimited
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_the_server_refuses_to_start_with_the_default_key_outside_demo_mode():
    with pytest.raises(RuntimeError, match="JIESU_SECRET_KEY"):
        create_app(App(Settings(database_url="sqlite://")))
    create_app(App(Settings(database_url="sqlite://", demo_mode=True)))


# --- Open311 ------------------------------------------------------------------------------------------------
def test_open311_in_json_from_services_to_token_to_request(api):
    services = api.get("/open311/v2/services.json").json()
    assert {"service_code": "WY1", "service_name": "物业服务", "metadata": False, "type": "realtime"}.items() <= \
        next(s for s in services if s["service_code"] == "WY1").items()
    assert api.get("/open311/v2/services/WY1.json").json() == {"service_code": "WY1", "attributes": []}
    posted = api.post("/open311/v2/requests.json", data={
        "api_key": api.open311_key, "service_code": "WY1", "lat": "39.99", "long": "116.47",
        "description": "小区垃圾无人清理", "phone": "13900002222", "first_name": "四", "last_name": "李"})
    assert posted.status_code == 200, posted.text
    [answer] = posted.json()
    request_id, token = answer["service_request_id"], answer["token"]
    assert api.get(f"/open311/v2/tokens/{token}.json").json() == [{"service_request_id": request_id, "token": token}]
    [found] = api.get(f"/open311/v2/requests/{request_id}.json").json()
    assert found["status"] == "open" and found["service_code"] == "WY1" and found["lat"] == 39.99
    assert "13900002222" not in api.get(f"/open311/v2/requests/{request_id}.json").text
    assert [r["service_request_id"] for r in api.get("/open311/v2/requests.json?status=open").json()] == [request_id]
    assert api.get("/open311/v2/requests.json?status=closed").json() == []
    assert found["media_url"] is None


def test_open311_media_url_is_kept_as_given_and_only_http(api):
    base = {"api_key": api.open311_key, "service_code": "WY1", "address_string": "望京西园三区",
            "description": "楼道堆满杂物"}
    bad = api.post("/open311/v2/requests.json", data=base | {"media_url": "javascript:alert(1)"})
    assert bad.status_code == 400 and "media_url" in bad.json()[0]["description"]
    posted = api.post("/open311/v2/requests.json", data=base | {"media_url": "https://img.example.org/a.jpg"})
    [answer] = posted.json()
    [found] = api.get(f"/open311/v2/requests/{answer['service_request_id']}.json").json()
    assert found["media_url"] == "https://img.example.org/a.jpg"
    root = ElementTree.fromstring(api.get(f"/open311/v2/requests/{answer['service_request_id']}.xml").content)
    assert root.find("request/media_url").text == "https://img.example.org/a.jpg"


def test_open311_fields_sent_as_files_are_refused_like_missing_ones(api):
    base = {"service_code": "WY1", "address_string": "望京西园三区", "description": "楼道堆满杂物"}
    as_file = api.post("/open311/v2/requests.json", data=base, files={"api_key": ("key.txt", api.open311_key.encode())})
    assert as_file.status_code == 403 and "api_key" in as_file.json()[0]["description"]
    code_as_file = api.post("/open311/v2/requests.json", data=base | {"api_key": api.open311_key, "service_code": ""},
                            files={"service_code": ("code.txt", b"WY1")})
    assert code_as_file.status_code == 400 and "service_code" in code_as_file.json()[0]["description"]


def test_open311_in_xml_with_spec_errors(api):
    root = ElementTree.fromstring(api.get("/open311/v2/services.xml").content)
    assert root.tag == "services" and root.find("service/service_code") is not None
    discovery = ElementTree.fromstring(api.get("/open311/v2/discovery.xml").content)
    assert discovery.find("endpoints/endpoint/url").text.endswith("/open311/v2/")
    forbidden = api.post("/open311/v2/requests.xml", data={"api_key": "nope", "service_code": "WY1", "lat": "1",
                                                           "long": "1", "description": "x"})
    assert forbidden.status_code == 403
    error = ElementTree.fromstring(forbidden.content)
    assert error.tag == "errors" and error.find("error/code").text == "403"
    missing = api.get("/open311/v2/requests/nope.xml")
    assert missing.status_code == 404 and ElementTree.fromstring(missing.content).find("error/description") is not None
    bad = api.get("/open311/v2/requests.json?status=maybe")
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400
    no_location = api.post("/open311/v2/requests.json", data={"api_key": api.open311_key, "service_code": "WY1",
                                                              "description": "x"})
    assert no_location.status_code == 400
    unknown = api.post("/open311/v2/requests.json", data={"api_key": api.open311_key, "service_code": "NOPE",
                                                          "lat": "1", "long": "1", "description": "x"})
    assert unknown.status_code == 404


# --- pages --------------------------------------------------------------------------------------------------
def login(api, name):
    page = api.get("/login")
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    response = api.post("/login", data={"name": name, "password": "password-" + name, "csrf_token": csrf, "next": "/"},
                        follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf


def test_user_text_is_shown_as_text_never_as_markup(api):
    case = create(api, content="<script>alert('x')</script><img src=x onerror=alert(1)>", title="<b>标题</b>")
    login(api, "agent")
    html = api.get(f"/cases/{case['id']}").text
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>标题</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html and "&lt;b&gt;标题&lt;/b&gt;" in html


def test_the_case_page_shows_personal_data_in_full_only_on_request_and_records_it(api):
    from jiesu.services import audit

    def token(page: str) -> str:
        return page.split('name="csrf-token" content="')[1].split('"')[0]

    case = create(api)
    login(api, "analyst")
    page = api.get(f"/cases/{case['id']}").text
    assert "138****5678" in page and "查看完整信息" not in page
    csrf = token(page)
    refused = api.post(f"/cases/{case['id']}/reveal", data={"csrf_token": csrf})
    assert refused.status_code == 403 and "无权查看" in refused.text and "13812345678" not in refused.text
    login(api, "agent")
    page = api.get(f"/cases/{case['id']}").text
    assert "138****5678" in page and "13812345678" not in page and "张三" not in page and "查看完整信息" in page
    csrf = token(page)
    assert api.post(f"/cases/{case['id']}/reveal", data={"csrf_token": "forged"}).status_code == 403
    shown = api.post(f"/cases/{case['id']}/reveal", data={"csrf_token": csrf})
    assert shown.status_code == 200 and "13812345678" in shown.text and "张三" in shown.text
    assert 'href="tel:13812345678"' in shown.text  # a click calls (softphone, or the handler's mobile)
    assert shown.headers["cache-control"] == "no-store" and "查看完整信息" not in shown.text
    assert "13812345678" not in api.get(f"/cases/{case['id']}").text  # the next visit is masked again
    found, total = audit.entries(api.app.state.jiesu, audit.AuditQuery(action="personal_data"))
    assert total == 1 and found[0].actor == "agent"
    login(api, "admin")
    summary = api.get("/admin/audit").text.split("近 7 天查看完整个人信息")[1].split("</table>")[0]
    assert "agent" in summary and "异常" not in summary.split("</tr>", 1)[1]  # one look: nothing unusual


def test_a_form_without_the_csrf_token_is_refused(api):
    case = create(api)
    login(api, "dispatcher")
    response = api.post(f"/cases/{case['id']}/act", data={"action": "dispatch", "unit": "WJ"})
    assert response.status_code == 403 and response.json()["field"] == "csrf_token"
    assert call(api, "admin", "GET", f"/api/v1/requests/{case['id']}").json()["status"] == "registered"


def test_an_intake_whose_next_step_is_refused_registers_nothing(api):
    login(api, "agent")
    csrf = api.get("/intake").text.split('name="csrf-token" content="')[1].split('"')[0]
    def count():
        return len(call(api, "admin", "GET", "/api/v1/requests", params={"limit": 200}).json()["items"])

    before = count()
    form = {"csrf_token": csrf, "content": "小区门口的路灯坏了一个星期", "kind": "complaint",
            "requester_phone": "13900002222", "answer": "已告知", "submit": "answer"}
    refused = api.post("/intake", data=form, follow_redirects=False)  # only an inquiry can be answered at once
    assert refused.status_code == 400 and "只有咨询类诉求可以直接办结" in refused.text
    assert count() == before  # no half-made case
    answered = api.post("/intake", data=form | {"kind": "inquiry"}, follow_redirects=False)
    assert answered.status_code == 303
    case = call(api, "admin", "GET", answered.headers["location"].replace("/cases/", "/api/v1/requests/")).json()
    assert case["status"] == "answered" and count() == before + 1


def test_the_case_page_says_a_deadline_passed_while_the_case_is_still_to_be_done(api, clock):
    case = act(api, "dispatcher", create(api)["id"], "dispatch", unit="WJ")
    login(api, "wj")
    due = api.get(f"/cases/{case['id']}").text.split('id="resolve-due"')[1].split("</dd>")[0]
    assert "已超期" not in due
    clock.advance(days=20)
    due = api.get(f"/cases/{case['id']}").text.split('id="resolve-due"')[1].split("</dd>")[0]
    assert '<strong class="late">已超期</strong>' in due
    case = act(api, "wj", case["id"], "acknowledge")
    case = act(api, "wj", case["id"], "resolve", reply="已清理楼道垃圾并督促物业每日清扫")
    due = api.get(f"/cases/{case['id']}").text.split('id="resolve-due"')[1].split("</dd>")[0]
    assert "已超期" not in due  # answered: nothing more is late about it


def test_the_knowledge_page_is_kept_by_supervisors_and_read_by_agents(api):
    def page_csrf(path):
        return api.get(path).text.split('name="csrf-token" content="')[1].split('"')[0]

    login(api, "agent")
    assert api.get("/knowledge").status_code == 200
    refused = api.post("/knowledge", data={"csrf_token": page_csrf("/knowledge"), "title": "x", "answer": "y"})
    assert refused.status_code == 403  # agents read, they do not edit
    login(api, "supervisor")
    form = {"csrf_token": page_csrf("/knowledge"), "title": "物业费<b>标准</b>", "category": "WY1", "active": "on",
            "answer": "<script>alert(1)</script>按合同约定收取，政府指导价见市发改委公告。"}
    assert api.post("/knowledge", data=form, follow_redirects=False).status_code == 303
    bad = api.post("/knowledge", data=form | {"csrf_token": page_csrf("/knowledge"), "category": "NOPE"})
    assert bad.status_code == 400 and "未知事项分类代码" in bad.text
    login(api, "agent")
    found = api.get("/knowledge", params={"q": "物业费标准是多少"}).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in found and "<script>alert(1)" not in found
    assert "物业费&lt;b&gt;标准&lt;/b&gt;" in found and "匹配" in found
    login(api, "supervisor")  # an answer about to expire is pointed out to those who keep the 知识库
    soon = {"csrf_token": page_csrf("/knowledge"), "title": "今冬供暖时间", "answer": "11 月 15 日开始供暖。",
            "active": "on", "valid_until": (date(2026, 11, 23) + timedelta(days=10)).isoformat()}
    assert api.post("/knowledge", data=soon, follow_redirects=False).status_code == 303
    row = next(r for r in api.get("/knowledge").text.split("<tr") if "今冬供暖时间" in r and "<td" in r)
    assert "10 天后到期</strong>，请核实后延长或更新" in row
    login(api, "wj")
    assert api.get("/knowledge").status_code == 403  # a handling unit has no use for the hotline's answers


def test_an_agent_proposes_a_reply_for_the_knowledge_base_and_a_supervisor_accepts_it_edited(api):
    def page_csrf(path):
        return api.get(path).text.split('name="csrf-token" content="')[1].split('"')[0]

    case = create(api, content="外地户口能申请公租房吗", kind="inquiry")
    act(api, "agent", case["id"], "answer_directly", reply="连续缴纳社保满 2 年可申请，到街道政务服务中心办理。")
    login(api, "agent")
    page = api.get(f"/cases/{case['id']}").text
    assert 'id="propose-knowledge"' in page
    form = {"csrf_token": page_csrf(f"/cases/{case['id']}"), "title": "外地户口能申请公租房吗", "category": "WY1",
            "answer": "连续缴纳社保满 2 年可申请，到街道政务服务中心办理。", "request_id": str(case["id"])}
    sent = api.post("/knowledge/proposals", data=form, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == f"/cases/{case['id']}"
    empty = api.post("/knowledge/proposals", data=form | {"csrf_token": page_csrf("/knowledge"), "answer": " "})
    assert empty.status_code == 400 and "答复应为 1–5000 字" in empty.text and "外地户口能申请公租房吗" in empty.text
    assert "待审核" in api.get("/knowledge").text.split("我的建议")[1]
    assert api.post("/knowledge/proposals/1/decline", data={"csrf_token": page_csrf("/knowledge"),
                                                            "reason": "x"}).status_code == 403  # agents propose

    login(api, "supervisor")
    assert "坐席建议（待审核）" in api.get("/knowledge").text
    editing = api.get("/knowledge", params={"proposal": 1}).text
    assert 'name="proposal" value="1"' in editing and "采纳知识建议 1" in editing
    accepted = api.post("/knowledge", data={"csrf_token": page_csrf("/knowledge"), "proposal": "1",
                                            "title": "外地户口申请公租房", "answer": form["answer"], "category": "WY1",
                                            "source": "市住建委", "active": "on"}, follow_redirects=False)
    assert accepted.status_code == 303
    assert "坐席建议（待审核）" not in api.get("/knowledge").text
    login(api, "agent")
    assert "已采纳（条目 1）" in api.get("/knowledge").text
    assert "外地户口申请公租房" in api.get("/knowledge", params={"q": "外地人能不能申请公租房"}).text


def test_the_dashboard_shows_the_early_warnings_and_their_cases_are_listed_since_a_day(api, clock, monkeypatch):
    for i in range(6):  # six 物业 requests in 望京 this week, none before: a rise
        create(api, content=f"望京西园三区楼道垃圾没人清理{i}", division="WJ01", category="WY1")
        clock.advance(hours=5)
    login(api, "supervisor")
    page = api.get("/dashboard").text
    assert f"三率统计于 {clock.now.astimezone(SHANGHAI):%Y-%m-%d %H:%M}，每 5 分钟更新" in page
    rising = page.split('id="rising"')[1].split("</section>")[0]
    assert "望京街道" in rising and "物业管理" in rising and "暂无" not in rising
    since, until = re.search(r'since=(\d{4}-\d{2}-\d{2})&amp;until=(\d{4}-\d{2}-\d{2})', rising).groups()
    listed = api.get("/cases", params={"area": "WJ", "category": "WY", "since": since, "until": until})
    assert listed.status_code == 200 and f"{since} 起" in listed.text and "共 6 件" in listed.text
    before = api.get("/cases", params={"area": "WJ", "category": "WY", "until": since})
    assert "共 0 件" in before.text  # the six are all inside the window
    bad = api.get("/cases", params={"since": "上周"})
    assert bad.status_code == 400 and "起始日期" in bad.text
    from jiesu.web import pages

    monkeypatch.setattr(pages, "COUNTED_UP_TO", 4)  # a city's millions are not counted on every page: past the
    capped = api.get("/cases", params={"area": "WJ", "category": "WY", "since": since, "until": until}).text  # cap,
    assert "超过 4 件" in capped and "共 6 件" not in capped and capped.count('href="/cases/') >= 6  # "more than"
    assert "截止日期" in api.get("/cases", params={"until": "2026-11"}).text


def test_a_citizen_is_offered_the_knowledge_base_answers_without_logging_in(api, app):
    from jiesu.services.knowledge import Article, save

    save(app, "supervisor", Article("暖气不热怎么报修", "请拨打供热公司报修电话，24 小时内上门。", "GR1"))
    save(app, "supervisor", Article("停用的答复", "暖气不热请找物业", "GR1", active=False))
    found = api.get("/api/v1/public/answers", params={"q": "家里暖气不热，找谁报修"})
    assert found.status_code == 200
    assert found.json() == {"items": [{"title": "暖气不热怎么报修", "answer": "请拨打供热公司报修电话，24 小时内上门。",
                                       "source": ""}], "published": [], "emergency": None}  # nothing published here
    assert api.get("/api/v1/public/answers", params={"q": "路灯不亮"}).json() == {"items": [], "published": [],
                                                                                "emergency": None}
    short = api.get("/api/v1/public/answers", params={"q": "暖"})
    assert short.status_code == 422 and short.json()["field"] == "q"


def test_the_case_page_shows_the_petition_clock(api, app):
    from datetime import date

    from jiesu.services import petitions

    case = create(api)
    petitions.open_petition(app, "信访科", case["id"], date(2026, 11, 2))
    login(api, "dispatcher")
    shown = api.get(f"/cases/{case['id']}").text.split('id="petition">')[1].split("</dd>")[0]
    assert "待决定受理（2026-11-02 收到）；决定是否受理 2026-11-17" in shown and "已超期" in shown
    assert 'id="petition-form"' not in api.get(f"/cases/{case['id']}").text  # 派单员 do not record petition steps
    login(api, "supervisor")
    page = api.get(f"/cases/{case['id']}").text
    csrf = page.split('name="csrf-token" content="')[1].split('"')[0]
    assert '<option value="accept">受理</option>' in page and '<option value="answer">' not in page
    refused = api.post(f"/cases/{case['id']}/petition", data={"csrf_token": csrf, "step": "refuse", "on": "2026-11-10"})
    assert refused.status_code == 400 and "不予受理须写明理由" in refused.text
    accepted = api.post(f"/cases/{case['id']}/petition", data={"csrf_token": csrf, "step": "accept", "on": "2026-11-10"},
                        follow_redirects=False)
    assert accepted.status_code == 303
    assert "办理中（2026-11-02 收到）；出具处理意见 2027-01-11" in api.get(f"/cases/{case['id']}").text
    other = create(api)
    opened = api.post(f"/cases/{other['id']}/petition", data={"csrf_token": csrf, "step": "open", "on": "2026-11-12"},
                      follow_redirects=False)
    assert opened.status_code == 303 and "决定是否受理 2026-11-27" in api.get(f"/cases/{other['id']}").text
    desk = api.get("/desk").text.split('id="petitions-due"')[1].split("</section>")[0]
    assert other["ticket"] in desk and case["ticket"] not in desk  # 11-27 is within 7 days; 2027-01-11 is not


def test_pages_need_login_and_the_right_role(api):
    assert api.get("/desk", follow_redirects=False).status_code == 303
    login(api, "wj")
    assert api.get("/desk").status_code == 403
    assert api.get("/inbox").status_code == 200


def test_a_photo_must_be_an_image(api):
    page = api.get("/portal")
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    data = {"content": "井盖缺失", "requester_phone": "13900001111", "csrf_token": csrf, "kind": "report"}
    bad = api.post("/portal", data=data, files={"photos": ("x.jpg", b"MZ\x90\x00 not an image", "image/jpeg")})
    assert bad.status_code == 400 and "JPEG 或 PNG" in bad.text
    broken = api.post("/portal", data=data, files={"photos": ("x.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")})
    assert broken.status_code == 400 and "照片文件不完整或已损坏" in broken.text  # a PNG's signature, then nothing
    good = api.post("/portal", data=data, files={"photos": ("x.png", png(), "image/png")})
    assert good.status_code == 200 and "查询码" in good.text


def test_the_hot_issues_page_groups_reposts(api, clock):
    for i in range(3):
        create(api, content=f"花家地社区北门搅拌站夜里噪音很大，灰尘污染严重{i}", division="WJ02", category="ZS1")
        clock.advance(minutes=30)
    create(api, content="咨询公租房申请条件", division="WJ02", category="WY1")
    login(api, "supervisor")
    page = api.get("/issues/hot")
    assert page.status_code == 200 and "热点问题" in page.text
    first = page.text.split('<section class="card">')[1]
    assert "3 件" in first and "搅拌站" in first
    login(api, "wj")
    assert api.get("/issues/hot").status_code == 403


def wait_for_build(api) -> dict:
    """The issues page's grouping runs in the background: poll its status as the page does."""
    import time

    for _ in range(200):
        status = api.get("/issues/build/status").json()
        if not status["running"]:
            return status
        time.sleep(0.05)
    raise AssertionError("the grouping did not finish")


def test_the_issue_pages_build_show_merge_and_dispatch(api, clock):
    made = []
    for i in range(3):
        made.append(create(api, content=f"花家地社区北门搅拌站夜里噪音很大，灰尘污染严重{i}", division="WJ02",
                           category="ZS1"))
        clock.advance(minutes=30)
    login(api, "analyst")
    assert api.post("/issues/build", data={"csrf_token": "x"}, follow_redirects=False).status_code == 403  # viewer only
    login(api, "dispatcher")
    csrf = api.get("/issues").text.split('name="csrf-token" content="')[1].split('"')[0]
    assert api.post("/issues/build", data={"csrf_token": "wrong"}).status_code == 403  # CSRF checked
    assert api.post("/issues/build", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    status = wait_for_build(api)
    assert status["state"] == "done" and "1 个新问题" in status["message"]
    listing = api.get("/issues").text
    assert "上次归并" in listing and "1 个新问题" in listing
    assert "#1" in listing and "搅拌站" in listing
    page = api.get("/issues/1")
    assert page.status_code == 200 and "来源地区" in page.text and "Plotly.newPlot" in page.text and made[0]["ticket"] in page.text
    merged = api.post("/issues/1/merge", data={"csrf_token": csrf, "master": made[0]["id"],
                                               "members": [made[1]["id"]]}, follow_redirects=True)
    assert "已将 1 件并入主件" in merged.text
    bad = api.post("/issues/1/dispatch", data={"csrf_token": csrf, "unit": "NOPE"}, follow_redirects=True)
    assert "未知单位" in bad.text and "未派发" in bad.text
    done = api.post("/issues/1/dispatch", data={"csrf_token": csrf, "unit": "HBJ"}, follow_redirects=True)
    assert "已派发为治理工单" in done.text and "治理中" in done.text
    assert api.get("/issues/999").status_code == 404
    login(api, "wj")
    assert api.get("/issues/1").status_code == 403


def test_staff_change_their_own_password_with_the_current_one(api):
    login(api, "agent")
    page = api.get("/account/password").text
    assert "修改密码" in page
    csrf = page.split('name="csrf-token" content="')[1].split('"')[0]

    def change(current, new, again):
        return api.post("/account/password", data={"csrf_token": csrf, "current": current, "new": new,
                                                    "again": again}, follow_redirects=False)

    wrong = change("not-my-password", "brand-new-pass", "brand-new-pass")
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.text
    assert "两次输入的新密码不一致" in change("password-agent", "brand-new-pass", "brand-new-pasS").text
    short = change("password-agent", "short", "short")
    assert short.status_code == 400 and "至少 8 位" in short.text
    assert api.post("/account/password", data={"csrf_token": "forged", "current": "password-agent", "new": "x" * 9,
                                                "again": "x" * 9}).status_code == 403
    assert change("password-agent", "brand-new-pass", "brand-new-pass").status_code == 303
    api.post("/logout", data={"csrf_token": csrf})
    page = api.get("/login")
    token = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    old = api.post("/login", data={"name": "agent", "password": "password-agent", "csrf_token": token})
    assert old.status_code == 400
    new = api.post("/login", data={"name": "agent", "password": "brand-new-pass", "csrf_token": token},
                   follow_redirects=False)
    assert new.status_code == 303
    api.cookies.clear()
    assert api.get("/account/password", follow_redirects=False).status_code in (302, 303)  # logged out: to login


def test_the_administrator_manages_accounts_tokens_and_keys_on_a_page(api):
    for who in ("agent", "dispatcher", "wj", "supervisor", "analyst"):  # nobody else may even look
        login(api, who)
        assert api.get("/admin/users").status_code == 403
        assert api.post("/admin/users/wj/disable", data={"csrf_token": "x"}).status_code == 403
    api.cookies.clear()
    assert api.get("/admin/users", follow_redirects=False).status_code == 303
    login(api, "admin")
    page = api.get("/admin/users")
    assert page.status_code == 200 and "用户管理" in page.text and "wj" in page.text
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]

    def post(path, **data):
        return api.post(path, data={"csrf_token": csrf, **data})

    assert api.post("/admin/users", data={"csrf_token": "forged", "name": "x", "role": "agent",
                                          "password": "p" * 9}).status_code == 403
    assert "承办人必须指定所在单位" in post("/admin/users", name="zhao", role="handler", password="p" * 9).text
    assert "已添加用户 zhao" in post("/admin/users", name="zhao", role="handler", unit="WJ", password="p" * 9).text
    shown = post("/admin/users/zhao/password")
    temporary = shown.text.split('<code id="secret">')[1].split("</code>")[0]
    assert shown.headers["cache-control"] == "no-store" and len(temporary) >= 8
    assert temporary not in api.get("/admin/users").text  # shown once
    assert "已停用用户 zhao" in post("/admin/users/zhao/disable").text
    post("/admin/users", name="李四", role="agent", password="p" * 9)
    listing = api.get("/admin/users").text
    address = re.search(r'action="(/admin/users/[^"]+/disable)"', listing.split("李四")[1]).group(1)
    assert "已停用用户 李四" in post(address).text  # the page's own address for a Chinese name works
    assert "不能停用自己的账号" in post("/admin/users/admin/disable").text
    issued = post("/admin/tokens", user="wj", purpose="小程序")
    token = issued.text.split('<code id="secret">')[1].split("</code>")[0]
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    token_id = max(int(x) for x in re.findall(r"/admin/tokens/(\d+)/revoke", issued.text))
    assert "已吊销令牌" in post(f"/admin/tokens/{token_id}/revoke").text
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    shown_key = post("/admin/open311-keys", name="城管通").text
    key = shown_key.split('<code id="secret">')[1].split("</code>")[0]
    assert len(key) == 40
    key_id = max(int(x) for x in re.findall(r"/admin/open311-keys/(\d+)/revoke", shown_key))
    assert "已吊销Open311 密钥" in post(f"/admin/open311-keys/{key_id}/revoke").text
    assert api.post("/open311/v2/requests.json", data={"api_key": key, "service_code": "WY1",
                                                        "description": "路灯不亮", "lat": 40.0, "long": 116.4}
                    ).status_code in (401, 403)
    assert post("/admin/nothing/1/revoke").status_code == 404
    assert "没有编号为 999 的有效令牌" in post("/admin/tokens/999/revoke").text


def test_the_administrator_reads_filters_pages_and_exports_the_audit_trail(api, app):
    for who in ("agent", "dispatcher", "wj", "supervisor", "analyst"):
        login(api, who)
        assert api.get("/admin/audit").status_code == 403 and api.get("/admin/audit.csv").status_code == 403
    add_user(app, "<b>x<b>", "agent", "p" * 9, by="<script>alert(1)</script>")
    for n in range(55):
        add_user(app, f"user{n}", "analyst", "p" * 9, by="管理员甲")
    login(api, "admin")
    page = api.get("/admin/audit")
    assert page.status_code == 200 and "共 " in page.text and "第 1 / " in page.text and "下一页" in page.text
    odd = api.get("/admin/audit", params={"target": "<b>"}).text  # user text in the trail is shown as text
    assert "<script>alert(1)</script>" not in odd and "&lt;script&gt;alert(1)&lt;/script&gt;" in odd
    assert "<b>x<b>" not in odd and "&lt;b&gt;x&lt;b&gt;" in odd and "添加账号" in odd
    mine = api.get("/admin/audit", params={"actor": "管理员甲", "action": "user", "page": 2})
    assert "共 55 条" in mine.text and "第 2 / 2 页" in mine.text and "上一页" in mine.text
    assert "共 0 条" in api.get("/admin/audit", params={"since": "2026-12-01"}).text
    bad = api.get("/admin/audit", params={"since": "2026-13-01"})
    assert bad.status_code == 400 and "起始日期" in bad.text and "YYYY-MM-DD" in bad.text
    exported = api.get("/admin/audit.csv", params={"actor": "管理员甲"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.text.count("\n") == 56 and "user54" in exported.text  # every match, not one page
    assert "导出审计日志" in api.get("/admin/audit", params={"action": "audit.export"}).text


def test_a_user_name_with_a_slash_or_space_is_refused(app):
    import pytest

    from jiesu.domain.errors import InvalidInput

    for bad in ("a/b", "li si", "x?y", "a%2f"):
        with pytest.raises(InvalidInput) as refused:
            add_user(app, bad, "agent", "p" * 9)
        assert refused.value.field == "name"
    assert add_user(app, "李四", "agent", "p" * 9).name == "李四"


def test_the_case_shows_its_text_messages_without_their_text(api):
    case = create(api)
    shown = call(api, "supervisor", "GET", f"/api/v1/requests/{case['id']}").json()
    assert [(n["kind_label"], n["status_label"]) for n in shown["notices"]] == [("受理短信", "待发送")]
    assert case["citizen_code"] not in json.dumps(shown, ensure_ascii=False)
    login(api, "supervisor")
    page = api.get(f"/cases/{case['id']}").text
    assert "短信通知" in page and "受理短信" in page and case["citizen_code"] not in page


def test_the_supervisors_desk_shows_failed_and_stalled_text_messages(api, app, clock):
    import httpx

    from jiesu.domain.notices import RETRY_AFTER
    from jiesu.services import notifications

    case = create(api)
    login(api, "supervisor")
    assert "短信通知" not in api.get("/desk").text  # nothing wrong yet
    clock.advance(minutes=20)
    assert "有短信等待超过 15 分钟未发出" in api.get("/desk").text  # no gateway, or no worker running
    refusing = notifications.HttpSmsGateway("http://sms.test/send", client=httpx.Client(
        transport=httpx.MockTransport(lambda request: httpx.Response(403, text="签名未备案"))))
    for _ in range(len(RETRY_AFTER) + 1):
        notifications.deliver_due(app, refusing)
        clock.advance(hours=7)
    desk = api.get("/desk").text
    assert "发送失败 1 条" in desk and case["ticket"] in desk and "HTTP 403 签名未备案" in desk
    assert "有短信等待" not in desk


def test_the_inbox_marks_a_case_near_and_past_its_deadline(api, clock):
    case = create(api)
    dispatched = act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    login(api, "wj")
    assert "已超期" not in api.get("/inbox").text and "即将到期" not in api.get("/inbox").text
    due = datetime.fromisoformat(dispatched["resolve_due"])
    clock.advance(seconds=(due - clock.now).total_seconds() - 3600)  # an hour before: within JIESU_DUE_SOON_HOURS
    assert "即将到期" in api.get("/inbox").text and "已超期" not in api.get("/inbox").text
    clock.advance(days=12)
    inbox = api.get("/inbox").text
    assert case["ticket"] in inbox and "已超期" in inbox


def test_the_dispatcher_dispatches_several_cases_to_their_suggested_units_at_once(api):
    ready = create(api)
    unclassified = create(api, category=None)
    changed = create(api, division="WJ02")
    login(api, "dispatcher")
    page = api.get("/queue").text
    assert "按建议派单" in page and f'value="{ready["id"]}:{ready["version"]}"' in page
    assert f'value="{unclassified["id"]}:' not in page  # no suggestion: dispatched one by one
    act(api, "agent", changed["id"], "reclassify", category="WY2", reason="分类有误")  # changed since it was seen
    csrf = page.split('name="csrf-token" content="')[1].split('"')[0]
    answer = api.post("/queue/dispatch", data={"csrf_token": csrf, "pick": [
        f"{ready['id']}:{ready['version']}", f"{changed['id']}:{changed['version']}",
        f"{unclassified['id']}:{unclassified['version']}", "x:1"]}, follow_redirects=True)
    assert f"已按建议派单 1 件：{ready['ticket']} → 望京街道" in answer.text
    assert f"未派单 2 件，请逐件处理：{changed['ticket']}（" in answer.text and "已被他人修改" in answer.text
    assert f"{unclassified['ticket']}（未分类：请先改类或逐件派单）" in answer.text
    assert call(api, "supervisor", "GET", f"/api/v1/requests/{ready['id']}").json()["lead_unit"] == "WJ"
    assert call(api, "supervisor", "GET", f"/api/v1/requests/{changed['id']}").json()["status"] == "registered"
    login(api, "supervisor")
    assert "按建议派单" not in api.get("/queue").text  # supervisors do not dispatch
    version = call(api, "supervisor", "GET", f"/api/v1/requests/{changed['id']}").json()["version"]
    refused = api.post("/queue/dispatch", data={"csrf_token": csrf, "pick": [f"{changed['id']}:{version}"]})
    assert refused.status_code == 403
    assert call(api, "supervisor", "GET", f"/api/v1/requests/{changed['id']}").json()["status"] == "registered"


def test_a_search_is_exported_whole_to_excel_without_personal_data_and_recorded(api, app):
    import io

    from openpyxl import load_workbook

    from jiesu.services import audit

    for n in range(3):
        create(api, content=f"=HYPERLINK(\"x\") 楼道堆物 第{n}件，回电13912345678", requester_name="张三")
    create(api, division="JX01", category="WY1")
    login(api, "analyst")
    listing = api.get("/cases", params={"area": "WJ"}).text
    assert "导出 Excel（全部 3 件" in listing
    answer = api.get("/cases.xlsx", params={"area": "WJ"})
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    assert answer.headers["cache-control"] == "no-store"
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "工单号" and len(rows) == 4  # the three in 望京, not the one in 酒仙桥
    text = " ".join(str(v) for row in rows for v in row if v)
    assert "13912345678" not in text and "张三" not in text and "139****5678" in text
    assert rows[0][11] == "内容" and all(str(row[11]).startswith("'=") for row in rows[1:])  # never a formula
    [line], _ = audit.entries(app, audit.AuditQuery(action="cases.export"))
    assert line.actor == "analyst" and line.target == "3 件" and line.detail == {"area": "望京街道"}
    login(api, "agent")
    assert api.get("/cases.xlsx").status_code == 403  # agents work case by case


def test_the_requester_urges_from_the_portal_once_a_day_and_the_desk_sees_it(api, clock):
    case = create(api)
    ticket, code = case["ticket"], case["citizen_code"]

    def portal_csrf():
        return api.get("/portal/track").text.split('name="csrf-token" content="')[1].split('"')[0]

    tracked = api.post("/portal/track", data={"csrf_token": portal_csrf(), "ticket": ticket, "code": code}).text
    assert "/portal/urge" not in tracked  # registered, not yet with a unit
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    tracked = api.post("/portal/track", data={"csrf_token": portal_csrf(), "ticket": ticket, "code": code}).text
    assert "/portal/urge" in tracked
    wrong = api.post("/portal/urge", data={"csrf_token": portal_csrf(), "ticket": ticket, "code": "WRONG123"})
    assert wrong.status_code == 404 and "工单号或查询码不正确" in wrong.text
    urged = api.post("/portal/urge", data={"csrf_token": portal_csrf(), "ticket": ticket, "code": code,
                                           "note": "三天了还没人联系我"})
    assert urged.status_code == 200 and "已催办" in urged.text
    again = api.post("/portal/urge", data={"csrf_token": portal_csrf(), "ticket": ticket, "code": code})
    assert again.status_code == 400 and "24 小时内只能催办一次" in again.text and ticket in again.text
    shown = call(api, "supervisor", "GET", f"/api/v1/requests/{case['id']}").json()
    assert [e["action"] for e in shown["events"]][-1] == "urge" and shown["events"][-1]["note"] == "三天了还没人联系我"
    login(api, "wj")
    inbox = api.get("/inbox").text
    assert inbox.index("市民催办（24 小时内）") < inbox.index("待签收") and ticket in inbox.split("市民催办")[1]
    login(api, "jx")
    assert "市民催办" not in api.get("/inbox").text  # another unit's inbox
    login(api, "supervisor")
    desk = api.get("/desk").text
    assert "市民催办（24 小时内，仍在办理）" in desk and ticket in desk.split("市民催办")[1]
    clock.advance(hours=25)
    assert ticket not in api.get("/desk").text.split("市民催办")[1].split("</section>")[0]


def test_a_citizen_app_urges_through_the_public_api(api):
    case = create(api)
    url = f"/api/v1/public/requests/{case['ticket']}/urge"
    assert api.post(url, json={"code": case["citizen_code"]}).status_code == 409  # not with a unit yet
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    assert api.post(url, json={"code": "WRONG123"}).status_code == 404
    urged = api.post(url, json={"code": case["citizen_code"], "note": "请尽快"})
    assert urged.status_code == 200 and urged.json()["timeline"][-1]["action_label"] == "催办"
    again = api.post(url, json={"code": case["citizen_code"]})
    assert again.status_code == 409 and again.json()["field"] == "urge"


def test_an_agent_raises_a_dispatched_case_to_emergency_on_its_page_and_the_unit_sees_it_first(api):
    older = create(api, content="望京西园三区楼道灯坏了")
    act(api, "dispatcher", older["id"], "dispatch", unit="WJ")
    case = create(api)
    dispatched = act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    login(api, "agent")
    page = api.get(f"/cases/{case['id']}").text
    csrf = page.split('name="csrf-token" content="')[1].split('"')[0]
    form = page.split("<summary>调整紧急程度</summary>")[1].split("</form>")[0]
    assert 'value="emergency"' in form and 'value="normal"' not in form and "派单员、督办核定后才能降低" in form
    posted = api.post(f"/cases/{case['id']}/act", data={
        "csrf_token": csrf, "action": "change_urgency", "version": str(case["version"] + 1), "urgency": "emergency",
        "reason": "二次来电：楼道堆物冒烟"}, follow_redirects=False)
    assert posted.status_code == 303, posted.text
    shown = call(api, "supervisor", "GET", f"/api/v1/requests/{case['id']}").json()
    assert shown["urgency"] == "emergency" and shown["events"][-1]["action"] == "change_urgency"
    assert shown["events"][-1]["note"] == "二次来电：楼道堆物冒烟"
    assert "调整紧急程度</strong>（一般 → 紧急）" in api.get(f"/cases/{case['id']}").text
    refused = act(api, "agent", case["id"], "change_urgency", expect=403, urgency="normal", reason="误报")
    assert refused["field"] == "urgency" and "延期" in refused["message"]
    act(api, "wj", case["id"], "change_urgency", expect=403, urgency="urgent", reason="现场更严重")
    login(api, "wj")
    inbox = api.get("/inbox").text
    assert inbox.index(case["ticket"]) < inbox.index(older["ticket"])  # the emergency first
    lowered = act(api, "supervisor", case["id"], "change_urgency", urgency="normal", reason="核实：并非冒烟，是水汽")
    assert lowered["urgency"] == "normal" and lowered["resolve_due"] == dispatched["resolve_due"]  # as dispatched first


def test_past_the_rate_limit_the_portal_tries_no_code_not_even_through_urge_or_rate(api, app):
    case = create(api, content="望京西园三区楼道堆物，多次反映无人处理")
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")  # with a unit: it may be urged
    portal = TestClient(create_app(app, track_per_minute=2))

    def csrf():
        return portal.get("/portal/track").text.split('name="csrf-token" content="')[1].split('"')[0]

    for _ in range(2):
        wrong = portal.post("/portal/track", data={"csrf_token": csrf(), "ticket": case["ticket"], "code": "WRONG123"})
        assert wrong.status_code == 404
    for path in ("/portal/urge", "/portal/rate"):
        refused = portal.post(path, data={"csrf_token": csrf(), "ticket": case["ticket"], "code": case["citizen_code"],
                                          "solved": "yes", "satisfaction": "satisfied"})
        assert "多次反映无人处理" not in refused.text and refused.status_code == 429  # the right code: not told


def test_a_handler_sees_their_own_units_standing_and_a_supervisor_any_units(api, clock):
    case = create(api)
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    clock.advance(days=3)  # signed for and contacted late
    for who, action, body in [("wj", "acknowledge", {}), ("wj", "record_contact", {"note": "已联系"}),
                              ("wj", "resolve", {"reply": "已清理"}), ("dispatcher", "accept_reply", {}),
                              ("agent", "follow_up", {"solved": False, "satisfaction": "不满意"})]:
        act(api, who, case["id"], action, **body)
    month = clock.now.astimezone(SHANGHAI).strftime("%Y-%m")
    login(api, "wj")
    page = api.get("/standing").text
    assert "望京街道 · 三率考核" in page and "本月截至目前" in page
    counted = clock.now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert f"三率与排名统计于 {counted}，每 5 分钟更新" in page
    late = page.split('id="late"')[1].split("</section>")[0]
    assert case["ticket"] in late and "签收、联系诉求人超时" in late
    assert "未解决，不满意" in page.split('id="callbacks"')[1]
    assert "酒仙桥街道" not in api.get("/standing", params={"unit": "JX"}).text  # their own unit, whatever is asked
    login(api, "jx")
    assert case["ticket"] not in api.get("/standing").text
    login(api, "supervisor")
    assert "请选择单位" in api.get("/standing").text
    chosen = api.get("/standing", params={"unit": "WJ", "month": month}).text
    assert "望京街道 · 三率考核" in chosen and case["ticket"] in chosen
    wrong = api.get("/standing", params={"unit": "WJ", "month": "2026-13"})
    assert wrong.status_code == 400 and "YYYY-MM" in wrong.text
    assert api.get("/standing", params={"unit": "NOPE"}).status_code == 400
    login(api, "agent")
    assert api.get("/standing").status_code == 403
    mine = call(api, "wj", "GET", "/api/v1/units/WJ/standing").json()  # the same through the API
    assert mine["unit_name"] == "望京街道" and mine["figures"]["response_rate"] == 0.0
    assert mine["counted_at"] == clock.now.isoformat()
    assert [x["ticket"] for x in mine["late_responses"]] == [case["ticket"]]
    assert mine["callbacks_lowering"][0]["what"] == "未解决，不满意"
    assert call(api, "wj", "GET", "/api/v1/units/JX/standing").status_code == 404  # not their unit
    assert call(api, "agent", "GET", "/api/v1/units/WJ/standing").status_code == 403
    assert call(api, "supervisor", "GET", "/api/v1/units/JX/standing").json()["figures"] is None
    assert call(api, "supervisor", "GET", "/api/v1/units/WJ/standing", params={"month": "11-2026"}).status_code == 400
    assert call(api, "supervisor", "GET", "/api/v1/units/NOPE/standing").status_code == 404  # as a unit not theirs


def test_the_callback_desk_lists_replies_waiting_for_a_call_nearest_deadline_first(api, clock):
    first, second = create(api, content="望京西园三区楼道灯坏了"), create(api)
    for case in (second, first):  # the second case's reply is accepted first: its callback is due first
        for who, action, body in [("dispatcher", "dispatch", {"unit": "WJ"}), ("wj", "acknowledge", {}),
                                  ("wj", "resolve", {"reply": "已处理"}), ("dispatcher", "accept_reply", {})]:
            act(api, who, case["id"], action, **body)
        clock.advance(days=1)
    login(api, "agent")
    page = api.get("/callbacks").text
    listed = page.split("<h2>待回访")[1]
    assert "回访台" in page and listed.index(second["ticket"]) < listed.index(first["ticket"])
    assert "并单诉求人待回访" in page
    act(api, "agent", second["id"], "follow_up", solved=True, satisfaction="满意")
    assert second["ticket"] not in api.get("/callbacks").text
    clock.advance(days=10)
    assert "已超期" in api.get("/callbacks").text
    login(api, "wj")
    assert api.get("/callbacks").status_code == 403


def test_the_case_page_opens_the_next_step_forward_and_never_one_that_ends_or_hands_back_the_case(api):
    case = create(api)
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")

    def opened(who):
        login(api, who)
        page = api.get(f"/cases/{case['id']}").text
        return re.findall(r'<details class="action" open>\s*<summary>([^<]+)</summary>', page)

    assert opened("wj") == ["签收"]  # not 退单
    assert opened("agent") == ["催办"]  # the requester on the phone again; 撤回 is there, but not open
    assert opened("supervisor") == []
    act(api, "wj", case["id"], "acknowledge")
    assert opened("wj") == ["联系诉求人"]
    act(api, "wj", case["id"], "record_contact", note="已电话联系")
    assert opened("wj") == ["办结答复"]  # contacted: the reply is next, not a second contact


def test_the_desk_puts_an_emergency_nobody_signed_for_first(api, clock):
    urgent = create(api, content="望京西园3号楼燃气泄漏", urgency="emergency")
    ordinary = create(api)
    for case in (urgent, ordinary):
        act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    login(api, "supervisor")
    assert "紧急件超时未签收" not in api.get("/desk").text  # within its half hour
    clock.advance(minutes=40)
    desk = api.get("/desk").text
    section = desk.split("紧急件超时未签收")[1].split("</section>")[0]
    assert desk.index("紧急件超时未签收") < desk.index("已超期") and urgent["ticket"] in section
    assert ordinary["ticket"] not in section
    act(api, "wj", urgent["id"], "acknowledge")
    assert "紧急件超时未签收" not in api.get("/desk").text


def test_the_intake_suggestions_list_the_callers_recent_cases_with_their_status(api):
    case = create(api)
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    found = call(api, "agent", "POST", "/api/v1/suggest", json={"content": "楼道垃圾还是没人清理",
                                                                 "requester_phone": INTAKE["requester_phone"]}).json()
    [repeat] = found["repeats"]
    assert (repeat["ticket"], repeat["status_label"]) == (case["ticket"], "待签收")


def test_the_case_page_says_when_the_unit_signed_for_and_contacted_and_whether_in_time(api, clock):
    case = create(api)
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    login(api, "supervisor")
    facts = api.get(f"/cases/{case['id']}").text.split('<dl class="facts">')[1].split("</dl>")[0]
    assert "<dt>签收</dt><dd>时限" in facts and "已签收" not in facts
    act(api, "wj", case["id"], "acknowledge")
    clock.advance(days=3)
    act(api, "wj", case["id"], "record_contact", note="已电话联系")
    shown = call(api, "supervisor", "GET", f"/api/v1/requests/{case['id']}").json()
    assert shown["acknowledged_late"] is False and shown["contacted_late"] is True
    facts = api.get(f"/cases/{case['id']}").text.split('<dl class="facts">')[1].split("</dl>")[0]
    signed, contacted = facts.split("<dt>联系诉求人</dt>")
    assert "已签收" in signed and "超时" not in signed
    assert "已联系" in contacted and "超时" in contacted


def test_the_case_list_filters_by_urgency_on_the_page_and_in_the_api(api):
    urgent = create(api, content="望京西园3号楼燃气泄漏", urgency="emergency")
    ordinary = create(api)
    listed = call(api, "supervisor", "GET", "/api/v1/requests", params={"urgency": "emergency"}).json()["items"]
    assert [x["ticket"] for x in listed] == [urgent["ticket"]]
    wrong = call(api, "supervisor", "GET", "/api/v1/requests", params={"urgency": "very"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "urgency"
    login(api, "supervisor")
    page = api.get("/cases", params={"urgency": "emergency"}).text
    assert urgent["ticket"] in page and ordinary["ticket"] not in page
    assert '<option value="emergency" selected>紧急</option>' in page
    assert api.get("/cases", params={"urgency": "very"}).status_code == 400


def test_a_returning_unit_names_the_unit_and_the_dispatcher_sees_it_first(api):
    case = create(api)
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    unknown = act(api, "wj", case["id"], "return", expect=400, reason="不属本街道", proposed_unit="NOPE")
    assert unknown["field"] == "proposed_unit"
    centre = call(api, "wj", "POST", f"/api/v1/requests/{case['id']}/actions/return",
                  json={"reason": "不属本街道", "proposed_unit": "CENTRE"})
    assert centre.status_code == 400 and "热线中心" in centre.json()["message"]
    returned = act(api, "wj", case["id"], "return", reason="占道经营属城管执法", proposed_unit="CGW")
    assert returned["status"] == "return_pending" and returned["proposed_unit"] == "CGW"
    login(api, "dispatcher")
    page = api.get(f"/cases/{case['id']}").text
    assert "区城管委（退单单位建议）" in page.split('id="proposed-unit"')[1].split("</dd>")[0]
    redispatch = page.split('value="redispatch"')[1].split("</select>")[0]
    assert redispatch.split("<option")[1].startswith(' value="CGW">区城管委（退单单位建议）')  # first, so chosen
    redone = act(api, "dispatcher", case["id"], "redispatch", unit="CGW", reason="按退单单位建议改派")
    assert redone["lead_unit"] == "CGW" and redone["proposed_unit"] is None


def test_a_handler_signs_for_several_cases_at_once_and_only_their_units(api):
    mine, stale = create(api), create(api, content="望京西园三区电梯坏了")
    theirs = create(api, division="JX01", content="大山子社区路灯不亮")
    for case, unit in ((mine, "WJ"), (stale, "WJ"), (theirs, "JX")):
        act(api, "dispatcher", case["id"], "dispatch", unit=unit)
    login(api, "wj")
    page = api.get("/inbox").text
    form = page.split('id="batch-sign"')[1].split("</form>")[0]
    versions = dict(re.findall(r'name="pick" value="(\d+):(\d+)"', form))
    assert set(versions) == {str(mine["id"]), str(stale["id"])}  # their own 待签收 only
    act(api, "dispatcher", stale["id"], "change_urgency", urgency="urgent", reason="二次来电")  # changed since seen
    csrf = page.split('name="csrf-token" content="')[1].split('"')[0]
    answer = api.post("/inbox/acknowledge", follow_redirects=True, data={"csrf_token": csrf, "pick": [
        f"{mine['id']}:{versions[str(mine['id'])]}", f"{stale['id']}:{versions[str(stale['id'])]}",
        f"{theirs['id']}:1"]})
    assert f"已签收 1 件：{mine['ticket']}。请在联系时限内联系诉求人" in answer.text
    assert "未签收 2 件" in answer.text and f"{stale['ticket']}（" in answer.text and "已被他人修改" in answer.text
    assert theirs["ticket"] not in answer.text  # another unit's case: refused without naming it
    statuses = [call(api, "supervisor", "GET", f"/api/v1/requests/{c['id']}").json()["status"]
                for c in (mine, stale, theirs)]
    assert statuses == ["in_progress", "dispatched", "dispatched"]
    csrf = login(api, "dispatcher")
    refused = api.post("/inbox/acknowledge", data={"csrf_token": csrf, "pick": [f"{theirs['id']}:2"]})
    assert refused.status_code == 403 and "此页面仅限：承办人" in refused.text  # the unit signs, not the centre


def test_the_duty_lists_are_shown_to_those_who_dispatch_by_them(api):
    login(api, "dispatcher")
    page = api.get("/catalogue").text
    table = page.split('id="catalogue"')[1]
    assert "物业服务" in table and "地址所在的街道/乡镇" in table and "区住建委" in table and "所有社区/村" in table
    assert "上级收回" in table and "望京西园社区" in table  # 生活噪音: only that community admits it
    found = api.get("/catalogue", params={"q": "暖气"}).text.split('id="catalogue"')[1]
    assert "暖气不热" in found and "热力集团" in found and "物业服务" not in found
    assert "没有名称含“不存在的事项”的事项" in api.get("/catalogue", params={"q": "不存在的事项"}).text
    login(api, "wj")
    assert api.get("/catalogue").status_code == 403


def test_a_supervisor_finds_the_unreasonable_claims_on_the_desk_and_refuses_one_with_the_reason(api):
    claimed, other = create(api), create(api, content="望京西园三区楼道灯不亮")
    for case in (claimed, other):
        act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    act(api, "wj", claimed["id"], "acknowledge")

    def actions(who, case):
        return call(api, who, "GET", f"/api/v1/requests/{case['id']}").json()["allowed_actions"]

    assert "flag_unreasonable" in actions("wj", claimed) and "refuse_unreasonable" not in actions("supervisor", claimed)
    act(api, "wj", claimed["id"], "flag_unreasonable", reason="诉求人要求物业赔偿，超出政策范围")
    assert "flag_unreasonable" not in actions("wj", claimed)  # one claim at a time
    assert {"approve_unreasonable", "refuse_unreasonable"} <= set(actions("supervisor", claimed))
    assert "refuse_unreasonable" not in actions("dispatcher", claimed)
    pending = call(api, "supervisor", "GET", "/api/v1/requests", params={"unreasonable": "pending"}).json()["items"]
    assert [x["id"] for x in pending] == [claimed["id"]]
    bad = call(api, "supervisor", "GET", "/api/v1/requests", params={"unreasonable": "maybe"})
    assert bad.status_code == 400 and bad.json()["field"] == "unreasonable"

    login(api, "supervisor")
    desk = api.get("/desk").text
    section = desk.split("不合理诉求待认定")[1].split("</section>")[0]
    assert claimed["ticket"] in section and other["ticket"] not in section
    page = api.get(f"/cases/{claimed['id']}").text
    assert "<summary>驳回不合理诉求申请</summary>" in page and "<summary>申请不合理诉求</summary>" not in page
    assert '<dd id="unreasonable-claim">待认定；申请理由：诉求人要求物业赔偿，超出政策范围</dd>' in page
    csrf = page.split('name="csrf-token" content="')[1].split('"')[0]
    version = call(api, "supervisor", "GET", f"/api/v1/requests/{claimed['id']}").json()["version"]
    empty = api.post(f"/cases/{claimed['id']}/act", data={"csrf_token": csrf, "action": "refuse_unreasonable",
                                                             "version": str(version), "reason": ""})
    assert empty.status_code == 400 and "理由：不能为空。请按提示修改后重新提交。" in empty.text
    assert call(api, "wj", "GET", f"/api/v1/requests/{claimed['id']}").json()["unreasonable"] == "pending"
    refused = api.post(f"/cases/{claimed['id']}/act", data={
        "csrf_token": csrf, "action": "refuse_unreasonable", "version": str(version),
        "reason": "楼道保洁属于物业服务范围，请继续办理"}, follow_redirects=False)
    assert refused.status_code == 303, refused.text
    shown = call(api, "wj", "GET", f"/api/v1/requests/{claimed['id']}").json()
    assert shown["unreasonable"] == "none" and shown["status"] == "in_progress" and shown["unreasonable_claim"] is None
    assert (shown["events"][-1]["action"], shown["events"][-1]["note"]) == (
        "refuse_unreasonable", "楼道保洁属于物业服务范围，请继续办理")
    assert claimed["ticket"] not in api.get("/desk").text.split("不合理诉求待认定")[1].split("</section>")[0]
    assert "flag_unreasonable" in actions("wj", claimed)  # on new grounds, again


def test_the_case_search_finds_a_case_by_its_ticket_and_a_callers_cases_by_the_number(api):
    mine = create(api, content="望京西园三区楼道灯不亮")
    theirs = create(api, content="望京西园三区楼道灯不亮", requester_phone="13900001111")
    act(api, "dispatcher", mine["id"], "dispatch", unit="WJ")
    login(api, "agent")

    def found(q):
        page = api.get("/cases", params={"q": q}).text.split("查询结果")[1]
        return {case["ticket"] for case in (mine, theirs) if case["ticket"] in page}

    assert found(mine["ticket"]) == {mine["ticket"]}
    assert found("138 1234 5678") == {mine["ticket"]}  # as the agent types it off the caller display
    assert found("13900001111") == {theirs["ticket"]}
    assert found("楼道灯") == {mine["ticket"], theirs["ticket"]}
    assert found("13700000000") == set()
    api_found = call(api, "dispatcher", "GET", "/api/v1/requests", params={"q": "13900001111"}).json()["items"]
    assert [x["id"] for x in api_found] == [theirs["id"]]
    login(api, "jx")  # another unit's handler: its own cases only, whatever it searches for
    assert found(mine["ticket"]) == set() and found("13812345678") == set()


def test_the_callback_desk_shows_the_unanswered_calls_and_a_requester_is_given_up_only_after_three(api, clock):
    case = create(api)
    for who, action, body in (("dispatcher", "dispatch", {"unit": "WJ"}), ("wj", "acknowledge", {}),
                              ("wj", "resolve", {"reply": "已清理"}), ("dispatcher", "accept_reply", {})):
        act(api, who, case["id"], action, **body)
    shown = call(api, "agent", "GET", f"/api/v1/requests/{case['id']}").json()
    assert {"follow_up", "callback_unanswered", "callback_unreachable"} <= set(shown["allowed_actions"])
    act(api, "agent", case["id"], "callback_unanswered", note="无人接听")
    clock.advance(hours=1)
    act(api, "agent", case["id"], "callback_unanswered", note="关机")
    login(api, "agent")
    desk = api.get("/callbacks").text.split("<h2>待回访")[1].split("</section>")[0]
    assert case["ticket"] in desk and "本轮未接通 2 次" in desk and "可记为无法联系" not in desk
    early = act(api, "agent", case["id"], "callback_unreachable", expect=409)
    assert "本轮已拨打 2 次未接通" in early["message"]
    clock.advance(hours=1.5)
    act(api, "agent", case["id"], "callback_unanswered", note="无人接听")
    desk = api.get("/callbacks").text.split("<h2>待回访")[1].split("</section>")[0]
    assert "本轮未接通 3 次" in desk and "可记为无法联系" in desk  # three calls, the first and last 2.5 h apart
    page = api.get(f"/cases/{case['id']}").text
    assert "回访未接通</strong>（本轮第 3 次）" in page and "<summary>回访无法联系</summary>" in page
    act(api, "wj", case["id"], "callback_unreachable", expect=403)
    closed = act(api, "agent", case["id"], "callback_unreachable", note="三个时段均未接通")
    assert closed["status"] == "closed" and "follow_up" not in closed["allowed_actions"]
    assert case["ticket"] not in api.get("/callbacks").text


def test_a_call_coming_in_opens_the_intake_screen_with_the_callers_earlier_cases(api):
    first, second = create(api), create(api, content="望京西园三区楼道灯不亮")
    create(api, requester_phone="13900001111")
    login(api, "agent")
    page = api.get("/intake", params={"phone": "138 1234 5678"}).text  # as a softphone hands the caller ID over
    card = page.split('id="caller-history"')[1].split("</div>")[0]
    assert "来电 13812345678" in card and "该号码共 2 件诉求，近一年 2 件" in card and "高频来电" not in card
    assert card.index(second["ticket"]) < card.index(first["ticket"])  # newest first
    assert 'name="requester_phone" id="phone" value="13812345678"' in page
    unknown = api.get("/intake", params={"phone": "13700000000"}).text
    assert "该号码没有诉求记录" in unknown.split('id="caller-history"')[1]
    bad = api.get("/intake", params={"phone": "12345"})
    assert bad.status_code == 200 and "来电号码「12345」无法识别" in bad.text and 'id="caller-history"' not in bad.text
    assert 'id="caller-history"' not in api.get("/intake").text
    for n in range(3):
        create(api, content=f"望京西园三区第 {n} 次反映噪音")
    assert "高频来电" in api.get("/intake", params={"phone": "13812345678"}).text.split('id="caller-history"')[1]
    login(api, "wj")
    assert api.get("/intake", params={"phone": "13812345678"}).status_code == 403  # not a unit's screen


HTML = {"Accept": "text/html,application/xhtml+xml"}


def test_a_browser_gets_a_page_in_chinese_for_an_address_that_is_not_there_and_a_client_json(api):
    login(api, "agent")
    missing = api.get("/no-such-page", headers=HTML)
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert "页面不存在" in missing.text and "请从首页的菜单进入" in missing.text and 'href="/intake"' in missing.text
    not_a_number = api.get("/cases/abc", headers=HTML)
    assert not_a_number.status_code == 400 and "工单编号应为数字。" in not_a_number.text
    form_only = api.get("/cases/1/act", headers=HTML)
    assert form_only.status_code == 405 and "只接受表单提交" in form_only.text
    # API and Open311 clients, and anything not asking for HTML, keep the JSON
    assert api.get("/no-such-page").json() == {"detail": "Not Found"}
    assert api.get("/api/v1/nothing", headers=HTML).json() == {"code": "not_found", "message": "没有这个接口",
                                                               "field": None}
    assert api.get("/open311/v2/nothing.json").json() == [{"code": 404, "description": "Not Found"}]
    assert "allow" in api.request("TRACE", "/open311/v2/discovery.json").headers  # RFC 9110, as Starlette has it
    garbled = call(api, "agent", "POST", "/api/v1/requests", content=b"\xc3",  # half a character: no UTF-8
                   headers={"Content-Type": "application/json"})
    assert garbled.status_code == 400 and garbled.json()["code"] == "invalid"
    wrong_method = call(api, "agent", "DELETE", "/api/v1/requests")
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "method_not_allowed"
    assert wrong_method.headers["allow"] == "GET, POST"  # every method the address takes, not the first route's
    assert api.request("OPTIONS", "/open311/v2/requests.json").headers["allow"] == "GET, POST"
    assert api.head("/healthz").status_code == 200  # as uptime monitors ask
    invalid = call(api, "agent", "GET", "/api/v1/requests/abc", headers=dict(HTML))
    assert invalid.status_code == 422 and invalid.json()["field"] == "request_id"


def test_a_fault_is_a_page_that_says_what_to_do_for_a_browser_and_json_for_a_client(app, api, monkeypatch):
    from jiesu.services import cases

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cases, "count_cases", broken)
    monkeypatch.setattr(cases, "list_cases", broken)
    quiet = TestClient(api.app, raise_server_exceptions=False)
    login(quiet, "agent")
    page = quiet.get("/cases", headers=HTML)
    assert page.status_code == 500 and "系统出错" in page.text and "看操作是否已经生效" in page.text
    assert "disk on fire" not in page.text
    client = quiet.get("/api/v1/requests", headers={"Authorization": f"Bearer {api.tokens['agent']}"})
    assert client.status_code == 500 and client.json()["code"] == "internal" and "disk" not in client.text
    from jiesu.services import photos

    monkeypatch.setattr(photos, "media_urls", broken)
    listed = quiet.get("/open311/v2/requests.xml")
    assert listed.status_code == 500 and "<errors><error><code>500</code>" in listed.text


def test_an_open_inbox_and_queue_hear_of_new_work_and_a_handler_only_of_their_own_units(api):
    first = create(api)
    login(api, "wj")
    page = api.get("/inbox").text
    assert 'data-url="/inbox/pulse"' in page and "/static/pulse.js" in page
    assert api.get("/inbox/pulse").json() == {"keys": [], "urgent": []}
    act(api, "dispatcher", first["id"], "dispatch", unit="WJ")
    emergency = create(api, content="望京西园三区楼道里燃气泄漏，味道很大", urgency="紧急")
    act(api, "dispatcher", emergency["id"], "dispatch", unit="WJ")
    elsewhere = create(api, content="酒仙桥路边垃圾堆放", division="JX01")
    act(api, "dispatcher", elsewhere["id"], "dispatch", unit="JX")
    heard = api.get("/inbox/pulse").json()
    assert sorted(heard["keys"]) == sorted([f"待签收:{first['id']}", f"待签收:{emergency['id']}"])
    assert heard["urgent"] == [f"待签收:{emergency['id']}"]  # not 酒仙桥's case: another unit's
    login(api, "dispatcher")
    waiting = create(api)
    assert f"待派单:{waiting['id']}" in api.get("/queue/pulse").json()["keys"]
    shown = json.loads(re.search(r"data-keys='([^']*)'", api.get("/queue").text).group(1))
    assert f"待派单:{waiting['id']}" in shown  # the page starts from what it shows
    assert api.get("/inbox/pulse", follow_redirects=False).status_code == 403  # a dispatcher has no 承办箱
    login(api, "supervisor")
    assert 'data-url="/desk/pulse"' in api.get("/desk").text
    assert f"退单待审:{first['id']}" not in api.get("/desk/pulse").json()["keys"]
    act(api, "wj", first["id"], "return", reason="不属本单位职责")
    assert f"退单待审:{first['id']}" in api.get("/desk/pulse").json()["keys"]
    api.cookies.clear()
    signed_out = api.get("/queue/pulse")
    assert signed_out.status_code == 401 and "登录已过期" in signed_out.json()["message"]


def test_a_number_too_large_for_any_record_is_refused_naming_the_field_never_a_fault(api):
    huge = str(2**70)
    case = create(api)
    for url in (f"/api/v1/requests/{huge}", f"/api/v1/requests/{case['id']}/photos/{huge}",
                f"/api/v1/requests/{huge}/photos/1"):
        refused = call(api, "agent", "GET", url)
        assert refused.status_code == 422, url
    assert call(api, "agent", "GET", f"/api/v1/requests/{huge}").json()["field"] == "request_id"
    cursor = base64.urlsafe_b64encode(huge.encode()).decode()
    listed = call(api, "agent", "GET", "/api/v1/requests", params={"cursor": cursor})
    assert listed.status_code == 400 and listed.json()["field"] == "cursor"
    merged = call(api, "agent", "POST", f"/api/v1/requests/{case['id']}/actions/merge", json={"master": 2**40})
    assert merged.status_code == 404
    login(api, "agent")
    assert api.get(f"/cases/{huge}", headers=HTML).status_code == 400
    assert api.get("/cases", params={"before": huge}, headers=HTML).status_code == 400
    csrf = api.get("/knowledge").text.split('name="csrf-token" content="')[1].split('"')[0]
    assert api.get("/knowledge", params={"proposal": huge}, headers=HTML).status_code == 400
    proposed = api.post("/knowledge/proposals", data={"csrf_token": csrf, "title": "问", "answer": "答",
                                                       "request_id": huge})
    assert proposed.status_code == 400 and "工单编号应为编号" in proposed.text
    merging = api.post(f"/cases/{case['id']}/act", data={"csrf_token": csrf, "action": "merge", "master": huge,
                                                          "reason": "同一件事"})
    assert merging.status_code == 400 and "主件编号应为编号" in merging.text
    login(api, "supervisor")
    csrf = api.get("/knowledge").text.split('name="csrf-token" content="')[1].split('"')[0]
    saved = api.post("/knowledge", data={"csrf_token": csrf, "id": huge, "title": "问", "answer": "答"})
    assert saved.status_code == 400 and "条目编号应为编号" in saved.text


def test_the_openapi_document_names_the_error_shape_every_api_route_answers_with(api):
    spec = api.get("/openapi.json").json()
    assert set(spec["components"]["schemas"]["ErrorBody"]["required"]) == {"code", "message"}
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if path.startswith("/api/v1/"):
                for status in ("400", "404", "409", "422", "429"):
                    assert operation["responses"][status]["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
    acting = spec["paths"]["/api/v1/requests/{request_id}/actions/{action}"]["post"]["parameters"]
    assert "dispatch" in next(p for p in acting if p["name"] == "action")["schema"]["enum"]  # what a client may send
    malformed = call(api, "agent", "POST", "/api/v1/requests", content=b"{not json",
                     headers={"Content-Type": "application/json"})
    assert malformed.status_code == 422 and malformed.json() == {"code": "invalid", "message": "请求体不是合法的 JSON",
                                                                 "field": None}


def test_a_supervisor_supervises_several_overdue_cases_at_once_with_one_opinion(api, clock):
    late = [create(api), create(api, content="望京西园三区电梯经常停运")]
    for case in late:
        act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    finished = create(api, content="望京西园三区路灯不亮")
    act(api, "dispatcher", finished["id"], "dispatch", unit="WJ")
    clock.advance(days=12)
    login(api, "supervisor")
    desk = api.get("/desk").text
    assert 'id="batch-supervise"' in desk and "督办意见" in desk
    csrf = desk.split('name="csrf-token" content="')[1].split('"')[0]
    act(api, "wj", finished["id"], "acknowledge")
    act(api, "wj", finished["id"], "resolve", reply="已修复")  # resolved since the desk was shown
    picks = re.findall(r'name="pick" value="([^"]+)"', desk)  # as the supervisor saw them: all three overdue
    assert len(picks) == 3
    empty = api.post("/desk/supervise", data={"csrf_token": csrf, "pick": picks, "reason": " "})
    assert "请勾选要督办的工单并写明督办意见" in empty.text
    done = api.post("/desk/supervise", data={"csrf_token": csrf, "pick": picks, "reason": "已超期，请今日内办结"})
    assert f"已督办 2 件：{late[0]['ticket']}、{late[1]['ticket']}" in done.text
    assert f"未督办 1 件：{finished['ticket']}" in done.text
    for case in late:
        events = call(api, "supervisor", "GET", f"/api/v1/requests/{case['id']}").json()["events"]
        assert events[-1]["action"] == "supervise" and events[-1]["actor"].startswith("supervisor")
    login(api, "wj")
    assert api.post("/desk/supervise", data={"csrf_token": csrf, "pick": picks, "reason": "x"},
                    follow_redirects=False).status_code in (303, 403)


def test_a_proposal_about_an_existing_article_is_merged_into_it_instead_of_duplicating_it(api, app):
    from jiesu.services import knowledge, knowledge_proposals

    existing = knowledge.save(app, "editor", knowledge.Article(
        "外地户口能申请公租房吗", "在本市连续缴纳社保满 3 年的可申请。", "WY1", "公租房 外地户口", "市住建委"))
    proposal = knowledge_proposals.propose(app, "agent", "外地人申请公租房要几年社保",
                                           "政策已调整：连续缴纳社保满 2 年即可申请，到街道政务服务中心办理。", "WY1")
    login(api, "supervisor")
    page = api.get("/knowledge", params={"proposal": proposal}).text
    near = page.split('id="proposed"')[1].split("</div>")[0]
    assert "相近的条目" in near and f"proposal={proposal}&amp;edit={existing}#edit" in near
    merging = api.get("/knowledge", params={"proposal": proposal, "edit": existing}).text
    assert f"采纳知识建议 {proposal}：并入条目 {existing}" in merging
    assert f'name="id" value="{existing}"' in merging and "在本市连续缴纳社保满 3 年的可申请。" in merging
    assert "连续缴纳社保满 2 年即可申请" in merging  # the proposal shown beside the article's form
    csrf = merging.split('name="csrf-token" content="')[1].split('"')[0]
    saved = api.post("/knowledge", data={"csrf_token": csrf, "proposal": str(proposal), "id": str(existing),
                                         "title": "外地户口能申请公租房吗", "category": "WY1", "source": "市住建委",
                                         "keywords": "公租房 外地户口", "active": "on",
                                         "answer": "在本市连续缴纳社保满 2 年的可申请，到街道政务服务中心办理。"})
    assert f"知识条目 {existing}「外地户口能申请公租房吗」已保存（采纳知识建议 {proposal}）" in saved.text
    assert [a.id for a in knowledge.list_articles(app)] == [existing]  # changed, not duplicated
    assert "满 2 年" in knowledge.get(app, existing).answer
    assert knowledge_proposals.get(app, proposal).article_id == existing


def test_the_dashboard_says_when_its_month_is_still_running_and_links_the_month_before(api, clock):
    create(api)
    login(api, "analyst")
    now = clock.now.astimezone(SHANGHAI)
    current = api.get("/dashboard", params={"channel": "phone"}).text
    assert f"{now:%Y-%m}（本月截至目前）" in current
    before = f"{(now.replace(day=1) - timedelta(days=1)):%Y-%m}"
    assert f'href="/dashboard?month={before}&amp;channel=phone"' in current  # the filters kept
    earlier = api.get("/dashboard", params={"month": before}).text
    assert "本月截至目前" not in earlier and before in earlier
    assert 'id="early"' not in current and 'id="early"' not in earlier


def test_early_in_a_month_the_dashboard_opens_on_the_month_before(api, clock):
    """On the 1st to the 5th this month has hardly begun: last month, whole, with this month one click away."""
    create(api)
    login(api, "analyst")
    clock.now = local(2026, 12, 2, 9, 0)
    opened = api.get("/dashboard", params={"channel": "phone"}).text
    assert "2026-11（上月）" in opened and 'value="2026-11"' in opened
    assert 'id="early"' in opened and 'href="/dashboard?month=2026-12&amp;channel=phone"' in opened
    chosen = api.get("/dashboard", params={"month": "2026-12"}).text
    assert "2026-12（本月截至目前）" in chosen and 'id="early"' not in chosen
    clock.now = local(2026, 12, 6, 9, 0)
    assert "2026-12（本月截至目前）" in api.get("/dashboard").text


def test_the_requester_sees_which_unit_has_their_case_and_by_when_it_is_to_be_answered(api, clock):
    case = create(api)
    tracked = api.get(f"/api/v1/public/requests/{case['ticket']}", params={"code": case["citizen_code"]}).json()
    assert tracked["handling"] is None  # not with a unit yet

    def track_page() -> str:
        csrf = api.get("/portal/track").text.split('name="csrf-token" content="')[1].split('"')[0]
        return api.post("/portal/track", data={"csrf_token": csrf, "ticket": case["ticket"],
                                               "code": case["citizen_code"]}).text

    assert 'id="handling"' not in track_page()
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    held = api.get(f"/api/v1/public/requests/{case['ticket']}", params={"code": case["citizen_code"]}).json()
    due = datetime.fromisoformat(held["handling"]["resolve_due"])
    assert held["handling"]["unit"] == "望京街道" and due > clock.now and held["handling"]["overdue"] is False
    assert f"承办单位：望京街道，应于 {due.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 前办结答复" in track_page()
    clock.advance(days=15)
    assert "（已超期，您可以催办）" in track_page()
    act(api, "wj", case["id"], "acknowledge")
    act(api, "wj", case["id"], "resolve", reply="已清理")
    act(api, "dispatcher", case["id"], "accept_reply")
    assert 'id="handling"' not in track_page()  # answered: the reply says the rest


def test_the_case_search_form_chooses_the_area_category_and_days_of_receipt(api, clock):
    early = create(api, content="望京西园三区楼道垃圾没人清理")
    clock.advance(days=3)
    late = create(api, content="酒仙桥路边垃圾堆放", division="JX01")
    login(api, "analyst")
    page = api.get("/cases").text
    form = page.split('action="/cases"')[1].split("</form>")[0]
    assert '<option value="CY" >朝阳区</option>' in form and '<option value="WJ" >\u3000望京街道</option>' in form
    assert '<option value="CX" >城乡建设</option>' in form and '<option value="WY" >\u3000物业管理</option>' in form
    assert 'type="date" name="since"' in form and 'type="date" name="until"' in form

    def listed(**params) -> set[str]:
        found = api.get("/cases", params=params).text.split("查询结果")[1]
        return {case["ticket"] for case in (early, late) if case["ticket"] in found}

    assert listed(area="WJ") == {early["ticket"]} and listed(area="CY") == {early["ticket"], late["ticket"]}
    received = clock.now.astimezone(SHANGHAI).date()
    assert listed(since=f"{received}") == {late["ticket"]}
    assert listed(until=f"{received - timedelta(days=1)}") == {early["ticket"]}
    chosen = api.get("/cases", params={"area": "WJ", "category": "WY1"}).text.split('action="/cases"')[1]
    assert '<option value="WJ" selected>' in chosen and '<option value="WY1" selected>' in chosen  # a third level


def test_the_session_cookie_is_marked_secure_when_the_site_is_served_over_https(app):
    def cookie(public_url: str) -> str:
        app.settings = app.settings.model_copy(update={"public_url": public_url})
        client = TestClient(create_app(app))
        return client.get("/login").headers["set-cookie"].lower()

    assert "secure" in cookie("https://12345.example.gov.cn")
    assert "secure" not in cookie("")  # the demo on http://127.0.0.1: a secure cookie would never come back


def test_the_api_documentation_loads_nothing_from_outside_and_pages_refuse_other_sites_frames(api):
    docs = api.get("/docs")
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.text
    outside = re.findall(r'(?:src|href)="(https?://[^"]+)"', docs.text)
    assert outside == []  # FastAPI's own page loads Swagger UI from a CDN
    for asset in re.findall(r'(?:src|href)="(/static-docs/[^"]+)"', docs.text):
        assert api.get(asset).status_code == 200, asset
    page = api.get("/login")
    assert page.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["referrer-policy"] == "same-origin"
    assert call(api, "agent", "GET", "/api/v1/me").headers["x-content-type-options"] == "nosniff"
