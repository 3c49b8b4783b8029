"""辖区: a district office (or a 街道 with 社区) reads the cases and 三率 of the units under it and supervises (督办)
those they lead, taking no other step and seeing none of their requesters; every other unit still sees only its
own."""

from __future__ import annotations

import re

import pytest

from jiesu.services.users import add_user, create_token
from tests.e2e.test_api import act, call, create, login
from tests.e2e.test_photos import csrf, staff_and_portal
from tests.support import png


@pytest.fixture
def api(app):
    client = staff_and_portal(app)
    for name, unit in (("cy", "CY"), ("zjw", "ZJW")):  # the district office; a department with nothing under it
        add_user(app, name, "handler", "password-" + name, unit)
        client.tokens[name] = create_token(app, name)
    return client


def test_a_district_office_reads_and_supervises_its_subdistricts_cases_through_the_api_and_takes_no_other_step(api):
    led = create(api)
    act(api, "dispatcher", led["id"], "dispatch", unit="WJ")
    co_handled = create(api, content="望京西园三区楼下垃圾站异味，区城管委牵头")
    act(api, "dispatcher", co_handled["id"], "dispatch", unit="ZJW", co_units=["JX"])
    elsewhere = create(api, content="小区违建")
    act(api, "dispatcher", elsewhere["id"], "dispatch", unit="ZJW")

    seen = call(api, "cy", "GET", f"/api/v1/requests/{led['id']}")
    assert seen.status_code == 200
    assert seen.json()["allowed_actions"] == ["supervise"] and seen.json()["may_reveal"] is False
    assert "13812345678" not in seen.text and "张三" not in seen.text  # the requester stays masked
    assert call(api, "cy", "GET", f"/api/v1/requests/{led['id']}", params={"reveal": "true"}).status_code == 403
    co_seen = call(api, "cy", "GET", f"/api/v1/requests/{co_handled['id']}")  # 酒仙桥 co-handles it: read only
    assert co_seen.status_code == 200 and co_seen.json()["allowed_actions"] == []
    assert call(api, "cy", "GET", f"/api/v1/requests/{elsewhere['id']}").status_code == 404
    for action, body in (("acknowledge", {}), ("flag_unreasonable", {"reason": "x"}), ("return", {"reason": "x"})):
        refused = call(api, "cy", "POST", f"/api/v1/requests/{led['id']}/actions/{action}", json=body)
        assert refused.status_code == 403, refused.text
    assert call(api, "wj", "GET", f"/api/v1/requests/{led['id']}").json()["status"] == "dispatched"  # untouched
    supervised = act(api, "cy", led["id"], "supervise", reason="区接诉即办办公室：请今日内签收")  # 区级督办
    assert supervised["supervise_due"] and supervised["events"][-1]["actor"] == "cy"
    act(api, "cy", co_handled["id"], "supervise", expect=403, reason="x")  # led by a city department
    act(api, "wj", led["id"], "supervise", expect=403, reason="x")  # its own case: not its own supervisor
    act(api, "jx", led["id"], "supervise", expect=404, reason="x")  # a sister 街道's: not even seen

    assert call(api, "cy", "GET", "/api/v1/requests").json()["items"] == []  # its own unit's: none
    area = call(api, "cy", "GET", "/api/v1/requests", params={"scope": "area"}).json()["items"]
    assert sorted(x["id"] for x in area) == sorted([led["id"], co_handled["id"]])
    assert call(api, "jx", "GET", "/api/v1/requests", params={"scope": "area"}).json()["items"] == []  # 社区 only
    for who, scope in (("zjw", "area"), ("cy", "mine"), ("agent", "area")):
        wrong = call(api, who, "GET", "/api/v1/requests", params={"scope": scope})
        assert wrong.status_code == 400 and wrong.json()["field"] == "scope", (who, scope)
    assert call(api, "jx", "GET", f"/api/v1/requests/{led['id']}").status_code == 404  # a sister 街道: nothing

    assert call(api, "cy", "GET", "/api/v1/units/WJ/standing").json()["unit_name"] == "望京街道"
    district = call(api, "supervisor", "GET", "/api/v1/units/CY/standing").json()  # anyone who may read it
    assert [x["unit"] for x in district["area"]] == ["WJ"]  # 望京街道 has the one case due; 酒仙桥 none
    assert district["area_total"]["due"] == 1  # and the district is ranked among districts on its whole 辖区
    assert (district["area_total"]["group"], district["area_total"]["rank"]) == ("区（全辖区）", 1)
    assert district["figures"] is None  # on its own (cases addressed to the district itself): none
    assert call(api, "cy", "GET", "/api/v1/units/JX01/standing").json()["area"] is None  # nothing under a 社区
    assert call(api, "cy", "GET", "/api/v1/units/ZJW/standing").status_code == 404
    assert call(api, "wj", "GET", "/api/v1/units/CY/standing").status_code == 404  # not upwards


