"""敏感诉求: a request that tells of a group acting together, a threat to go to the media or past the local
government, or words of violence is flagged at intake with the reason, put on the 督办台, found in 工单查询, and
marked or cleared by the centre with a reason — never shown to the requester."""

from __future__ import annotations

import re
from io import BytesIO

from openpyxl import load_workbook

from tests.e2e import test_api
from tests.e2e.test_api import act, call, create, login

api = test_api.api  # the staff API with a user of each role (agent, dispatcher, wj, supervisor …)

GROUP = "开发商延期交房一年多，业主们准备明天在售楼部门口拉横幅，还说要找媒体曝光"


def test_a_request_telling_of_a_group_protest_is_flagged_with_why_and_listed_for_the_supervisor(api):
    case = create(api, content=GROUP, category=None)
    assert case["sensitive"] == "群体性（拉横幅）；舆情（找媒体）"
    assert case["suggestions"]["sensitivity"] == {"sensitive": True, "kinds": ["群体性", "舆情"],
                                                  "reason": "群体性（拉横幅）；舆情（找媒体）"}
    assert case["suggestions"]["applied"]["sensitive"] == case["sensitive"]
    assert case["events"][0]["changes"]["sensitive"] == [None, case["sensitive"]]
    ordinary = create(api)  # 物业不清理楼道垃圾
    assert ordinary["sensitive"] is None and ordinary["suggestions"]["sensitivity"]["sensitive"] is False
    found = call(api, "supervisor", "GET", "/api/v1/requests", params={"sensitive": "true"}).json()["items"]
    assert [x["id"] for x in found] == [case["id"]] and found[0]["sensitive"] == case["sensitive"]
    everything = call(api, "supervisor", "GET", "/api/v1/requests").json()["items"]
    assert {x["id"] for x in everything} == {case["id"], ordinary["id"]}


def test_what_the_agent_heard_on_the_phone_is_kept_and_not_overwritten_by_the_text(api):
    case = create(api, content="楼上漏水泡坏了我家天花板", sensitive="来电称明天召集二十多户邻居到区政府反映")
    assert case["sensitive"] == "来电称明天召集二十多户邻居到区政府反映"
    both = create(api, content=GROUP, sensitive="来电人情绪激动")
    assert both["sensitive"] == "来电人情绪激动" and "sensitive" not in both["suggestions"]["applied"]
    too_long = call(api, "agent", "POST", "/api/v1/requests",
                    json={"content": "路灯不亮", "division": "WJ01", "sensitive": "长" * 201})
    assert too_long.status_code == 400 and too_long.json()["field"] == "sensitive"


def test_the_centre_marks_and_clears_it_with_a_reason_and_a_unit_may_not(api):
    case = act(api, "dispatcher", create(api)["id"], "dispatch", unit="WJ")
    mark = {"sensitive": True, "reason": "诉求人称已联系电视台记者", "version": case["version"]}
    refused = call(api, "wj", "POST", f"/api/v1/requests/{case['id']}/actions/change_sensitivity", json=mark)
    assert refused.status_code == 403  # a handling unit cannot mark or clear it
    no_reason = call(api, "agent", "POST", f"/api/v1/requests/{case['id']}/actions/change_sensitivity",
                     json={**mark, "reason": " "})
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    marked = call(api, "agent", "POST", f"/api/v1/requests/{case['id']}/actions/change_sensitivity", json=mark)
    assert marked.status_code == 200, marked.text
    assert marked.json()["sensitive"] == "诉求人称已联系电视台记者"
    again = call(api, "agent", "POST", f"/api/v1/requests/{case['id']}/actions/change_sensitivity",
                 json={**mark, "version": marked.json()["version"]})
    assert again.status_code == 400 and again.json()["field"] == "sensitive"  # already marked: says so
    cleared = call(api, "dispatcher", "POST", f"/api/v1/requests/{case['id']}/actions/change_sensitivity",
                   json={"sensitive": False, "reason": "核实：记者系诉求人亲属，无采访", "version": marked.json()["version"]})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["sensitive"] is None
    assert [e["changes"].get("sensitive") for e in cleared.json()["events"][-2:]] == [
        ["", "诉求人称已联系电视台记者"], ["诉求人称已联系电视台记者", ""]]


