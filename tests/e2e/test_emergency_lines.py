"""紧急热线联动: a call that is 110's, 119's, 120's or 122's alone is put through and recorded as handed over (the case
ends there, no unit has it); one a unit must act on too is recorded as told to the line and dispatched as usual. The
other way, a call 110 passes on (110 转来) keeps its 警情编号 as the case's 来源单号."""

from __future__ import annotations

import re

from tests.e2e import test_api
from tests.e2e.test_api import act, call, create, login

api = test_api.api  # the staff API with a user of each role (agent, dispatcher, wj, supervisor …)

FIGHT = "楼下烧烤摊两伙人正在打架，有人拿着刀"


def test_a_case_handed_over_to_110_ends_closed_for_open311_and_the_requester_sees_where_it_went(api):
    sent = api.post("/api/v1/public/requests", json={"content": FIGHT, "requester_phone": "13900001111"})
    assert sent.status_code == 201, sent.text
    ticket, code = sent.json()["ticket"], sent.json()["code"]
    [case] = [x for x in call(api, "dispatcher", "GET", "/api/v1/requests").json()["items"] if x["ticket"] == ticket]
    login(api, "dispatcher")  # the case page offers the line the words call for
    page = api.get(f"/cases/{case['id']}").text
    assert '<option value="110" selected>110 报警（按诉求内容建议）</option>' in page
    refused = call(api, "wj", "POST", f"/api/v1/requests/{case['id']}/actions/hand_over", json={"line": "110"})
    assert refused.status_code in (403, 404)  # a unit neither sees an undispatched case nor hands one over
    no_line = call(api, "dispatcher", "POST", f"/api/v1/requests/{case['id']}/actions/hand_over", json={"note": "x"})
    assert no_line.status_code == 400 and no_line.json()["field"] == "line"
    wrong = call(api, "dispatcher", "POST", f"/api/v1/requests/{case['id']}/actions/hand_over", json={"line": "999"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "line" and "110" in wrong.json()["message"]
    done = act(api, "dispatcher", case["id"], "hand_over", line="110", reference="0231",
               note="已电话转 110，110 已派警")
    assert done["status"] == "handed_over" and done["status_label"] == "已转紧急热线" and done["lead_unit"] is None
    assert done["emergency_lines"] == [{"line": "110", "label": "110 报警", "reference": "0231",
                                        "at": done["events"][-1]["at"], "handed_over": True}]
    again = call(api, "dispatcher", "POST", f"/api/v1/requests/{case['id']}/actions/withdraw", json={"reason": "x"})
    assert again.status_code == 409 and "已转紧急热线" in again.json()["message"]  # ended: nothing more is done
    tracked = api.get(f"/api/v1/public/requests/{ticket}", params={"code": code}).json()
    assert [s["action_label"] for s in tracked["timeline"]] == ["受理", "转紧急热线"]
    assert tracked["timeline"][-1]["line_label"] == "110 报警" and tracked["timeline"][0]["line_label"] is None
    token = re.search(r'name="csrf_token" value="([^"]+)"', api.get("/portal/track").text).group(1)
    page = api.post("/portal/track", data={"ticket": ticket, "code": code, "csrf_token": token}).text
    assert "转紧急热线（110 报警）" in page and "0231" not in page
    open311 = api.get(f"/open311/v2/requests/{ticket}.json").json()
    assert open311[0]["status"] == "closed" and open311[0]["status_notes"] == "已转紧急热线"
    waiting = call(api, "dispatcher", "GET", "/api/v1/requests", params={"status": "registered"}).json()["items"]
    assert ticket not in [x["ticket"] for x in waiting]  # off the 待派单 list


def test_a_line_told_while_the_case_is_dispatched_is_listed_on_the_case(api):
    case = create(api, content="楼道里燃气味很重，邻居家没人")
    assert case["suggestions"]["urgency"]["line"] == "119"
    assert case["suggestions"]["urgency"]["line_label"] == "119 火警"
    told = act(api, "agent", case["id"], "alert_line", line="119", reference="接警单 A-778")
    dispatched = act(api, "dispatcher", case["id"], "dispatch", unit="WJ", version=told["version"])
    assert dispatched["status"] == "dispatched"
    assert [(t["line"], t["reference"], t["handed_over"]) for t in dispatched["emergency_lines"]] == [
        ("119", "接警单 A-778", False)]
    handed = call(api, "agent", "POST", f"/api/v1/requests/{case['id']}/actions/hand_over", json={"line": "119"})
    assert handed.status_code == 409  # a unit has it now


def _intake(client, **fields):
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/intake").text).group(1)
    return client.post("/intake", data={"requester_phone": "13812345678", "division": "WJ01", "csrf_token": token,
                                        **fields})


def _count(api) -> int:
    return len(call(api, "supervisor", "GET", "/api/v1/requests").json()["items"])


def test_the_agent_hands_a_call_over_from_the_intake_form_and_a_missing_line_registers_nothing(api):
    login(api, "agent")
    form = api.get("/intake").text
    assert 'id="emergency-link"' in form and re.search(r'<option value="119" *>119 火警</option>', form)
    assert form.index('value="dispatch"') < form.index('value="hand_over"')  # Enter submits 受理并派单, never this
    before = _count(api)
    missing = _intake(api, content=FIGHT, submit="hand_over", reference="0231")
    assert missing.status_code == 400 and "line" in missing.text and "此操作必须提供该项" in missing.text
    assert _count(api) == before  # nothing registered: the corrected form is sent again
    assert 'value="0231"' in missing.text and "<details id=\"emergency-link\" class=\"emergency-link\" open>" in missing.text
    done = _intake(api, content=FIGHT, submit="hand_over", line="110", reference="0231")
    assert done.status_code == 200 and "已转 110 报警，本件结束" in done.text
    assert "已转 110 报警（接警：0231）" in done.text and "已转紧急热线" in done.text
    assert _count(api) == before + 1


def test_an_emergency_told_to_119_and_dispatched_from_the_intake_form_records_both(api):
    login(api, "agent")
    done = _intake(api, content="楼道里燃气味很重，邻居家没人", category="WY1", unit="WJ", submit="dispatch",
                   line="119", urgency="emergency")
    assert done.status_code == 200 and "已受理并派单" in done.text
    assert "已通报 119 火警" in done.text
    timeline = done.text.split('<ol class="timeline">')[1].split("</ol>")[0]
    assert re.findall(r"<strong>([^<]+)</strong>", timeline)[:3] == ["受理", "通报紧急热线", "派单"]


def test_the_dashboard_counts_the_lines_and_opens_the_cases_handed_over(api):
    fight = create(api, content=FIGHT, category=None)
    act(api, "agent", fight["id"], "hand_over", line="110")
    gas = create(api, content="楼道里燃气味很重")
    act(api, "agent", gas["id"], "alert_line", line="119")
    login(api, "supervisor")
    page = api.get("/dashboard").text
    section = page.split('id="emergency-lines"')[1].split("</section>")[0]
    assert "<td>110 报警</td><td>1</td><td>0</td>" in section and "<td>119 火警</td><td>0</td><td>1</td>" in section
    assert 'href="/cases?month=2026-11&amp;status=handed_over"' in section
    listed = api.get("/cases", params={"month": "2026-11", "status": "handed_over"}).text
    assert f'href="/cases/{fight["id"]}"' in listed and f'href="/cases/{gas["id"]}"' not in listed


def test_a_case_110_passed_on_keeps_its_incident_number_and_is_found_by_it(api):
    case = create(api, content="邻居家空调外机漏水滴到我家窗台", channel="police", source_ref="J110105-20261130-0077")
    assert case["channel_label"] == "110 转来" and case["source_ref"] == "J110105-20261130-0077"
    found = call(api, "agent", "GET", "/api/v1/requests", params={"q": "J110105-20261130-0077"}).json()["items"]
    assert [x["id"] for x in found] == [case["id"]]
    bad = call(api, "agent", "POST", "/api/v1/requests", json={"content": "路灯不亮", "division": "WJ01",
                                                                "source_ref": "110 转来 <b>"})
    assert bad.status_code == 400 and bad.json()["field"] == "source_ref"
    login(api, "agent")
    token = re.search(r'name="csrf-token" content="([^"]+)"', api.get("/intake").text).group(1)
    done = api.post("/intake", data={"content": "小区门口井盖丢了", "channel": "police", "source_ref": "J0099",
                                     "division": "WJ01", "csrf_token": token, "submit": "register"})
    assert done.status_code == 200 and '来源单号 <span id="source-ref">J0099</span>' in done.text
    assert "110 转来" in done.text
    login(api, "supervisor")
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(api.get("/cases.xlsx").content)).active.iter_rows(values_only=True))
    column = rows[0].index("来源单号")
    assert sorted(row[column] for row in rows[1:] if row[column]) == ["J0099", "J110105-20261130-0077"]


def test_a_call_110_transfers_opens_the_intake_with_its_incident_number_and_channel(api):
    login(api, "agent")
    page = api.get("/intake", params={"phone": "13812345678", "source_ref": "J110105-20261130-0099"}).text
    assert 'value="J110105-20261130-0099"' in page
    assert re.search(r'<option value="police" *selected>110 转来</option>', page)
    plain = api.get("/intake", params={"phone": "13812345678"}).text
    assert re.search(r'<option value="phone" *selected>电话</option>', plain)