def test_the_district_offices_pages_list_its_area_its_late_cases_and_its_units_standing(api, clock):
    late = create(api)
    act(api, "dispatcher", late["id"], "dispatch", unit="WJ")
    clock.advance(days=12)  # past the 7 working days to resolve it
    own = create(api, content="区里的事")
    act(api, "dispatcher", own["id"], "dispatch", unit="ZJW")

    login(api, "cy")
    inbox = api.get("/inbox").text
    overdue = inbox.split("辖区超期未办结")[1].split("</section>")[0]
    assert late["ticket"] in overdue and "望京街道" in overdue
    assert "辖区超期未办结" not in (login(api, "zjw") and api.get("/inbox").text)  # nothing under a department

    login(api, "cy")
    assert late["ticket"] not in api.get("/cases").text  # its own unit's list
    listed = api.get("/cases", params={"scope": "area"}).text
    assert late["ticket"] in listed and own["ticket"] not in listed and "辖区工单" in listed
    page = api.get(f"/cases/{late['id']}").text
    offered = re.findall(r'name="action" value="(\w+)"', page.split('id="overseeing"')[1])
    assert 'id="overseeing"' in page and offered == ["supervise"]  # 督办, and no step of the unit's
    assert "138****5678" in page and "13812345678" not in page
    refused = api.get("/cases", params={"scope": "nope"})
    assert refused.status_code == 400 and "范围" in refused.text

    month = {"month": "2026-11"}  # the month its contact deadline passed in
    token = csrf(api, "/inbox")
    done = api.post("/inbox/supervise", data={"csrf_token": token, "reason": "请尽快办结", "pick": f"{late['id']}:2"})
    assert f"已督办 1 件：{late['ticket']}" in done.text
    wrong = api.post("/inbox/supervise", data={"csrf_token": token, "reason": "请尽快办结", "pick": f"{own['id']}:2"})
    assert "未督办 1 件" in wrong.text and own["ticket"] not in wrong.text  # not under it: not even named

    standing = api.get("/standing", params=month).text
    assert "朝阳区本单位（不含下辖单位，见下）本月没有计入考核的工单" in standing  # its own figures: none
    area = standing.split('id="area"')[1].split("</section>")[0]
    assert "望京街道" in area and "酒仙桥街道" not in area  # only the units with cases counted in the month
    assert "<td>0.0%</td>" in area  # 望京街道's 响应率: its one case was not signed for in time
    total = area.split('id="area-total"')[1].split("</tr>")[0]
    assert "全辖区（朝阳区及下辖单位合计）" in total and "<th>0.0%</th>" in total and "区（全辖区）第 1 名" in total
    wj = api.get("/standing", params={**month, "unit": "WJ"}).text
    assert "望京街道 · 三率考核" in wj and late["ticket"] in wj.split('id="late"')[1]  # the case that lowered it
    assert "朝阳区 · 三率考核" in api.get("/standing", params={"unit": "ZJW"}).text  # not under it: its own

    login(api, "wj")
    row = api.get("/inbox").text.split(f">{late['ticket']}</a>")[1].split("</tr>")[0]
    assert 'class="badge urgent supervised"' in row  # the unit sees the district's 督办 on its list
    assert 'name="scope"' in api.get("/cases").text  # 望京街道 has 社区 under it
    mine = api.get(f"/cases/{late['id']}").text
    assert 'id="overseeing"' not in mine and "签收" in mine


