"""办件公开: a case whose requester agreed is shown to everyone once handled and called back — masked, without the
requester's name, phone or address — and a supervisor may withhold it (audited)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from jiesu.services import audit
from jiesu.storage import tables as t
from jiesu.storage import text_index
from tests.e2e.test_api import act, call, create, login
from tests.e2e.test_photos import case_id, csrf, staff_and_portal, ticket_and_code


@pytest.fixture
def api(app):
    return staff_and_portal(app)


def handled(api, cid: int, solved: bool = True, review: bool = True) -> None:
    """The case answered and called back; `review`: and let through by a supervisor, where it was agreed to."""
    from jiesu.services import publication

    for who, action, body in [("dispatcher", "reclassify", {"category": "WY1", "reason": "物业"}),
                              ("dispatcher", "dispatch", {"unit": "WJ"}), ("wj", "acknowledge", {}),
                              ("wj", "resolve", {"reply": "已督促物业清理，如有问题请联系物业 13700001111"}),
                              ("dispatcher", "accept_reply", {}),
                              ("supervisor", "follow_up", {"solved": solved, "satisfaction": "满意"})]:
        if action == "reclassify" and call(api, "agent", "GET", f"/api/v1/requests/{cid}").json()["category"]:
            continue
        act(api, who, cid, action, **body)
    with api.jiesu.engine.connect() as c:
        agreed = c.execute(select(t.publications.c.request_id).where(t.publications.c.request_id == cid)).first()
    if review and agreed:
        publication.approve(api.jiesu, "supervisor", cid)


def portal_case(api, consent: bool, content: str = "望京西园三区5号楼楼道堆满杂物，物业不管，我电话13900001111") -> int:
    data = {"content": content, "requester_phone": "13900001111", "requester_name": "李四", "kind": "complaint",
            "address": "望京西园三区5号楼2单元", "csrf_token": csrf(api)}
    if consent:
        data["publish"] = "yes"
    done = api.post("/portal", data=data)
    assert done.status_code == 200, done.text
    return case_id(api.jiesu, ticket_and_code(done.text)[0])


def public(api, **params) -> str:
    page = api.get("/portal/public", params=params)
    assert page.status_code == 200, page.text
    return page.text


def test_a_case_the_requester_agreed_to_publish_is_shown_once_called_back_and_read_masked_and_without_who_or_where(
        api, app):
    agreed, kept = portal_case(api, consent=True), portal_case(api, consent=False, content="望京西园三区楼道堆物")
    assert 'name="publish"' in api.get("/portal").text
    assert "望京西园三区5号楼" not in public(api)  # not handled yet
    handled(api, agreed, review=False)
    handled(api, kept)
    assert 'class="card public-case"' not in public(api)  # handled, but no supervisor has read it yet
    login(api, "supervisor")
    desk = api.get("/desk").text.split("办件公开待审核")[1].split("</section>")[0]
    tickets = re.findall(r'name="pick" value="(\d+):\d+"', desk)
    assert tickets == [str(agreed)]  # not the one whose requester said no
    done = api.post("/desk/publish", data={"pick": f"{agreed}:1", "csrf_token": csrf(api, "/desk")},
                    follow_redirects=False)
    assert done.status_code == 303 and "办件公开待审核" not in api.get("/desk").text
    [line], _ = audit.entries(app, audit.AuditQuery(action="publication.approve"))
    assert line.actor == "supervisor"
    page = public(api)
    assert page.count('class="card public-case"') == 1  # the one whose requester said no is not shown
    article = page.split(f'id="case-{agreed}"')[1].split("</article>")[0]
    assert "楼道堆满杂物" in article and "139****1111" in article and "13900001111" not in article
    assert "137****1111" in article and "13700001111" not in article  # the reply's numbers too
    assert "李四" not in page and "5号楼2单元" not in page  # neither who nor the address
    assert "望京街道" in article and "望京西园社区" not in article  # the 街道, not the 社区
    assert "望京街道答复" in article and "诉求人回访：已解决" in article
    listed = api.get("/api/v1/public/cases").json()
    assert [c["id"] for c in listed["cases"]] == [agreed] and listed["cases"][0]["area"] == "望京街道"
    assert "13900001111" not in str(listed) and "李四" not in str(listed)

    assert agreed and f'id="case-{agreed}"' in public(api, q="杂物 物业")
    assert 'class="card public-case"' not in public(api, q="井盖")
    with app.engine.begin() as c:  # the words are looked up in 工单查询's word index, not in every consent
        column = "request_id" if c.dialect.name == "postgresql" else "rowid"
        c.execute(text(f"DELETE FROM request_words WHERE {column} = :id"), {"id": agreed})
    assert f'id="case-{agreed}"' not in public(api, q="杂物") and f'id="case-{agreed}"' in public(api)
    text_index.rebuild(app.engine)
    assert f'id="case-{agreed}"' in public(api, category="WY") and f'id="case-{agreed}"' in public(api, area="CY")
    assert 'class="card public-case"' not in public(api, area="JX")
    bad = api.get("/portal/public", params={"category": "NOPE"})
    assert bad.status_code == 400 and "未知事项分类代码" in bad.text
    assert api.get("/api/v1/public/cases", params={"area": "NOPE"}).json()["field"] == "area"


def test_a_supervisor_withholds_a_published_case_with_the_reason_and_may_publish_it_again(api, app):
    cid = portal_case(api, consent=True)
    handled(api, cid)
    login(api, "wj")  # the unit may not decide what the public reads
    token = csrf(api, f"/cases/{cid}")
    assert api.post(f"/cases/{cid}/publication", data={"step": "withhold", "reason": "x", "csrf_token": token},
                    follow_redirects=False).status_code == 403
    login(api, "supervisor")
    page = api.get(f"/cases/{cid}").text
    assert "已列入办件公开" in page and f'action="/cases/{cid}/publication"' in page
    token = csrf(api, f"/cases/{cid}")
    empty = api.post(f"/cases/{cid}/publication", data={"step": "withhold", "reason": " ", "csrf_token": token})
    assert empty.status_code == 400 and "理由" in empty.text
    done = api.post(f"/cases/{cid}/publication", data={"step": "withhold", "reason": "文中可认出邻居", "csrf_token": token},
                    follow_redirects=False)
    assert done.status_code == 303
    assert f'id="case-{cid}"' not in public(api)
    assert "不予公开" in api.get(f"/cases/{cid}").text and "文中可认出邻居" in api.get(f"/cases/{cid}").text
    [line], _ = audit.entries(app, audit.AuditQuery(action="publication.withhold"))
    assert line.actor == "supervisor" and line.action == "publication.withhold" and line.detail == {"reason": "文中可认出邻居"}
    again = api.post(f"/cases/{cid}/publication", data={"step": "withhold", "reason": "再次", "csrf_token": token})
    assert again.status_code == 400 and "已不予公开" in again.text
    api.post(f"/cases/{cid}/publication", data={"step": "restore", "csrf_token": token})
    assert f'id="case-{cid}"' in public(api)
    kept = portal_case(api, consent=False)
    refused = api.post(f"/cases/{kept}/publication", data={"step": "withhold", "reason": "x", "csrf_token": token})
    assert refused.status_code == 400 and "没有同意公开" in refused.text


def test_an_agent_and_an_api_client_record_the_requesters_consent(api, app):
    made = create(api, publish_consent=True)
    plain = create(api)
    login(api, "agent")
    form = api.get("/intake").text
    assert 'name="publish"' in form
    sent = api.post("/intake", data={"content": "花家地社区路灯不亮", "kind": "complaint", "requester_phone": "13800002222",
                                     "division": "WJ02", "category": "WY1", "publish": "yes",
                                     "csrf_token": csrf(api, "/intake")}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    by_agent = int(re.search(r"/cases/(\d+)", sent.headers["location"]).group(1))
    with app.engine.connect() as c:
        consented = set(c.execute(select(t.publications.c.request_id)).scalars())
    assert consented == {made["id"], by_agent} and plain["id"] not in consented
    shown = call(api, "agent", "GET", f"/api/v1/requests/{made['id']}").json()
    assert shown["publication"] == {"consented": True, "withheld": False, "published": False}


def test_a_question_answered_on_the_phone_is_published_as_the_hotlines_answer_and_a_merged_case_never(api):
    answered = create(api, kind="咨询", content="望京西园社区哪里可以办居住证？", publish_consent=True)
    act(api, "agent", answered["id"], "answer_directly", reply="请带身份证到望京街道政务服务中心办理，电话 64700000")
    merged = create(api, content="望京西园三区楼道堆满杂物又没人管", publish_consent=True)
    master = create(api, content="望京西园三区楼道堆物")
    act(api, "dispatcher", merged["id"], "merge", master=master["id"])
    withdrawn = create(api, content="望京西园三区噪音扰民", publish_consent=True)
    act(api, "agent", withdrawn["id"], "withdraw", reason="诉求人撤回")
    for case in (answered, merged, withdrawn):
        act(api, "supervisor", case["id"], "archive")
    login(api, "supervisor")
    desk = api.get("/desk").text.split("办件公开待审核")[1].split("</section>")[0]
    assert re.findall(r'name="pick" value="(\d+):\d+"', desk) == [str(answered["id"])]  # nothing else to read
    api.post("/desk/publish", data={"pick": f"{answered['id']}:1", "csrf_token": csrf(api, "/desk")})
    page = public(api)
    assert page.count('class="card public-case"') == 1
    article = page.split(f'id="case-{answered["id"]}"')[1].split("</article>")[0]
    assert "12345热线答复" in article and "政务服务中心" in article and "诉求人回访" not in article


def test_the_requester_takes_back_their_consent_on_the_track_page(api, app):
    data = {"content": "望京西园三区5号楼楼道堆满杂物", "requester_phone": "13900001111", "kind": "complaint",
            "publish": "yes", "csrf_token": csrf(api)}
    ticket, code = ticket_and_code(api.post("/portal", data=data).text)
    cid = case_id(app, ticket)
    handled(api, cid)
    assert f'id="case-{cid}"' in public(api)
    token = csrf(api, "/portal/track")
    page = api.post("/portal/track", data={"ticket": ticket, "code": code, "csrf_token": token}).text
    assert 'id="unpublish"' in page and "您已同意在办件公开中公开" in page
    wrong = api.post("/portal/unpublish", data={"ticket": ticket, "code": "WRONG123", "csrf_token": token})
    assert wrong.status_code == 404 and f'id="case-{cid}"' in public(api)  # only with the code
    done = api.post("/portal/unpublish", data={"ticket": ticket, "code": code, "csrf_token": token})
    assert done.status_code == 200 and "已撤回公开同意" in done.text and 'id="unpublish"' not in done.text
    assert f'id="case-{cid}"' not in public(api)
    again = api.post("/portal/unpublish", data={"ticket": ticket, "code": code, "csrf_token": token})
    assert again.status_code == 400 and "您没有同意公开本诉求" in again.text
    [line], _ = audit.entries(app, audit.AuditQuery(action="publication.withdraw"))
    assert line.actor == "诉求人" and line.target == f"诉求 {ticket}"


def test_the_published_cases_come_a_page_at_a_time_newest_first(api, monkeypatch):
    from jiesu.services import publication

    first, second = portal_case(api, consent=True), portal_case(api, consent=True, content="望京西园三区路灯不亮")
    handled(api, first)
    handled(api, second)
    monkeypatch.setattr(publication, "PAGE", 1)
    page = api.get("/api/v1/public/cases").json()
    assert [c["id"] for c in page["cases"]] == [second] and page["next_before_id"] == second
    page = api.get("/api/v1/public/cases", params={"before_id": page["next_before_id"]}).json()
    assert [c["id"] for c in page["cases"]] == [first]
    html = public(api)
    assert f'id="case-{second}"' in html and f'href="/portal/public?before={second}"' in html
    assert f'id="case-{first}"' in public(api, before=str(second))


def test_an_app_takes_back_the_consent_through_the_public_api(api):
    sent = api.post("/api/v1/public/requests", json={"content": "望京西园三区路灯不亮", "requester_phone": "13900001111",
                                                     "division": "WJ01", "publish_consent": True}).json()
    cid = case_id(api.jiesu, sent["ticket"])
    handled(api, cid)
    assert f'id="case-{cid}"' in public(api)
    tracked = api.get(f"/api/v1/public/requests/{sent['ticket']}", params={"code": sent["code"]}).json()
    assert tracked["publish_consent"] is True
    wrong = api.post(f"/api/v1/public/requests/{sent['ticket']}/unpublish", json={"code": "WRONG123"})
    assert wrong.status_code == 404
    done = api.post(f"/api/v1/public/requests/{sent['ticket']}/unpublish", json={"code": sent["code"]})
    assert done.status_code == 200 and done.json()["ticket"] == sent["ticket"]
    assert f'id="case-{cid}"' not in public(api)
    again = api.post(f"/api/v1/public/requests/{sent['ticket']}/unpublish", json={"code": sent["code"]})
    assert again.status_code == 400 and again.json()["field"] == "publication"
    tracked = api.get(f"/api/v1/public/requests/{sent['ticket']}", params={"code": sent["code"]}).json()
    assert tracked["publish_consent"] is False


def test_without_review_a_case_is_published_once_its_answer_is_final_and_a_supervisor_may_still_withhold_it(api, app):
    app.settings.publication_review = False
    cid = portal_case(api, consent=True)
    handled(api, cid, review=False)
    assert f'id="case-{cid}"' in public(api)  # nobody had to let it through
    login(api, "supervisor")
    assert "办件公开待审核" not in api.get("/desk").text
    page = api.get(f"/cases/{cid}").text
    assert "已列入办件公开" in page and 'value="approve"' not in page


def test_a_supervisor_lets_a_case_through_once_and_not_one_withheld(api, app):
    from jiesu.services import publication

    cid = portal_case(api, consent=True)
    handled(api, cid, review=False)
    login(api, "supervisor")
    page = api.get(f"/cases/{cid}").text
    assert "待督办审核" in page and 'value="approve"' in page
    token = csrf(api, f"/cases/{cid}")
    assert api.post(f"/cases/{cid}/publication", data={"step": "approve", "csrf_token": token},
                    follow_redirects=False).status_code == 303
    assert f'id="case-{cid}"' in public(api) and "已列入办件公开" in api.get(f"/cases/{cid}").text
    again = api.post(f"/cases/{cid}/publication", data={"step": "approve", "csrf_token": token})
    assert again.status_code == 400 and "已由 supervisor 审核公开" in again.text
    publication.withhold(app, "supervisor", cid, "文中有邻居姓名")
    refused = api.post(f"/cases/{cid}/publication", data={"step": "approve", "csrf_token": token})
    assert refused.status_code == 400 and "请恢复公开" in refused.text
    bad = api.post(f"/cases/{cid}/publication", data={"step": "publish", "csrf_token": token})
    assert bad.status_code == 400 and "step" in bad.text


def test_the_doctor_tells_of_cases_left_unreviewed_a_week(api, app, clock):
    from jiesu.services import health

    def finding():
        return next(f for f in health.check(app) if f.topic == "办件公开")

    cid = portal_case(api, consent=True)
    handled(api, cid, review=False)
    assert finding().level == "ok" and "待审核 1 件" in finding().message
    clock.advance(days=8)
    assert finding().level == "warning" and "超过 7 天未审核" in finding().message and "督办台" in finding().todo
    app.settings.publication_review = False
    assert finding().level == "ok" and "不审核" in finding().message


def test_a_citizen_writing_is_shown_the_published_cases_most_like_it(api):
    first = portal_case(api, consent=True, content="望京西园三区5号楼楼道堆满杂物，物业不清理，电话13900001111")
    handled(api, first)
    lamp = portal_case(api, consent=True, content="望京西园四区路灯坏了好几天，晚上很黑")
    handled(api, lamp)
    unread = portal_case(api, consent=True, content="望京西园三区楼道堆满杂物，物业不管")
    handled(api, unread, review=False)  # not read yet: not shown
    answer = api.get("/api/v1/public/answers", params={"q": "我们楼楼道里堆满杂物，物业一直不清理"}).json()
    assert [c["id"] for c in answer["published"]] == [first]
    assert answer["published"][0]["unit"] == "望京街道" and "137****1111" in answer["published"][0]["reply"]
    assert "13900001111" not in str(answer)
    assert api.get("/api/v1/public/answers", params={"q": "公交车站台破损需要维修"}).json()["published"] == []
