"""分办: the lead unit gives a case to one of its staff (its 接诉即办 desk signs for everything and hands each case to
the one who does it); shown on its lists and page, and each handler's own found in the 承办箱."""

from __future__ import annotations

import io
import re

import pytest

from jiesu.services.users import add_user, create_token, set_active
from tests.e2e.test_api import act, call, create, login


@pytest.fixture
def api(app):
    from tests.e2e.test_photos import staff_and_portal

    client = staff_and_portal(app)
    for name in ("wj2", "wj3"):
        add_user(app, name, "handler", "password-" + name, "WJ")
        client.tokens[name] = create_token(app, name)
    set_active(app, "wj3", False, by="admin")  # left the office: nobody gives them cases
    return client


def staff_rows(api, url: str) -> list[tuple[str, ...]]:
    """本单位考核's 承办人员 table: (who, in hand, of them late, answered in the month)."""
    staff = api.get(url).text.split('id="staff"')[1].split("</section>")[0]
    return re.findall(r'<tr><td><a href="/cases\?owner=\w+">(\w+)</a></td><td>(\d+)</td>'
                      r'<td>(?:<strong class="late">)?(\d+)(?:</strong>)?</td><td>(\d+)</td>', staff)


def test_the_unit_gives_a_case_to_one_of_its_staff_who_finds_it_in_the_inbox(api, clock):
    case = create(api)
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    seen = call(api, "wj", "GET", f"/api/v1/requests/{case['id']}").json()
    assert seen["owner"] is None and "assign_owner" in seen["allowed_actions"]
    assert seen["unit_staff"] == ["wj", "wj2"]  # the unit's handlers who may log in
    assert call(api, "jx", "GET", f"/api/v1/requests/{case['id']}").status_code == 404  # another unit's
    refused = call(api, "wj", "POST", f"/api/v1/requests/{case['id']}/actions/assign_owner", json={"owner": "jx"})
    assert refused.status_code == 400 and refused.json()["field"] == "owner"  # another unit's handler
    act(api, "wj", case["id"], "assign_owner", expect=400, owner="wj3")  # disabled
    act(api, "dispatcher", case["id"], "assign_owner", expect=403, owner="wj2")  # the centre does not
    given = act(api, "wj", case["id"], "assign_owner", owner="wj2", note="王负责物业类")
    assert given["owner"] == "wj2" and given["events"][-1]["changes"]["owner"] == [None, "wj2"]
    assert act(api, "wj", case["id"], "acknowledge")["owner"] == "wj2"  # the desk signs for it: still theirs

    login(api, "wj2")
    inbox = api.get("/inbox").text
    assert case["ticket"] in inbox.split("分办给我（24 小时内）")[1].split("</section>")[0]
    assert f"分办给我（24 小时内）:{case['id']}" in api.get("/inbox/pulse").json()["keys"]
    mine = api.get("/inbox?who=mine").text.split("<h2>办理中")[1].split("</section>")[0]
    assert case["ticket"] in mine and 'class="muted owner" title="承办人员">wj2<' in mine
    assert api.get("/inbox?who=bogus").status_code == 400

    login(api, "wj")
    assert case["ticket"] not in api.get("/inbox?who=mine").text.split("<h2>办理中")[1].split("</section>")[0]
    assert case["ticket"] not in api.get("/inbox?who=unassigned").text.split("<h2>办理中")[1].split("</section>")[0]
    assert "分办给我" not in api.get("/inbox").text  # given to wj2, not to wj
    page = api.get(f"/cases/{case['id']}").text
    assert "（承办人员 wj2）" in page and "分办</strong>（给 wj2）" in page
    offered = page.split('value="assign_owner"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\w+)">', offered) == ["wj"]  # not the one who has it
    other = create(api, content="望京西园四区路灯不亮")
    act(api, "dispatcher", other["id"], "dispatch", unit="WJ")
    act(api, "wj", other["id"], "acknowledge")
    assert call(api, "wj", "GET", f"/api/v1/requests/{other['id']}").json()["owner"] is None  # given to nobody yet
    listed = api.get("/inbox?who=unassigned").text.split("<h2>办理中")[1].split("</section>")[0]
    assert other["ticket"] in listed and case["ticket"] not in listed
    everything = api.get("/inbox").text.split("<h2>办理中")[1].split("</section>")[0]
    assert other["ticket"] in everything and case["ticket"] in everything
    assert act(api, "wj", other["id"], "assign_owner", owner="wj")["owner"] == "wj"  # takes it on: 我承办的
    assert other["ticket"] in api.get("/inbox?who=mine").text.split("<h2>办理中")[1].split("</section>")[0]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(api.get("/cases.xlsx").content)).active
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert rows["工单号"][9] == "承办人员" and rows[case["ticket"]][9] == "wj2" and rows[other["ticket"]][9] == "wj"
    assert staff_rows(api, "/standing") == [("wj", "1", "0", "0"), ("wj2", "1", "0", "0")]
    act(api, "wj", case["id"], "resolve", reply="已督促物业清理楼道垃圾")
    clock.advance(days=12)  # past the 7 working days the other one had
    staff = call(api, "wj", "GET", "/api/v1/units/WJ/standing", params={"month": "2026-11"}).json()["staff"]
    assert staff == [{"owner": "wj", "in_hand": 1, "overdue": 1, "answered": 0},
                     {"owner": "wj2", "in_hand": 0, "overdue": 0, "answered": 1}]
    late = staff_rows(api, "/standing?month=2026-11")
    assert late == [("wj", "1", "1", "0"), ("wj2", "0", "0", "1")]  # late now; answered in November, theirs still
    listed = call(api, "wj", "GET", "/api/v1/requests", params={"owner": "wj2"}).json()["items"]
    assert [(x["ticket"], x["owner"]) for x in listed] == [(case["ticket"], "wj2")]
    theirs = api.get("/cases", params={"owner": "wj2"}).text  # the name's link: every case given to them
    assert case["ticket"] in theirs and other["ticket"] not in theirs and "承办人员 wj2" in theirs  # its chip
    login(api, "jx")
    assert 'id="staff"' not in api.get("/standing").text  # a unit that gives its cases to nobody
    assert case["ticket"] not in api.get("/cases", params={"owner": "wj2"}).text  # another unit's: never
    login(api, "wj")
    set_active(api.jiesu, "wj2", False, by="admin")
    alone = call(api, "wj", "GET", f"/api/v1/requests/{other['id']}").json()
    assert "assign_owner" not in alone["allowed_actions"]  # nobody else in the unit to give it to
    assert 'value="assign_owner"' not in api.get(f"/cases/{other['id']}").text