def test_a_subdistrict_hands_a_case_down_to_its_community_only_as_the_duty_lists_allow(api, app):
    add_user(app, "wj01", "handler", "password-wj01", "WJ01")
    api.tokens["wj01"] = create_token(app, "wj01")

    def signed(category: str, division: str = "WJ01") -> dict:
        case = create(api, category=category, division=division)
        act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
        act(api, "wj", case["id"], "acknowledge")
        return case

    waiting = create(api)
    act(api, "dispatcher", waiting["id"], "dispatch", unit="WJ")
    act(api, "wj", waiting["id"], "delegate", expect=409, unit="WJ01")  # signed for first: it is the 街道's to hand on
    case = signed("WY1")  # 物业服务: every 社区 admits it, and the 社区 level co-handles it
    seen = call(api, "wj", "GET", f"/api/v1/requests/{case['id']}").json()
    assert "delegate" in seen["allowed_actions"]
    assert seen["delegable_units"] == [{"unit": "WJ01", "name": "望京西园社区"}, {"unit": "WJ02", "name": "花家地社区"}]
    handed = act(api, "wj", case["id"], "delegate", unit="WJ01", reason="请社区网格员上门核实")
    assert handed["co_units"] == ["WJ01"] and handed["lead_unit"] == "WJ" and handed["status"] == "in_progress"
    assert handed["events"][-1]["note"] == "请社区网格员上门核实"
    community = call(api, "wj01", "GET", f"/api/v1/requests/{case['id']}").json()
    assert community["allowed_actions"] == ["note_progress", "report_back", "assign_owner"]  # it works on it (its
    # part given to one of its staff: 分办); the 街道 answers
    login(api, "wj01")
    told = api.get("/inbox").text.split("上级下派（24 小时内）")[1].split("</section>")[0]
    assert case["ticket"] in told  # the 社区 finds it among the work arriving (and its new-work notice with it)
    assert f"上级下派（24 小时内）:{case['id']}" in api.get("/inbox/pulse").json()["keys"]
    act(api, "wj01", case["id"], "note_progress", note="已上门，楼道杂物已清")
    act(api, "wj01", case["id"], "resolve", expect=403, reply="已处理")
    act(api, "wj", case["id"], "delegate", expect=400, unit="WJ01")  # already on it
    act(api, "wj", case["id"], "delegate", expect=403, unit="JX01")  # another 街道's 社区
    act(api, "jx", case["id"], "delegate", expect=404, unit="JX01")  # not even seen
    lift = signed("WY2")  # 电梯故障: not listed for the 社区 level at all
    assert "delegate" not in call(api, "wj", "GET", f"/api/v1/requests/{lift['id']}").json()["allowed_actions"]
    refused = call(api, "wj", "POST", f"/api/v1/requests/{lift['id']}/actions/delegate", json={"unit": "WJ01"})
    assert refused.status_code == 400 and refused.json()["field"] == "unit" and "电梯故障" in refused.json()["message"]
    noisy = signed("ZS2")  # 生活噪音: only 望京西园社区 admits it
    outside = call(api, "wj", "POST", f"/api/v1/requests/{noisy['id']}/actions/delegate", json={"unit": "WJ02"})
    assert outside.status_code == 400 and "准入清单" in outside.json()["message"]

    login(api, "wj")
    offered = api.get(f"/cases/{noisy['id']}").text.split('value="delegate"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\w+)">', offered) == ["WJ01"]  # only where the matter may go down
    other = signed("WY1", division="WJ02")  # in 花家地社区 (WJ02): offered first, before 望京西园社区
    offered = api.get(f"/cases/{other['id']}").text.split('value="delegate"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\w+)">', offered) == ["WJ02", "WJ01"]
    act(api, "wj", other["id"], "delegate", unit="WJ02")
    offered = api.get(f"/cases/{other['id']}").text.split('value="delegate"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\w+)">', offered) == ["WJ01"]  # not the one on it already
    assert 'value="delegate"' not in api.get(f"/cases/{lift['id']}").text  # nowhere: not offered at all
    assert act(api, "wj", case["id"], "resolve", reply="社区网格员已上门清理楼道杂物，并告知物业加强巡查")["status"] == \
        "resolved"


