"""审核提示: a reply of a few words, one that passes the matter on, one that shares no word with the request, a
unit that never recorded calling, a reply past its deadline — each pointed out to the reviewer; a good reply
gets no hint."""

from __future__ import annotations

from jiesu.domain.reply_review import review_hints
from jiesu.domain.request import SlaClock
from tests.support import builtin_calendar
from tests.unit.test_request import DISPATCHER, POLICY, WJ_HANDLER, at, new_request


def resolved(reply: str, contact: bool = True, hours: float = 2):
    r = new_request()  # 物业不作为: 小区物业不清理楼道垃圾 (tests/unit/test_request.py)
    r.dispatch(DISPATCHER, at(0.1), SlaClock(POLICY, builtin_calendar()), "WJ")
    r.acknowledge(WJ_HANDLER, at(0.5))
    if contact:
        r.record_contact(WJ_HANDLER, at(1), "已电话联系")
    r.resolve(WJ_HANDLER, at(hours), reply)
    return r


def test_a_reply_that_says_what_was_done_gets_no_hint():
    assert review_hints(resolved("已督促物业清理三区楼道垃圾，并约定每周巡查两次，诉求人表示认可。")) == []


def test_each_weakness_of_a_reply_is_pointed_out():
    [short] = review_hints(resolved("已处理。"))
    assert short.startswith("答复仅 4 字")
    [evasive] = review_hints(resolved("经核实该楼道垃圾问题不属于本单位职责，建议诉求人自行协商处理。"))
    assert "「不属于本单位」「建议诉求人自行」「自行协商」" in evasive
    [unrelated] = review_hints(resolved("感谢您对我们工作的支持与理解，祝您生活愉快！"))
    assert "答非所问" in unrelated
    hints = review_hints(resolved("已督促物业清理三区楼道垃圾，每周巡查。", contact=False, hours=24 * 12))
    assert hints == ["承办单位没有记录联系诉求人", "超过办结时限（2026-12-02 18:00）办结"]
