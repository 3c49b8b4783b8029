"""值班表: a unit's handlers keep its shifts, the centre reads every unit's and sees who is on duty; each change is
in the audit trail; the mobiles are kept encrypted."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from jiesu.services import audit
from jiesu.storage import tables as t
from tests.e2e.test_api import login
from tests.e2e.test_photos import csrf, staff_and_portal


@pytest.fixture
def api(app):
    return staff_and_portal(app)


def add(api, **fields):
    data = {"starts_at": "2026-11-23T18:00", "ends_at": "2026-11-24T09:00", "name": "张值班", "phone": "13900000003"}
    return api.post("/duty", data=data | fields | {"csrf_token": csrf(api, "/duty")}, follow_redirects=False)


def test_a_unit_keeps_its_own_roster_and_the_centre_reads_every_units(api, clock):
    login(api, "wj")
    page = api.get("/duty").text
    assert "望京街道 值班表" in page and "13900000001" in page  # the standing duty phone, for want of a shift
    assert add(api).status_code == 303
    assert add(api, unit="JX", name="李值班", phone="13900000004", starts_at="2026-11-23T09:00",
               ends_at="2026-11-23T18:00").status_code == 303  # a handler's unit is its own, whatever it posts
    refused = add(api, phone="010-62345678")
    assert refused.status_code == 400 and "手机" in refused.text and 'value="010-62345678"' in refused.text  # kept
    refused = add(api, ends_at="2026-11-23T17:00")
    assert refused.status_code == 400 and "结束时间应晚于开始时间" in refused.text
    shifts = api.get("/duty").text.split('id="shifts"')[1].split("</table>")[0]
    assert shifts.count("<tr") == 3 and "李值班" in shifts and "在班" in shifts  # 09:30 now: 李值班 is on duty
    with api.jiesu.engine.connect() as c:
        stored = c.execute(select(t.duty_shifts.c.unit, t.duty_shifts.c.phone)).all()
    assert {unit for unit, _ in stored} == {"WJ"} and all(b"13900000003" not in bytes(p) for _, p in stored)

    login(api, "jx")
    assert "张值班" not in api.get("/duty").text  # another unit's roster is not its business
    theirs = re.search(r'action="/duty/(\d+)/remove"', api.get("/duty").text)
    assert theirs is None
    login(api, "wj")
    first = re.search(r'action="/duty/(\d+)/remove"', api.get("/duty").text).group(1)
    login(api, "jx")
    gone = api.post(f"/duty/{first}/remove", data={"csrf_token": csrf(api, "/duty")})
    assert gone.status_code == 404  # as if it were not there

    login(api, "agent")  # an agent reads every unit's (to call the one on duty), keeps none
    page = api.get("/duty").text
    assert "张值班" in page and "李值班" in page and 'id="add-shift"' not in page
    assert add(api, unit="WJ").status_code == 403
    login(api, "supervisor")
    assert "李值班" not in api.get("/duty?unit=JX").text
    assert api.get("/duty?unit=NOPE").status_code == 400
    assert add(api, unit="JX", name="王值班", phone="13900000005").status_code == 303
    assert "王值班" in api.get("/duty?unit=JX").text
    assert api.post(f"/duty/{first}/remove", data={"csrf_token": csrf(api, "/duty")},
                    follow_redirects=False).status_code == 303
    clock.advance(days=2)
    assert "没有登记的班次" in api.get("/duty").text  # every shift is over: none listed
    lines, _ = audit.entries(api.jiesu, audit.AuditQuery(action="duty"))
    assert sorted(line.action for line in lines) == ["duty.add"] * 3 + ["duty.remove"]
    assert not any("1390000000" in line.target + str(line.detail) for line in lines)  # no mobile in the trail


def test_the_centre_sees_whom_to_call_on_the_case_of_a_unit_with_someone_on_duty(api, clock):
    from tests.e2e.test_api import act, create

    case = create(api)
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    login(api, "agent")
    assert 'id="on-duty"' not in api.get(f"/cases/{case['id']}").text  # nobody on duty: nothing to show
    assert "望京街道：13900000001" in api.get("/duty?unit=WJ").text  # the standing phone, for want of a shift
    login(api, "wj")
    assert add(api, starts_at="2026-11-23T09:00", ends_at="2026-11-23T18:00", name="白班王").status_code == 303
    assert 'id="on-duty"' not in api.get(f"/cases/{case['id']}").text  # the unit itself needs no telling
    login(api, "agent")
    shown = api.get(f"/cases/{case['id']}").text.split('id="on-duty">')[1].split("</div>")[0]
    assert "在班：白班王 13900000003" in shown and "2026-11-23 18:00" in shown
    clock.advance(hours=9)  # the shift is over
    assert 'id="on-duty"' not in api.get(f"/cases/{case['id']}").text


def test_before_a_holiday_the_units_that_have_not_covered_it_are_named(api, clock):
    from jiesu.services import health
    from jiesu.services.calendar import load_schedule
    from tests.support import FIXTURES, local

    load_schedule(api.jiesu, FIXTURES / "schedule_2027.csv", "管理员")  # 元旦: 1–3 January 2027
    clock.now = local(2026, 12, 14, 9, 0)
    login(api, "supervisor")
    assert 'id="holiday"' not in api.get("/duty").text  # eighteen days ahead: not asked yet
    assert 'id="holiday-roster"' not in api.get("/desk").text
    assert [f.level for f in health.check(api.jiesu) if f.topic == "值班表"] == ["ok"]
    clock.now = local(2026, 12, 25, 9, 0)
    login(api, "wj")
    for day in ("2027-01-01", "2027-01-02", "2027-01-03"):
        assert add(api, starts_at=f"{day}T00:00", ends_at=f"{day}T23:59").status_code == 303
    assert "还有 0.1 小时无人值班" in api.get("/duty").text.split('id="holiday"')[1]  # a minute before each midnight
    assert add(api, starts_at="2027-01-03T23:59", ends_at="2027-01-04T09:00").status_code == 303
    assert add(api, starts_at="2027-01-01T23:59", ends_at="2027-01-02T00:00").status_code == 303
    assert add(api, starts_at="2027-01-02T23:59", ends_at="2027-01-03T00:00").status_code == 303
    assert "本单位元旦期间已排满值班" in api.get("/duty").text
    login(api, "jx")
    assert "本单位元旦期间还有 72.0 小时无人值班" in api.get("/duty").text
    login(api, "supervisor")
    listed = api.get("/duty").text.split('id="holiday"')[1].split("</section>")[0]
    assert "6 / 7 个单位未排满" in listed and "望京街道" not in listed and "酒仙桥街道" in listed
    assert "热力集团" in listed and "13900000002" in listed  # its standing phone is what is texted meanwhile
    assert "元旦（2027-01-01 至 2027-01-03）将到：6 个单位的值班表未排满" in api.get("/desk").text
    [finding] = [f for f in health.check(api.jiesu) if f.topic == "值班表"]
    assert finding.level == "warning" and "元旦（01-01 至 01-03）6 个单位" in finding.message


def test_a_units_app_keeps_its_roster_through_the_api(api, clock):
    from tests.e2e.test_api import call

    shift = {"starts_at": "2026-11-23T09:00:00+08:00", "ends_at": "2026-11-23T18:00:00+08:00", "name": "白班王",
             "phone": "13900000011"}
    added = call(api, "wj", "POST", "/api/v1/duty", json=shift)  # a handler's unit is its own
    assert added.status_code == 201, added.text
    assert added.json() | {"id": 0} == {"id": 0, "unit": "WJ", "unit_name": "望京街道", "name": "白班王",
                                        "phone": "13900000011", "on_duty": True, "added_by": "wj",
                                        "starts_at": "2026-11-23T01:00:00+00:00", "ends_at": "2026-11-23T10:00:00+00:00"}
    assert call(api, "wj", "POST", "/api/v1/duty", json=shift | {"unit": "JX"}).status_code == 403
    for field, value in (("phone", "010-62345678"), ("starts_at", "2026-11-23T09:00:00"), ("name", " ")):
        refused = call(api, "wj", "POST", "/api/v1/duty", json=shift | {field: value})
        assert refused.status_code == 400 and refused.json()["field"] == field, refused.text
    assert call(api, "supervisor", "POST", "/api/v1/duty", json=shift).json()["field"] == "unit"  # which unit?
    assert call(api, "agent", "POST", "/api/v1/duty", json=shift | {"unit": "WJ"}).status_code == 403
    assert [x["name"] for x in call(api, "agent", "GET", "/api/v1/duty").json()["items"]] == ["白班王"]
    assert call(api, "jx", "GET", "/api/v1/duty").json()["items"] == []  # another unit's
    shift_id = added.json()["id"]
    assert call(api, "jx", "DELETE", f"/api/v1/duty/{shift_id}").status_code == 404
    assert call(api, "wj", "DELETE", f"/api/v1/duty/{shift_id}").status_code == 204
    assert call(api, "wj", "GET", "/api/v1/duty").json()["items"] == []