def test_a_community_reports_back_to_the_subdistrict_which_answers_or_takes_the_case_back(api, app):
    """协办反馈 and 收回下派: the 社区 finds what it owes in its 承办箱 and reports back (with photos) on the page; the
    街道 finds the reported case in its own, answers the requester or takes the case back from a 社区."""
    for name, unit in (("wj01", "WJ01"), ("wj02", "WJ02")):
        add_user(app, name, "handler", "password-" + name, unit)
        api.tokens[name] = create_token(app, name)
    case = create(api, category="WY1")
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ", co_units=["JX"])
    act(api, "wj", case["id"], "acknowledge")
    act(api, "wj", case["id"], "delegate", unit="WJ01", reason="请社区网格员上门核实")
    act(api, "wj", case["id"], "delegate", unit="WJ02")
    seen = call(api, "wj01", "GET", f"/api/v1/requests/{case['id']}").json()
    assert seen["allowed_actions"] == ["note_progress", "report_back", "assign_owner"]
    assert [(c["unit"], c["delegated"], c["reported_at"]) for c in seen["co_handling"]] == [
        ("JX", False, None), ("WJ01", True, None), ("WJ02", True, None)]
    lead = call(api, "wj", "GET", f"/api/v1/requests/{case['id']}").json()["allowed_actions"]
    assert "recall" in lead and "report_back" not in lead

    login(api, "wj01")
    owed = api.get("/inbox").text.split("协办待反馈")[1].split("</section>")[0]
    assert case["ticket"] in owed
    page = api.get(f"/cases/{case['id']}").text
    opened = re.search(r'<details class="action"[^>]*open[^>]*>\s*<summary>([^<]+)', page)
    assert opened and opened.group(1) == "协办反馈"  # the step a 社区 takes next
    version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    posted = api.post(f"/cases/{case['id']}/act", data={"action": "report_back", "note": "", "version": version,
                                                       "csrf_token": token}, follow_redirects=False)
    assert posted.status_code == 400 and "说明" in posted.text  # nothing said: refused, naming what is missing
    posted = api.post(f"/cases/{case['id']}/act", data={
        "action": "report_back", "note": "网格员已上门，楼道杂物已清", "version": version, "csrf_token": token},
        files=[("photos", ("done.png", png(), "image/png"))], follow_redirects=False)
    assert posted.status_code == 303, posted.text
    assert "协办待反馈" not in api.get("/inbox").text  # nothing owed any more
    page = api.get(f"/cases/{case['id']}").text
    assert not re.search(r'<details class="action"[^>]*open', page)  # reported: nothing opens by itself now
    events = call(api, "wj", "GET", f"/api/v1/requests/{case['id']}").json()["events"]
    assert events[-1]["action"] == "report_back" and events[-1]["changes"]["photos"] == [None, 1]

    act(api, "wj", case["id"], "report_back", expect=403, note="主办不反馈")
    act(api, "jx", case["id"], "report_back", expect=400, note="")  # the centre's co-handler, saying nothing
    act(api, "zjw", case["id"], "report_back", expect=404, note="不在本件上")
    login(api, "wj")
    reported = api.get("/inbox").text.split("协办已反馈（待主办答复）")[1].split("</section>")[0]
    assert case["ticket"] in reported  # the 街道 may answer now
    assert f"协办已反馈（待主办答复）:{case['id']}" in api.get("/inbox/pulse").json()["keys"]
    page = api.get(f"/cases/{case['id']}").text
    timeline = page.split('class="timeline"')[1].split("</ol>")[0]
    assert "下派</strong>（望京西园社区）" in timeline and "协办反馈</strong>（望京西园社区）" in timeline
    listed = page.split('id="co-handling"')[1].split("</dd>")[0]
    assert "望京西园社区" in listed and "已反馈" in listed and "花家地社区" in listed and "未反馈" in listed
    reports = page.split('id="co-reports"')[1].split("</div>")[0]  # beside the reply box, to answer from
    assert "望京西园社区" in reports and 'data-fill-reply="网格员已上门，楼道杂物已清"' in reports
    offered = page.split('value="recall"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\w+)">', offered) == ["WJ01", "WJ02"]  # not 酒仙桥: the centre named it

    act(api, "wj", case["id"], "recall", expect=400, unit="JX", reason="不需要了")
    act(api, "wj", case["id"], "recall", expect=400, unit="WJ02")  # no reason
    act(api, "wj02", case["id"], "recall", expect=403, unit="WJ02", reason="社区不能收回")
    taken = act(api, "wj", case["id"], "recall", unit="WJ02", reason="望京西园社区已核实，无需再派")
    assert taken["co_units"] == ["JX", "WJ01"] and taken["events"][-1]["note"] == "望京西园社区已核实，无需再派"
    assert call(api, "wj02", "GET", f"/api/v1/requests/{case['id']}").status_code == 404  # no longer on it
    assert "收回下派</strong>（花家地社区）" in api.get(f"/cases/{case['id']}").text
    assert act(api, "wj", case["id"], "resolve", reply="社区网格员已上门清理楼道杂物")["status"] == "resolved"
    assert "协办已反馈（待主办答复）" not in api.get("/inbox").text  # answered: off the list


