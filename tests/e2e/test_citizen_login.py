"""我的诉求: a requester proves their mobile number with a texted code and sees, urges and rates every case of it —
and nobody learns from the portal whether a number has called the hotline."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jiesu.api.app import create_app
from jiesu.domain.workflow import Action
from jiesu.services import audit, cases, notifications
from jiesu.services.cases import ActionInput, Intake
from jiesu.storage import tables as t
from tests.support import AGENT, DISPATCHER

MINE, OTHER, NEVER = "13812345678", "13912345678", "13700000000"


@pytest.fixture
def portal(app):
    client = TestClient(create_app(app))
    client.app_ = app
    return client


def case(app, phone: str, content: str, whole: bool = False):
    registered = cases.register(app, AGENT, Intake(content=content, requester_phone=phone, division="WJ01",
                                                   category="WY1"))
    return registered if whole else registered.ticket


def csrf(portal) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', portal.get("/portal/mine").text).group(1)


def ask_code(portal, phone: str):
    return portal.post("/portal/mine/code", data={"phone": phone, "csrf_token": csrf(portal)})


def texted_code(app) -> str:
    """The code as the phone receives it: the text of the newest notice, as the SMS worker writes it."""
    n = t.notifications
    with app.uow(read_only=True) as uow:
        newest = uow.connection.execute(select(func.max(n.c.id)).where(n.c.kind == "login_code")).scalar()
        to, text = notifications.text_of(app, uow.connection, newest)
    assert to == MINE and "验证码为" in text
    return re.search(r"验证码为 (\d{6})", text).group(1)


def sign_in(portal, code: str, phone: str = MINE):
    return portal.post("/portal/mine/verify", data={"phone": phone, "code": code, "csrf_token": csrf(portal)},
                       follow_redirects=False)


def logins(app) -> int:
    with app.uow(read_only=True) as uow:
        return uow.connection.execute(select(func.count()).select_from(t.citizen_logins)).scalar()


def texts(app) -> int:
    """The code messages in the outbox."""
    n = t.notifications
    with app.uow(read_only=True) as uow:
        return uow.connection.execute(select(func.count()).select_from(n).where(n.c.kind == "login_code")).scalar()


def test_a_requester_sees_every_case_of_their_number_and_no_one_elses(portal, clock):
    app = portal.app_
    first, second = case(app, MINE, "望京西园三区楼道垃圾没人清理"), case(app, MINE, "望京西园三区电梯又坏了")
    theirs = case(app, OTHER, "花家地小区门口占道经营")
    asked = ask_code(portal, "138 1234 5678")
    assert asked.status_code == 200 and "验证码已发送至 138****5678，10 分钟内有效" in asked.text
    signed = sign_in(portal, texted_code(app))
    assert signed.status_code == 303 and signed.headers["location"] == "/portal/mine"
    listed = portal.get("/portal/mine").text.split('id="own-cases"')[1]
    assert first in listed and second in listed and theirs not in listed
    assert "楼道垃圾没人清理" in listed and "已受理" in listed
    shown = portal.get(f"/portal/mine/{first}")
    assert shown.status_code == 200 and "楼道垃圾没人清理" in shown.text
    assert portal.get(f"/portal/mine/{theirs}").status_code == 404  # another number's case: as if there were none
    [entry], _ = audit.entries(app, audit.AuditQuery(action="citizen.login"))
    assert entry.actor == "诉求人 138****5678" and entry.target == "138****5678"
    portal.post("/portal/mine/logout", data={"csrf_token": csrf(portal)})
    assert first not in portal.get("/portal/mine").text


def test_signed_in_the_requester_urges_and_rates_without_the_tracking_code(portal, clock):
    app = portal.app_
    registered = case(app, MINE, "望京西园三区楼道垃圾没人清理", whole=True)
    ticket = registered.ticket
    cases.perform(app, DISPATCHER, registered.id, Action.DISPATCH, ActionInput(unit="WJ"))
    ask_code(portal, MINE)
    sign_in(portal, texted_code(app))
    urged = portal.post("/portal/urge", data={"ticket": ticket, "code": "", "note": "还没人来",
                                              "csrf_token": csrf(portal)})
    assert urged.status_code == 200 and "已催办" in urged.text and "← 我的诉求" in urged.text
    portal.post("/portal/mine/logout", data={"csrf_token": csrf(portal)})
    clock.advance(days=1, minutes=1)
    refused = portal.post("/portal/urge", data={"ticket": ticket, "code": "", "csrf_token": csrf(portal)})
    assert refused.status_code == 404  # signed out: the code is needed again


def test_asking_for_a_code_looks_the_same_for_a_number_that_never_called(portal, clock):
    app = portal.app_
    case(app, MINE, "望京西园三区楼道垃圾没人清理")
    known, unknown = ask_code(portal, MINE), ask_code(portal, NEVER)
    assert known.status_code == unknown.status_code == 200
    assert "验证码已发送至 137****0000，10 分钟内有效" in unknown.text
    assert texts(app) == 1  # but only the number that called is texted
    clock.advance(seconds=30)
    again_known, again_unknown = ask_code(portal, MINE), ask_code(portal, NEVER)  # within the minute: both refused
    assert again_known.status_code == again_unknown.status_code == 429
    assert "验证码已发出，请 31 秒后再重新获取" in again_known.text and "请 31 秒后再重新获取" in again_unknown.text
    for _ in range(4):  # five a day, each a minute after the last
        clock.advance(seconds=61)
        assert ask_code(portal, MINE).status_code == ask_code(portal, NEVER).status_code == 200
    clock.advance(seconds=61)
    capped, capped_unknown = ask_code(portal, MINE), ask_code(portal, NEVER)
    assert capped.status_code == capped_unknown.status_code == 429 and "24 小时内已获取 5 次验证码" in capped.text
    assert texts(app) == 5
    clock.advance(days=1)
    assert ask_code(portal, MINE).status_code == 200 and texts(app) == 6


def test_a_code_is_good_once_for_ten_minutes_and_five_tries(portal, clock):
    app = portal.app_
    case(app, MINE, "望京西园三区楼道垃圾没人清理")
    ask_code(portal, MINE)
    code = texted_code(app)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        refused = sign_in(portal, wrong)
        assert refused.status_code == 400 and f"验证码不正确，还可再试 {left} 次" in refused.text
    assert "验证码不正确，请重新获取" in sign_in(portal, wrong).text
    assert "验证码已失效，请重新获取" in sign_in(portal, code).text  # five wrong tries: not even the right one

    clock.advance(minutes=2)
    ask_code(portal, MINE)
    code = texted_code(app)
    clock.advance(minutes=11)
    assert "验证码已失效" in sign_in(portal, code).text  # too late

    clock.advance(minutes=2)
    ask_code(portal, MINE)
    code = texted_code(app)
    assert sign_in(portal, code).status_code == 303
    portal.post("/portal/mine/logout", data={"csrf_token": csrf(portal)})
    assert "验证码已失效" in sign_in(portal, code).text  # used


def test_the_view_lasts_thirty_minutes(portal, clock):
    app = portal.app_
    ticket = case(app, MINE, "望京西园三区楼道垃圾没人清理")
    ask_code(portal, MINE)
    sign_in(portal, texted_code(app))
    clock.advance(minutes=29)
    assert ticket in portal.get("/portal/mine").text
    clock.advance(minutes=2)
    page = portal.get("/portal/mine").text
    assert ticket not in page and "获取验证码" in page
    assert portal.get(f"/portal/mine/{ticket}", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("phone", ["12345", "010-12345678", ""])
def test_only_a_mobile_number_gets_a_code(portal, phone):
    asked = ask_code(portal, phone)
    assert asked.status_code == 400 and "请输入 11 位手机号码" in asked.text


def test_a_form_without_its_csrf_token_is_refused(portal):
    refused = portal.post("/portal/mine/code", data={"phone": MINE})
    assert refused.status_code == 403 and logins(portal.app_) == 0


def test_an_app_gets_a_token_for_the_number_and_lists_urges_and_rates_with_it(portal, clock):
    app = portal.app_
    registered = case(app, MINE, "望京西园三区楼道垃圾没人清理", whole=True)
    theirs = case(app, OTHER, "花家地小区门口占道经营")
    cases.perform(app, DISPATCHER, registered.id, Action.DISPATCH, ActionInput(unit="WJ"))
    asked = portal.post("/api/v1/public/mine/code", json={"phone": MINE})
    assert asked.status_code == 202 and asked.json()["sent_to"] == "138****5678"
    assert portal.post("/api/v1/public/mine/code", json={"phone": "12345"}).json()["field"] == "phone"
    wrong = portal.post("/api/v1/public/mine/token", json={"phone": MINE, "code": "000000" if texted_code(app) !=
                                                           "000000" else "111111"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "code"
    issued = portal.post("/api/v1/public/mine/token", json={"phone": MINE, "code": texted_code(app)}).json()
    token = {"X-Citizen-Token": issued["token"]}
    assert issued["phone"] == "138****5678" and MINE not in issued["token"]
    listed = portal.get("/api/v1/public/mine", headers=token).json()["items"]
    assert [x["ticket"] for x in listed] == [registered.ticket] and listed[0]["unit"] == "望京街道"
    own = portal.get(f"/api/v1/public/mine/{registered.ticket}", headers=token).json()
    assert own["status"] == "dispatched" and own["handling"]["unit"] == "望京街道" and own["photos"] == []
    assert portal.get(f"/api/v1/public/mine/{theirs}", headers=token).status_code == 404
    urged = portal.post(f"/api/v1/public/requests/{registered.ticket}/urge", json={"note": "还没人来"}, headers=token)
    assert urged.status_code == 200 and urged.json()["timeline"][-1]["action_label"] == "催办"
    assert portal.post(f"/api/v1/public/requests/{theirs}/urge", json={}, headers=token).status_code == 404
    assert portal.post(f"/api/v1/public/requests/{registered.ticket}/urge", json={}).status_code == 404  # no code
    forged = portal.get("/api/v1/public/mine", headers={"X-Citizen-Token": issued["token"][:-4] + "AAAA"})
    assert forged.status_code == 401 and forged.json()["field"] == "X-Citizen-Token"
    clock.advance(minutes=31)
    assert portal.get("/api/v1/public/mine", headers=token).status_code == 401  # expired


def test_codes_are_not_kept_once_they_limit_nothing(portal, clock):
    ask_code(portal, NEVER)
    assert logins(portal.app_) == 1
    clock.advance(days=3)
    ask_code(portal, MINE)
    assert logins(portal.app_) == 1  # the old one gone with the new request
