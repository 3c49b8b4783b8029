"""答复参考: a handler writing a case's 办结答复 sees how their own unit answered the same matter before when the
requester was satisfied, most similar first, masked, and can put one into the reply box to rewrite it."""

from __future__ import annotations

import re

import pytest

from jiesu.services import reply_references
from jiesu.services.cases import show
from tests.e2e.test_api import act, call, create, login
from tests.e2e.test_photos import staff_and_portal


@pytest.fixture
def api(app):
    return staff_and_portal(app)


def settled(api, content: str, reply: str, satisfaction: str = "满意", unit: str = "WJ", solved: bool = True,
            **intake) -> dict:
    """A case taken to its callback: dispatched to `unit`, answered with `reply`, called back."""
    case = create(api, content=content, **intake)
    act(api, "dispatcher", case["id"], "dispatch", unit=unit)
    handler = unit.lower()
    for who, action, body in [(handler, "acknowledge", {}), (handler, "record_contact", {"note": "已联系"}),
                              (handler, "resolve", {"reply": reply}), ("dispatcher", "accept_reply", {}),
                              ("agent", "follow_up", {"solved": solved, "satisfaction": satisfaction})]:
        act(api, who, case["id"], action, **body)
    return case


def test_the_unit_sees_its_satisfied_replies_to_the_same_matter_most_similar_first(api, app):
    rubbish = settled(api, "望京西园三区物业不清理楼道垃圾，堆了好几天",
                      "已约谈物业，楼道垃圾当天清运完毕，今后每日清扫。联系人王经理13912345678")
    settled(api, "望京西园物业服务态度差，门卫不让快递进", "已要求物业整改门岗服务，允许快递员登记后进入")
    settled(api, "望京西园三区物业不清理楼道垃圾，没人管", "已清理", satisfaction="不满意")  # not thanked
    settled(api, "望京西园三区楼道垃圾没人清理", "已协调", solved=False)  # not solved
    settled(api, "酒仙桥路口物业不清理楼道垃圾", "酒仙桥街道已清理", unit="JX", division="JX01")  # another unit's
    case = create(api, content="望京西园三区5号楼楼道垃圾很多，物业不清理")
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    act(api, "wj", case["id"], "acknowledge")
    found = reply_references.references(app, show(app, case["id"]))
    assert [r.ticket for r in found][:1] == [rubbish["ticket"]]  # the same matter first
    assert all(r.reply not in ("已清理", "已协调", "酒仙桥街道已清理") for r in found)
    assert "139****5678" in found[0].reply and "13912345678" not in found[0].reply
    login(api, "wj")
    page = api.get(f"/cases/{case['id']}").text
    shown = re.search(r'<div id="reply-references">(.*?)</div>', page, re.S).group(1)
    assert rubbish["ticket"] in shown and "楼道垃圾当天清运完毕" in shown and "13912345678" not in shown
    assert 'data-fill-reply="已约谈物业，楼道垃圾当天清运完毕' in shown
    assert "/static/reply.js" in page
    items = call(api, "wj", "GET", f"/api/v1/requests/{case['id']}/reply-references").json()["items"]
    assert [x["ticket"] for x in items] == [r.ticket for r in found] and "13912345678" not in str(items)
    assert call(api, "dispatcher", "GET", f"/api/v1/requests/{case['id']}/reply-references").json()["items"] == []
    assert call(api, "jx", "GET", f"/api/v1/requests/{case['id']}/reply-references").status_code == 404


def test_nothing_is_offered_before_the_unit_has_the_case_or_to_whoever_cannot_reply(api, app):
    settled(api, "望京西园三区物业不清理楼道垃圾", "已约谈物业，当天清运")
    case = create(api, content="望京西园三区物业不清理楼道垃圾")
    assert reply_references.references(app, show(app, case["id"])) == []  # no lead unit yet
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    login(api, "wj")
    assert 'id="reply-references"' not in api.get(f"/cases/{case['id']}").text  # to be signed for first
    act(api, "wj", case["id"], "acknowledge")
    login(api, "dispatcher")
    assert 'id="reply-references"' not in api.get(f"/cases/{case['id']}").text  # the dispatcher does not reply
    login(api, "wj")
    assert 'id="reply-references"' in api.get(f"/cases/{case['id']}").text


def test_a_reply_the_unit_gave_alike_to_many_cases_is_offered_once(api, app):
    for closing in ("已电话告知诉求人。", "已向诉求人反馈办理结果。"):
        settled(api, "望京西园三区物业不清理楼道垃圾", "已约谈物业公司负责人，楼道垃圾已于当日清运完毕，物业承诺每日保洁。" + closing)
    other = settled(api, "望京西园三区楼道垃圾堆满", "社区已督促物业整改，楼道垃圾清理完毕，将每周回查物业服务。")
    case = create(api, content="望京西园三区物业不清理楼道垃圾")
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    act(api, "wj", case["id"], "acknowledge")
    found = reply_references.references(app, show(app, case["id"]))
    assert len(found) == 2 and found[1].ticket == other["ticket"]
