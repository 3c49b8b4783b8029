"""知识库: articles loaded all-or-nothing with the bad line named, searched by what the caller says (only usable
articles: active, not expired), shown at intake, every change in the audit trail."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from jiesu.domain.errors import InvalidInput
from jiesu.services import intake, knowledge
from jiesu.storage import tables as t

CSV = """标题,答复,分类,关键词,来源,有效期至
暖气不热怎么报修,请先排气并检查阀门；仍不热的拨打供热公司报修电话，24 小时内上门。,GR1,暖气 报修 不热,市供热办,
物业费收费标准,住宅物业费按合同约定收取，普通住宅政府指导价见市发改委公告。,WY1,物业费 收费,市住建委,
冬季供暖开始时间,每年 11 月 15 日开始供暖，至次年 3 月 15 日止，遇寒潮可提前。,GR1,供暖 时间,市供热办,2026-03-15
"""


def write(tmp_path, text, name="kb.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def titles(app):
    with app.uow(read_only=True) as uow:
        return sorted(uow.connection.execute(select(t.knowledge_articles.c.title)).scalars())


def test_articles_are_loaded_and_found_by_what_the_caller_says(app, tmp_path, clock):
    summary = knowledge.load(app, "kb-admin", knowledge.read_csv(write(tmp_path, CSV)))
    assert summary == {"added": 3, "updated": 0, "retired": 0}
    hits = app.knowledge.search("家里暖气一直不热，找谁报修？", date(2026, 1, 10))
    assert hits[0].article.title == "暖气不热怎么报修" and hits[0].article.source == "市供热办"
    assert app.knowledge.search("小区门口的共享单车乱停", date(2026, 1, 10)) == []
    later = app.knowledge.search("今年冬季供暖什么时候开始", date(2026, 11, 30))
    assert "冬季供暖开始时间" not in [h.article.title for h in later]  # expired on 2026-03-15
    earlier = app.knowledge.search("今年冬季供暖什么时候开始", date(2026, 1, 10))
    assert earlier[0].article.title == "冬季供暖开始时间"
    with app.uow(read_only=True) as uow:
        logged = uow.connection.execute(select(t.audit_log.c.action, t.audit_log.c.actor)).all()
    assert ("knowledge.load", "kb-admin") in logged


def test_a_bad_row_is_named_with_its_line_and_nothing_is_written(app, tmp_path):
    bad = CSV.replace(",GR1,暖气 报修", ",NOPE,暖气 报修")
    with pytest.raises(InvalidInput) as error:
        knowledge.load(app, "kb-admin", knowledge.read_csv(write(tmp_path, bad)))
    assert error.value.field == "category" and "第 2 行" in error.value.message and "NOPE" in error.value.message
    assert titles(app) == []
    with pytest.raises(InvalidInput) as error:
        knowledge.read_csv(write(tmp_path, CSV.replace("2026-03-15", "3月15日")))
    assert error.value.field == "valid_until" and "第 4 行" in error.value.message
    with pytest.raises(InvalidInput) as error:
        knowledge.read_csv(tmp_path / "missing.csv")
    assert error.value.field == "file" and "找不到文件" in error.value.message
    with pytest.raises(InvalidInput) as error:
        knowledge.read_csv(write(tmp_path, "名称,内容\n甲,乙\n"))
    assert error.value.field == "columns"
    with pytest.raises(InvalidInput) as error:
        knowledge.read_csv(write(tmp_path, CSV, encoding="gb18030"))
    assert error.value.field == "file" and "UTF-8" in error.value.message
    with pytest.raises(InvalidInput) as error:
        knowledge.load(app, "kb-admin", knowledge.read_csv(write(tmp_path, CSV + CSV.splitlines()[1] + "\n")))
    assert error.value.field == "title" and "暖气不热怎么报修" in error.value.message
    assert titles(app) == []


def test_a_new_load_updates_by_title_and_replace_retires_the_rest(app, tmp_path):
    knowledge.load(app, "kb-admin", knowledge.read_csv(write(tmp_path, CSV)))
    changed = CSV.splitlines()[0] + "\n" + CSV.splitlines()[1].replace("24 小时", "12 小时") + "\n"
    summary = knowledge.load(app, "kb-admin", knowledge.read_csv(write(tmp_path, changed)), replace=True)
    assert summary == {"added": 0, "updated": 1, "retired": 2}
    usable = knowledge.list_articles(app)
    assert [a.title for a in usable] == ["暖气不热怎么报修"] and "12 小时" in usable[0].answer
    assert len(knowledge.list_articles(app, include_inactive=True)) == 3
    assert app.knowledge.search("物业费收费标准是多少", date(2026, 1, 10)) == []  # a retired article is not suggested


def test_an_article_written_on_the_page_is_checked_and_audited(app):
    article_id = knowledge.save(app, "supervisor", knowledge.Article("燃气费缴纳", "可在燃气公司营业厅或 App 缴纳。"))
    with pytest.raises(InvalidInput) as error:  # two articles of one title would confuse the agents
        knowledge.save(app, "supervisor", knowledge.Article("燃气费缴纳", "另一个答复"))
    assert error.value.field == "title"
    with pytest.raises(InvalidInput) as error:
        knowledge.save(app, "supervisor", knowledge.Article("空答复", "   "))
    assert error.value.field == "answer"
    knowledge.save(app, "supervisor", knowledge.Article("燃气费缴纳", "可在 App 缴纳。", active=False, id=article_id))
    assert knowledge.get(app, article_id).active is False
    with app.uow(read_only=True) as uow:
        changes = uow.connection.execute(select(t.audit_log.c.action, t.audit_log.c.detail)
                                         .where(t.audit_log.c.action.like("knowledge.%"))).all()
    assert [c.action for c in changes] == ["knowledge.add", "knowledge.change"]
    assert changes[1].detail["active"] == ["True", "False"] and "answer" in changes[1].detail


def test_intake_shows_the_answers_that_fit(app, tmp_path):
    knowledge.load(app, "kb-admin", knowledge.read_csv(write(tmp_path, CSV)))
    shown = intake.suggest(app, "我家暖气不热，想问问怎么报修")
    assert shown.answers and shown.answers[0].article.title == "暖气不热怎么报修"
    assert intake.suggest(app, "楼下饭店油烟太大").answers == []


def test_another_process_keeps_answering_from_its_old_index_while_it_rebuilds(app, tmp_path):
    import time

    from jiesu.bootstrap import App

    knowledge.load(app, "kb-admin", knowledge.read_csv(write(tmp_path, CSV)))
    other = App(app.settings, clock=app.clock)  # a second server process on the same database
    other.knowledge.recheck_seconds = 0.0
    question = "燃气费在哪里缴纳"

    def titles():
        return [h.article.title for h in other.knowledge.search(question, date(2026, 1, 10))]

    assert "燃气费缴纳" not in titles()
    knowledge.save(app, "supervisor", knowledge.Article("燃气费缴纳", "可在燃气公司营业厅或 App 缴纳燃气费。"))
    assert "燃气费缴纳" not in titles()  # noticed, indexed in the background: the caller does not wait for it
    for _ in range(200):
        if titles()[:1] == ["燃气费缴纳"]:
            break
        time.sleep(0.02)
    assert titles()[:1] == ["燃气费缴纳"]
    other.engine.dispose()


def test_a_starting_server_indexes_the_articles_in_the_background(app, tmp_path):
    import time

    from jiesu.bootstrap import App

    knowledge.load(app, "kb-admin", knowledge.read_csv(write(tmp_path, CSV)))
    started = App(app.settings, clock=app.clock)  # a server process starting on this database
    started.knowledge.start()
    for _ in range(200):
        # answers at once: nothing until the index is there, never a wait
        hits = started.knowledge.search("家里暖气一直不热，找谁报修？", date(2026, 1, 10))
        if hits:
            break
        time.sleep(0.02)
    assert hits[0].article.title == "暖气不热怎么报修"
    started.engine.dispose()
