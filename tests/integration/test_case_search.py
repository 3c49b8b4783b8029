"""工单查询's search box on the word index: every piece of two or more characters of a case's title, content,
keywords, 补充诉求, reply or units' notes (办理进展, 协办反馈) finds it, as `LIKE` did, but through the index (a case the index lacks is not found by it); a single
character still scans; the 工单号 and the caller's number find their cases; masking a case's personal data takes
its pairs out of the index."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, text

from jiesu.domain.workflow import Action
from jiesu.nlp.search_terms import terms
from jiesu.services import cases, retention
from jiesu.services.cases import ActionInput, CaseFilter, Intake
from jiesu.storage import tables as t
from jiesu.storage import text_index
from tests.support import AGENT

NOISE = "幸福里小区3号楼楼下烧烤店，每晚噪音扰民到凌晨两点"


def register(app, content: str, **fields) -> int:
    return cases.register(app, AGENT, Intake(**{"content": content, "division": "WJ01", "category": "WY1",
                                                **fields})).stored_id


def found(app, query: str, **filters) -> list[int]:
    return [row.id for row in cases.list_cases(app, CaseFilter(text=query, **filters))]


def indexed(app, query: str) -> list[int]:
    with app.engine.connect() as c:
        return sorted(c.execute(text_index.matching(c.dialect.name, terms(query))).scalars())


def test_any_piece_of_the_text_finds_the_case_and_nothing_else(app):
    noise = register(app, NOISE, title="烧烤店噪音")
    lamp = register(app, "人民路路灯不亮，晚上出行不便")
    assert found(app, "噪音扰民") == found(app, "幸福里") == found(app, "3号楼") == [noise]
    assert found(app, "烧烤店噪音") == [noise]  # the title
    assert found(app, "路灯") == [lamp] and found(app, "晚") == [lamp, noise]  # one character: the scan
    assert found(app, "扰民到凌晨两点") == [noise] and found(app, "噪音到凌晨") == []  # pairs, but not in this order
    assert found(app, "楼下烧烤店，每晚") == [noise]  # with the punctuation, as written
    assert found(app, "楼下烧烤店。每晚") == []  # the index has both runs; the text has not that stop
    assert cases.count_cases(app, CaseFilter(text="小区")) == 1
    assert found(app, "噪音", visible_to_unit="JX") == []  # the index narrows, the other conditions still hold
    assert found(app, "幸福里  噪音") == [noise] and found(app, "幸福里 路灯") == []  # words apart: each of them
    assert found(app, "人民路 晚") == [lamp]  # a word of one character is checked on what the others found
    assert found(app, "  ") == [lamp, noise]  # spaces alone ask for nothing


def test_the_search_reads_the_index_so_a_case_missing_from_it_is_found_only_by_its_ticket_or_caller(app):
    noise = register(app, NOISE, requester_phone="13912345678")
    ticket = cases.show(app, noise).ticket
    assert indexed(app, "噪音扰民") == [noise]
    with app.engine.begin() as c:
        column = "request_id" if c.dialect.name == "postgresql" else "rowid"
        c.execute(text(f"DELETE FROM request_words WHERE {column} = :id"), {"id": noise})
    assert found(app, "噪音扰民") == [] and found(app, "凌") == [noise]  # a word: the index; one character: the scan
    assert found(app, ticket) == [noise] and found(app, "139 1234 5678") == [noise]
    assert text_index.rebuild(app.engine) == 1
    assert found(app, "噪音扰民") == [noise]


def test_a_keyword_is_looked_up_in_the_index_too(app):
    noise = register(app, NOISE)
    words = cases.show(app, noise).keywords
    assert words and all(found(app, "", keyword=word) == [noise] for word in words if len(word) > 1)


def test_masking_a_finished_case_takes_the_name_and_numbers_out_of_the_index(app, clock):
    said = "我叫张三丰，请回电13912345678，问公租房申请条件"
    case = register(app, said, kind="咨询", requester_name="张三丰", requester_phone="13812345678")
    cases.perform(app, AGENT, case, Action.ANSWER_DIRECTLY, ActionInput(reply="已答复"))
    assert indexed(app, "张三丰") == indexed(app, "13912345678") == [case]
    clock.advance(days=2)
    retention.anonymise(app, date(2026, 11, 24), "管理员甲")
    assert indexed(app, "张三丰") == indexed(app, "13912345678") == [] and found(app, "张三丰") == []
    assert indexed(app, "公租房申请条件") == [case] == found(app, "公租房申请条件")  # the matter stays findable


def test_every_stored_case_is_in_the_index(app):
    ids = [register(app, f"第{n}件：楼道灯坏了") for n in range(3)]
    with app.engine.connect() as c:
        assert text_index.count(c) == len(ids) == c.execute(
            select(t.requests.c.id).order_by(t.requests.c.id.desc()).limit(1)).scalar()
    assert found(app, "楼道灯") == ids[::-1]
    assert cases.count_cases(app, CaseFilter()) == 3 and cases.count_cases(app, CaseFilter(), up_to=1) == 2  # one
    assert cases.count_cases(app, CaseFilter(text="楼道灯"), up_to=5) == 3  # past the cap, however many there are


def test_a_case_saved_with_other_words_is_found_by_them_and_no_longer_by_the_old_ones(app):
    case = register(app, NOISE)
    with app.uow() as uow:  # no action rewrites what a case says today; the repository would follow one that did
        request = uow.requests.get(case)
        request.title, request.content, request.keywords = "路灯不亮", "人民路路灯不亮", ["路灯"]
        uow.requests.save(request)
        uow.commit()
    assert found(app, "路灯不亮") == [case] and indexed(app, "噪音扰民") == []


def test_what_the_requester_added_later_finds_the_case_too_and_is_masked_with_the_rest(app, clock):
    case = register(app, "楼道灯坏了", kind="咨询", requester_name="王五", requester_phone="13812345678")
    assert found(app, "东门岗亭") == []
    cases.perform(app, AGENT, case, Action.SUPPLEMENT, ActionInput(note="补充：在东门岗亭旁，电话13911112222"))
    assert found(app, "东门岗亭") == indexed(app, "东门岗亭") == [case] and found(app, "楼道灯 东门") == [case]
    with app.engine.begin() as c:  # a rebuilt index keeps it too
        c.execute(text("DELETE FROM request_words"))
    text_index.rebuild(app.engine)
    assert indexed(app, "东门岗亭") == indexed(app, "13911112222") == [case]
    cases.perform(app, AGENT, case, Action.ANSWER_DIRECTLY, ActionInput(reply="已答复"))
    clock.advance(days=2)
    retention.anonymise(app, date(2026, 11, 24), "管理员甲")
    assert indexed(app, "13911112222") == [] and indexed(app, "东门岗亭") == [case]


def test_the_answer_the_requester_was_given_finds_the_case_and_a_reply_sent_back_is_replaced_by_the_next(app, clock):
    from tests.support import DISPATCHER, WJ_HANDLER

    case = register(app, "楼道灯坏了一个月", requester_name="王五", requester_phone="13812345678")
    for action, params in ((Action.DISPATCH, ActionInput(unit="WJ")), (Action.ACKNOWLEDGE, ActionInput())):
        cases.perform(app, DISPATCHER if action == Action.DISPATCH else WJ_HANDLER, case, action, params)
    assert found(app, "不属于我单位") == []
    cases.perform(app, WJ_HANDLER, case, Action.RESOLVE, ActionInput(reply="经查不属于我单位职责，请联系物业"))
    assert found(app, "不属于我单位") == indexed(app, "不属于我单位") == [case]  # a supervisor looks for 推诿
    cases.perform(app, DISPATCHER, case, Action.SEND_BACK, ActionInput(reason="答复推诿，请实地处置"))
    cases.perform(app, WJ_HANDLER, case, Action.RESOLVE, ActionInput(reply="已更换声控灯泡，王五确认已亮"))
    assert found(app, "声控灯泡") == [case] and found(app, "不属于我单位") == indexed(app, "不属于我单位") == []
    with app.engine.begin() as c:  # a rebuilt index keeps it too
        c.execute(text("DELETE FROM request_words"))
    text_index.rebuild(app.engine)
    assert indexed(app, "声控灯泡") == [case]


def test_what_the_units_wrote_on_the_way_finds_the_case_and_is_masked_with_the_rest(app, clock):
    from tests.support import DISPATCHER, JX_HANDLER, WJ_HANDLER

    case = register(app, "小区北门路灯不亮", requester_name="王五", requester_phone="13812345678")
    cases.perform(app, DISPATCHER, case, Action.DISPATCH, ActionInput(unit="JX", co_units=["WJ"]))
    cases.perform(app, JX_HANDLER, case, Action.ACKNOWLEDGE, ActionInput())
    assert found(app, "恒通电力") == []
    cases.perform(app, JX_HANDLER, case, Action.NOTE_PROGRESS, ActionInput(note="已联系恒通电力维修班，王五电话13911112222"))
    cases.perform(app, WJ_HANDLER, case, Action.REPORT_BACK, ActionInput(note="北门线路归望京社区，已报修"))
    assert found(app, "恒通电力") == indexed(app, "恒通电力") == [case]  # a supervisor finds the contractor's cases
    assert found(app, "线路归望京社区") == [case] and found(app, "路灯 维修班") == [case]
    with app.engine.connect() as c:
        stored = c.execute(select(t.requests.c.notes).where(t.requests.c.id == case)).scalar_one()
    assert stored == "已联系恒通电力维修班，王五电话13911112222\n北门线路归望京社区，已报修"
    with app.engine.begin() as c:  # a rebuilt index keeps them too
        c.execute(text("DELETE FROM request_words"))
    text_index.rebuild(app.engine)
    assert indexed(app, "恒通电力") == indexed(app, "13911112222") == [case]
    cases.perform(app, JX_HANDLER, case, Action.RESOLVE, ActionInput(reply="已修复"))
    cases.perform(app, DISPATCHER, case, Action.ACCEPT_REPLY, ActionInput())
    cases.perform(app, AGENT, case, Action.FOLLOW_UP, ActionInput(solved=True, satisfaction="满意"))
    clock.advance(days=2)
    retention.anonymise(app, date(2026, 11, 24), "管理员甲")
    assert indexed(app, "13911112222") == [] and indexed(app, "恒通电力") == [case]
    with app.engine.connect() as c:
        masked = c.execute(select(t.requests.c.notes).where(t.requests.c.id == case)).scalar_one()
    assert "13911112222" not in masked and "王五" not in masked and "恒通电力" in masked