def test_the_requester_never_sees_that_their_case_is_sensitive(api):
    sent = api.post("/api/v1/public/requests", json={"content": GROUP, "requester_phone": "13900001111"})
    assert sent.status_code == 201, sent.text
    ticket, code = sent.json()["ticket"], sent.json()["code"]
    assert "敏感" not in sent.text and "群体性" not in sent.text
    listed = call(api, "supervisor", "GET", "/api/v1/requests", params={"sensitive": "true"}).json()["items"]
    [case] = [x for x in listed if x["ticket"] == ticket]  # read the same way as an agent's intake
    call(api, "agent", "POST", f"/api/v1/requests/{case['id']}/actions/change_sensitivity",
         json={"sensitive": False, "reason": "核实为个人咨询"})
    tracked = api.get(f"/api/v1/public/requests/{ticket}", params={"code": code})
    assert tracked.status_code == 200
    assert "敏感" not in tracked.text and "群体性" not in tracked.text
    assert [s["action_label"] for s in tracked.json()["timeline"]] == ["受理"]  # the centre's judgement left out
    token = re.search(r'name="csrf_token" value="([^"]+)"', api.get("/portal/track").text).group(1)
    page = api.post("/portal/track", data={"ticket": ticket, "code": code, "csrf_token": token})
    assert page.status_code == 200 and page.text.count("<li><time>") == 1  # 受理 only
    assert "敏感" not in page.text and "调整敏感标记" not in page.text


def test_the_agent_is_told_on_registering_and_the_supervisor_finds_it_on_the_desk_and_in_the_search(api):
    client = api
    login(client, "agent")
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/intake").text).group(1)
    done = client.post("/intake", data={"content": "工地欠我们二十几个工人三个月工资，明天我们一起去政府讨说法",
                                        "requester_phone": "13812345678", "division": "WJ01", "csrf_token": token,
                                        "submit": "register"})
    assert done.status_code == 200 and "已列为敏感诉求（督办台跟踪）：群体性（一起去政府）" in done.text
    assert '<dd id="sensitive">群体性（一起去政府）</dd>' in done.text and 'id="sensitive-badge"' in done.text
    case_id = int(re.search(r"/cases/(\d+)/act", done.text).group(1))
    client.cookies.clear()
    login(client, "supervisor")
    desk = client.get("/desk").text
    section = desk[desk.index("敏感诉求（未结案）"):]
    assert f'href="/cases/{case_id}"' in section[:section.index("</table>")]
    assert 'class="badge urgent sensitive" title="群体性（一起去政府）"' in desk
    found = client.get("/cases", params={"sensitive": "yes"}).text
    assert f'href="/cases/{case_id}"' in found and "敏感诉求" in found
    page = client.get(f"/cases/{case_id}").text
    assert 'value="change_sensitivity"' in page and "取消敏感标记" in page
    exported = client.get("/cases.xlsx", params={"sensitive": "yes"})
    rows = list(load_workbook(BytesIO(exported.content)).active.iter_rows(values_only=True))
    column = rows[0].index("敏感诉求")
    assert [row[column] for row in rows[1:]] == ["群体性（一起去政府）"]


def test_the_dashboard_counts_the_months_sensitive_requests_by_kind_and_area_and_opens_their_list(api):
    create(api, content=GROUP)
    create(api)
    login(api, "supervisor")
    page = api.get("/dashboard").text
    section = page.split('id="sensitive"')[1].split("</section>")[0]
    assert "<td>群体性</td><td>1</td>" in section and "<td>舆情</td><td>1</td>" in section
    assert 'href="/cases?month=2026-11&amp;sensitive=yes"' in section
    assert 'href="/cases?month=2026-11&amp;area=CY&amp;sensitive=yes">朝阳区</a></td><td>1</td>' in section
