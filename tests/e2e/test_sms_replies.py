"""短信评价: a requester answers the 办结 text message; a rating becomes their callback, anything else waits for an
agent on the 回访台."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from jiesu.domain.notices import parse_rating
from jiesu.services import audit, sms_replies
from jiesu.storage import tables as t
from tests.e2e.test_api import act, call, create, login
from tests.e2e.test_photos import csrf, staff_and_portal
from tests.integration.test_notifications import texts

TOKEN = "gateway-inbound-token"


@pytest.fixture
def api(app):
    app.settings.sms_inbound_token = TOKEN
    return staff_and_portal(app)


def answered(api, **overrides) -> dict:
    """A case resolved and its reply accepted: waiting for its callback."""
    case = create(api, **overrides)
    for who, action, body in [("dispatcher", "dispatch", {"unit": "WJ"}), ("wj", "acknowledge", {}),
                              ("wj", "resolve", {"reply": "已安排保洁清理楼道垃圾"}), ("dispatcher", "accept_reply", {})]:
        act(api, who, case["id"], action, **body)
    return case


def reply(api, sender: str, text: str, message_id: str | None = None, token: str | None = TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return api.post("/api/v1/sms/inbound", json={"from": sender, "text": text, "id": message_id}, headers=headers)


@pytest.mark.parametrize(("text", "expected"), [
    ("1", (True, "satisfied")), ("２", (True, "basic")), (" 3。", (True, "unsatisfied")), ("4", (False, "unsatisfied")),
    ("未解决！", (False, "unsatisfied")), ("已解决基本满意", (True, "basic")),
    ("满意", None), ("不满意", None), ("11", None), ("5", None), ("还没修好", None), ("", None)])
def test_a_reply_is_a_rating_only_when_it_says_which_of_the_four_answers_it_is(text, expected):
    found = parse_rating(text)
    assert (found[0], found[1].value) == expected if expected else found is None


def test_a_digit_sent_back_is_the_requesters_callback_once_however_often_the_gateway_posts_it(api, app):
    case = answered(api)
    told = dict(texts(app, case["id"]))["answered"]
    assert "请直接回复数字评价：1 已解决满意" in told
    first = reply(api, "8613812345678", "２", message_id="gw-1")
    assert first.status_code == 200, first.text
    assert first.json() == {"outcome": "rated", "ticket": case["ticket"], "outcome_label": "已记为回访"}
    again = reply(api, "13812345678", "２", message_id="gw-1")  # the gateway retries: read once
    assert again.json()["outcome"] == "rated"
    view = call(api, "agent", "GET", f"/api/v1/requests/{case['id']}").json()
    assert view["status"] == "closed"
    callbacks = [e for e in view["events"] if e["action"] == "follow_up"]
    assert len(callbacks) == 1 and callbacks[0]["actor"] == "诉求人（短信）"
    assert callbacks[0]["changes"]["follow_up"][1] == {"solved": True, "satisfaction": "basic", "requester_ref": None}
    with app.engine.connect() as c:
        stored = c.execute(select(t.sms_replies.c.text, t.sms_replies.c.outcome)).all()
    assert len(stored) == 1 and stored[0].outcome == "rated" and b"\xef\xbc\x92" not in stored[0].text  # encrypted


def test_the_same_message_posted_twice_at_once_answers_the_outcome_the_first_post_stored(api, app, monkeypatch):
    case = answered(api)
    assert reply(api, "13812345678", "1", message_id="gw-7").json()["outcome"] == "rated"
    looked = []
    real = sms_replies._earlier

    def not_yet(uow, message_id):  # the second post looked before the first one had committed
        looked.append(message_id)
        return None if len(looked) == 1 else real(uow, message_id)

    monkeypatch.setattr(sms_replies, "_earlier", not_yet)
    again = reply(api, "13812345678", "1", message_id="gw-7")
    assert again.status_code == 200, again.text  # not a 500: the unique message id stopped the second copy
    assert again.json() == {"outcome": "rated", "ticket": case["ticket"], "outcome_label": "已记为回访"}
    with app.engine.connect() as c:
        assert c.execute(select(t.sms_replies.c.outcome)).scalars().all() == ["rated"]
    events = call(api, "agent", "GET", f"/api/v1/requests/{case['id']}").json()["events"]
    assert [e["action"] for e in events].count("follow_up") == 1
    looked.clear()
    other = reply(api, "13812345678", "谢谢", message_id="gw-8")  # a new message is stored as ever
    assert other.json()["outcome"] == "for_agent" and looked == ["gw-8"]


def test_anything_else_waits_for_an_agent_on_the_callback_desk_until_marked_handled(api, app):
    case = answered(api)
    assert reply(api, "13812345678", "1").json()["outcome"] == "rated"
    late = reply(api, "13812345678", "楼道还是很脏，没人来扫，我的电话13812345678")
    assert late.json() == {"outcome": "for_agent", "ticket": case["ticket"], "outcome_label": "待坐席处理"}
    login(api, "agent")
    desk = api.get("/callbacks").text
    section = desk.split('id="sms-replies"')[1].split("</section>")[0]
    assert case["ticket"] in section and "楼道还是很脏" in section
    assert "13812345678" not in section and "138****5678" in section  # personal data in the text masked
    reply_id = section.split("/callbacks/sms/")[1].split("/")[0]
    token = csrf(api, "/callbacks")
    done = api.post(f"/callbacks/sms/{reply_id}/handled", data={"csrf_token": token})
    assert done.status_code == 200 and "短信回复已标记为已处理" in done.text
    assert 'id="sms-replies"' not in api.get("/callbacks").text
    on_case = api.get(f"/cases/{case['id']}").text.split('id="sms-replies"')[1].split("</table>")[0]
    assert "已记为回访" in on_case and "楼道还是很脏" in on_case and "（agent 于" in on_case  # both, on the case page
    twice = api.post(f"/callbacks/sms/{reply_id}/handled", data={"csrf_token": token})
    assert "已有人处理" in twice.text
    found, _ = audit.entries(app, audit.AuditQuery(action="sms_reply"))
    assert [(e.action, e.actor) for e in found] == [("sms_reply.handled", "agent")]
    login(api, "wj")
    assert api.post(f"/callbacks/sms/{reply_id}/handled", data={"csrf_token": csrf(api, "/inbox")}).status_code == 403


def test_a_merged_requesters_rating_is_their_callback_on_the_master(api, app):
    master = answered(api)
    other = create(api, requester_phone="13900001111", content="望京西园三区楼道垃圾堆了好几天")
    act(api, "supervisor", other["id"], "merge", master=master["id"], reason="同一楼道垃圾")
    assert reply(api, "13812345678", "1").json()["outcome"] == "rated"  # the master's own requester
    told = reply(api, "13900001111", "4")
    assert told.json() == {"outcome": "rated", "ticket": master["ticket"], "outcome_label": "已记为回访"}
    view = call(api, "agent", "GET", f"/api/v1/requests/{master['id']}").json()
    rated = [e["changes"]["follow_up"][1] for e in view["events"] if e["action"] == "follow_up"]
    assert rated[-1] == {"solved": False, "satisfaction": "unsatisfied", "requester_ref": other["id"]}


def test_a_merged_requesters_rating_before_the_masters_own_callback_waits_for_an_agent_and_is_kept(api, app):
    master = answered(api)
    other = create(api, requester_phone="13900001111", content="望京西园三区楼道垃圾堆了好几天")
    act(api, "supervisor", other["id"], "merge", master=master["id"], reason="同一楼道垃圾")
    early = reply(api, "13900001111", "2", message_id="gw-early")  # the master's own requester not called back yet
    assert early.status_code == 200, early.text
    assert early.json()["outcome"] == "for_agent" and early.json()["ticket"] == master["ticket"]
    with app.engine.connect() as c:
        assert c.execute(select(t.sms_replies.c.message_id)).scalars().all() == ["gw-early"]  # not lost
    view = call(api, "agent", "GET", f"/api/v1/requests/{master['id']}").json()
    assert view["status"] == "awaiting_follow_up" and not [e for e in view["events"] if e["action"] == "follow_up"]


def test_a_number_without_a_case_is_not_kept_and_bad_posts_are_refused(api, app):
    assert reply(api, "13700000000", "1").json() == {"outcome": "no_case", "ticket": None,
                                                     "outcome_label": "该号码无诉求"}
    with app.engine.connect() as c:
        assert c.execute(select(t.sms_replies.c.text, t.sms_replies.c.request_id)).all() == [(None, None)]
    assert reply(api, "13812345678", "1", token=None).status_code == 401
    assert reply(api, "13812345678", "1", token="wrong").json()["field"] == "authorization"
    for sender, text, field in (("12", "1", "from"), ("13812345678", "  ", "text"), ("13812345678", "字" * 501, "text")):
        refused = reply(api, sender, text)
        assert refused.status_code == 400 and refused.json()["field"] == field, refused.text
    with app.engine.connect() as c:
        assert len(c.execute(select(t.sms_replies.c.id)).all()) == 1  # nothing of the refused ones written


def test_without_an_inbound_token_nothing_is_received_and_the_message_asks_for_no_reply(api, app):
    app.settings.sms_inbound_token = ""
    case = answered(api)
    assert "回复数字" not in dict(texts(app, case["id"]))["answered"]
    assert reply(api, "13812345678", "1").status_code == 404
    assert call(api, "agent", "GET", f"/api/v1/requests/{case['id']}").json()["status"] == "awaiting_follow_up"


def test_a_replys_text_moves_to_a_new_secret_and_goes_with_the_cases_personal_data(api, app):
    from datetime import timedelta

    from jiesu.bootstrap import App
    from jiesu.services import retention, secret_rotation

    case = answered(api)
    reply(api, "13812345678", "1")
    reply(api, "13812345678", "已经扫干净了，谢谢")
    rotating = App(app.settings.model_copy(update={"secret_key": "new-secret", "old_secret_keys": "test-secret"}),
                   clock=app.clock)
    secret_rotation.rotate(rotating, "管理员")
    rotated = App(app.settings.model_copy(update={"secret_key": "new-secret", "old_secret_keys": ""}), clock=app.clock)
    assert [x.text for x in sms_replies.waiting(rotated)] == ["已经扫干净了，谢谢"]  # opens under the new secret alone
    app.clock.advance(days=3 * 366)
    assert retention.anonymise(rotated, (app.clock.now - timedelta(days=1)).date(), "管理员").cases == 1
    with app.engine.connect() as c:
        assert c.execute(select(t.sms_replies.c.id).where(t.sms_replies.c.request_id == case["id"])).all() == []


def test_the_doctor_tells_whether_replies_are_received_and_when_they_wait_unread(api, app, clock):
    from jiesu.services import health

    def finding():
        return next(f for f in health.check(app) if f.topic == "短信评价")

    assert finding().level == "ok" and finding().message == "已启用"
    answered(api)
    reply(api, "13812345678", "修得不错，谢谢")  # words: for an agent
    clock.advance(days=3)
    late = finding()
    assert late.level == "warning" and "1 条短信回复超过 2 天无人处理" in late.message and "回访台" in late.todo
    app.settings.sms_inbound_token = ""
    assert "未启用" in finding().message and "JIESU_SMS_INBOUND_TOKEN" in finding().message