def test_a_community_gives_its_part_of_a_case_handed_down_to_one_of_its_staff(api, app):
    """社区分办: the 社区 a 街道 handed a case down to gives its own part to one of its 网格员, who finds it in the
    承办箱; the case stays the 街道's, with the 街道's 承办人员."""
    for name in ("wj01", "wj01b"):
        add_user(app, name, "handler", "password-" + name, "WJ01")
        api.tokens[name] = create_token(app, name)
    case = create(api, category="WY1")
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    act(api, "wj", case["id"], "acknowledge")
    act(api, "wj", case["id"], "assign_owner", owner="wj2")
    act(api, "wj", case["id"], "delegate", unit="WJ01", reason="请社区网格员上门核实")
    seen = call(api, "wj01", "GET", f"/api/v1/requests/{case['id']}").json()
    assert "assign_owner" in seen["allowed_actions"] and seen["unit_staff"] == ["wj01", "wj01b"]  # its own staff
    refused = call(api, "wj01", "POST", f"/api/v1/requests/{case['id']}/actions/assign_owner", json={"owner": "wj"})
    assert refused.status_code == 400 and refused.json()["field"] == "owner"  # the 街道's handler: not the 社区's to give
    given = act(api, "wj01", case["id"], "assign_owner", owner="wj01b", note="请网格员上门")
    assert given["owner"] == "wj2"  # the case is still the 街道's 承办人员's
    assert [(c["unit"], c["owner"]) for c in given["co_handling"]] == [("WJ01", "wj01b")]
    assert given["events"][-1]["changes"] == {"owner": [None, "wj01b"], "co_unit": [None, "WJ01"]}
    act(api, "jx", case["id"], "assign_owner", expect=404, owner="jx")  # a unit not on the case does not see it

    login(api, "wj01b")
    inbox = api.get("/inbox").text
    assert case["ticket"] in inbox.split("分办给我（24 小时内）")[1].split("</section>")[0]
    owed = inbox.split("协办待反馈")[1].split("</section>")[0]
    assert 'title="承办人员">wj01b<' in owed and 'title="承办人员">wj2<' not in owed  # its own, not the 街道's
    login(api, "wj")
    page = api.get(f"/cases/{case['id']}").text
    assert "承办人员 wj01b" in page.split('id="co-handling"')[1].split("</dd>")[0]
    assert "（给 wj01b，望京西园社区协办部分）" in page and "（承办人员 wj2）" in page
    assert "分办给我" not in api.get("/inbox").text
    parts = call(api, "wj01", "GET", "/api/v1/units/WJ01/standing").json()["co_staff"]
    assert parts == [{"owner": "wj01b", "owed": 1, "overdue": 0, "reported": 0}]  # its part, by whom
    assert call(api, "wj", "GET", "/api/v1/units/WJ/standing").json()["co_staff"] == []  # the lead gives no parts
    act(api, "wj01b", case["id"], "report_back", note="网格员已上门核实")
    login(api, "wj01")
    shown = api.get("/standing").text.split('id="co-staff"')[1].split("</table>")[0]
    assert re.search(r"<td>wj01b</td><td>0</td><td>0</td><td>1</td>", shown)  # reported this month