def test_a_community_sees_by_when_it_owes_its_report_and_the_subdistrict_sees_who_is_late(api, app, clock):
    """协办反馈时限: the 社区's 协办待反馈 lists each case by its report deadline, the nearest first; past it, the case
    page and the API say so (已超期), and a report given late stays marked (超时)."""
    add_user(app, "wj01", "handler", "password-wj01", "WJ01")
    api.tokens["wj01"] = create_token(app, "wj01")
    first, second = create(api, category="WY1"), create(api, category="WY1", content="楼道堆物无人清理")
    for case in (first, second):
        act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
        act(api, "wj", case["id"], "acknowledge")
    act(api, "wj", second["id"], "delegate", unit="WJ01")  # handed down first: owed first
    clock.advance(days=1)
    act(api, "wj", first["id"], "delegate", unit="WJ01")
    due = {c["id"]: call(api, "wj01", "GET", f"/api/v1/requests/{c['id']}").json()["co_handling"][0]
           for c in (first, second)}
    assert due[second["id"]]["report_due"] < due[first["id"]]["report_due"]  # 3 working days from each 下派
    assert not any(d["report_late"] for d in due.values())

    login(api, "wj01")
    owed = api.get("/inbox").text.split("协办待反馈")[1].split("</section>")[0]
    assert "<th>反馈时限</th>" in owed and "办结时限" not in owed
    assert owed.index(second["ticket"]) < owed.index(first["ticket"])
    clock.advance(days=3)  # Friday morning: past the second's 3 working days (Thursday 18:00), not the first's
    owed = api.get("/inbox").text.split("协办待反馈")[1].split("</section>")[0]
    assert owed.count("已超期") == 1
    late = call(api, "wj", "GET", f"/api/v1/requests/{second['id']}").json()["co_handling"][0]
    assert late["report_late"] and late["reported_at"] is None
    login(api, "wj")
    shown = api.get(f"/cases/{second['id']}").text.split('id="co-handling"')[1].split("</dd>")[0]
    assert "未反馈" in shown and "反馈时限" in shown and "已超期" in shown
    act(api, "wj01", second["id"], "report_back", note="网格员已上门核实")
    shown = api.get(f"/cases/{second['id']}").text.split('id="co-handling"')[1].split("</dd>")[0]
    assert "已反馈" in shown and "超时" in shown  # reported, but after its deadline
    assert call(api, "wj", "GET", f"/api/v1/requests/{first['id']}").json()["co_handling"][0]["report_late"] is False


def test_a_district_office_watches_the_sensitive_cases_its_units_handle(api):
    protest = create(api, content="开发商欠薪，几十个工人明天集体上访")
    act(api, "dispatcher", protest["id"], "dispatch", unit="WJ")
    quiet = create(api)
    act(api, "dispatcher", quiet["id"], "dispatch", unit="WJ")
    login(api, "cy")
    watched = api.get("/inbox").text.split("辖区敏感诉求（未结案）")[1].split("</section>")[0]
    assert protest["ticket"] in watched and quiet["ticket"] not in watched and "群体性（集体上访）" in watched
    assert "辖区敏感诉求" not in (login(api, "zjw") and api.get("/inbox").text)  # nothing under a department
