"""知识采编: an answer an agent gave becomes a proposal (personal data masked), which an editor accepts into an
article — then intake finds it — or declines with the reason the proposer reads; each step once, in one
transaction, in the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from jiesu.domain.errors import ConflictError, InvalidInput, NotFound
from jiesu.services import audit, cases, knowledge, knowledge_proposals
from jiesu.services.cases import Intake
from jiesu.storage import tables as t
from tests.support import AGENT

ANSWER = "外地户口在本市连续缴纳社保满 2 年的家庭可以申请公租房，到街道政务服务中心办理；如有疑问回电 13812345678。"


def counts(app) -> tuple[int, int]:
    with app.uow(read_only=True) as uow:
        c = uow.connection
        return (c.execute(select(func.count()).select_from(t.knowledge_proposals)).scalar_one(),
                c.execute(select(func.count()).select_from(t.knowledge_articles)).scalar_one())


def test_an_accepted_proposal_becomes_an_article_that_intake_finds(app):
    case = cases.register(app, AGENT, Intake(content="外地户口能申请公租房吗", kind="咨询", division="WJ01",
                                             category="WY1")).id
    proposal_id = knowledge_proposals.propose(app, "坐席张", "外地户口能申请公租房吗", ANSWER, "WY1", case)
    [waiting] = knowledge_proposals.pending(app)
    assert (waiting.id, waiting.request_id, waiting.proposed_by, waiting.status) == (proposal_id, case, "坐席张",
                                                                                     "pending")
    assert "13812345678" not in waiting.answer and "138****5678" in waiting.answer  # never into the 知识库

    edited = knowledge.Article("外地户口申请公租房的条件", waiting.answer.split("；")[0] + "。", "WY1",
                               source="市住建委")
    article_id = knowledge_proposals.accept(app, "督办王", proposal_id, edited)
    assert knowledge_proposals.pending(app) == []
    done = knowledge_proposals.get(app, proposal_id)
    assert (done.status, done.decided_by, done.article_id) == ("accepted", "督办王", article_id)
    [hit] = app.knowledge.search("外地户口可以申请公租房吗", app.today())[:1]
    assert hit.article.id == article_id and hit.article.source == "市住建委"
    with pytest.raises(ConflictError) as again:
        knowledge_proposals.decline(app, "管理员", proposal_id, "重复")
    assert again.value.field == "proposal" and "已由 督办王 采纳" in again.value.message
    lines, _ = audit.entries(app, audit.AuditQuery(action="knowledge"))
    assert [(line.action, line.actor) for line in reversed(lines)] == [
        ("knowledge.propose", "坐席张"), ("knowledge.add", "督办王"), ("knowledge.accept", "督办王")]


def test_a_proposal_that_is_not_right_is_refused_naming_the_field_and_nothing_is_kept(app):
    for title, answer, category, request_id, field in [
            ("", ANSWER, None, None, "title"), ("公租房", "  ", None, None, "answer"),
            ("公租房", ANSWER, "NOPE", None, "category"), ("公租房", ANSWER, None, 999, "request_id")]:
        with pytest.raises((InvalidInput, NotFound)) as refused:
            knowledge_proposals.propose(app, "坐席张", title, answer, category, request_id)
        assert refused.value.field == field
    assert counts(app) == (0, 0)


def test_a_declined_proposal_tells_its_proposer_why_and_an_acceptance_that_fails_leaves_it_waiting(app):
    knowledge.save(app, "督办王", knowledge.Article("公租房申请条件", ANSWER))
    first = knowledge_proposals.propose(app, "坐席张", "公租房怎么申请", ANSWER)
    second = knowledge_proposals.propose(app, "坐席张", "公租房申请", ANSWER)
    with pytest.raises(InvalidInput) as no_reason:
        knowledge_proposals.decline(app, "督办王", first, "  ")
    assert no_reason.value.field == "reason"
    knowledge_proposals.decline(app, "督办王", first, "已有条目「公租房申请条件」")
    with pytest.raises(InvalidInput) as clash:  # the editor kept a title another article has
        knowledge_proposals.accept(app, "督办王", second, knowledge.Article("公租房申请条件", ANSWER))
    assert clash.value.field == "title"
    assert [p.id for p in knowledge_proposals.pending(app)] == [second] and counts(app) == (2, 1)
    assert [(p.id, p.status, p.reason) for p in knowledge_proposals.mine(app, "坐席张")] == [
        (second, "pending", None), (first, "declined", "已有条目「公租房申请条件」")]
    assert knowledge_proposals.mine(app, "坐席李") == []
