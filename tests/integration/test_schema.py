"""The Alembic migrations build exactly the schema the code declares (tables, columns, keys, indexes), on SQLite
and PostgreSQL: a table added to `storage/tables.py` without its migration, or the other way round, fails here."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select, text

from jiesu.domain.workflow import Action
from jiesu.services import cases
from jiesu.services.cases import ActionInput, Intake
from jiesu.storage import migrate
from jiesu.storage import tables as t
from tests.support import AGENT, DISPATCHER, head_revision


def test_the_migrations_build_the_declared_schema(app):
    with app.engine.connect() as connection:  # `app` is migrated to the head revision
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": False,
                                                                                 "include_name": t.declared}),
                                       t.metadata)
    assert differences == []


def downgrade(app, revision: str) -> None:
    config = migrate.alembic_config(app.engine.url.render_as_string(hide_password=False))
    with app.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_0015_puts_the_photos_stored_until_then_with_the_request_and_keeps_the_units_photos(app):
    case = cases.register(app, AGENT, Intake(content="井盖缺失", division="WJ01", category="WY1")).id
    recorded = cases.show(app, case).events[0].changes
    downgrade(app, "0014")
    with app.engine.begin() as c:  # a photo as 0014 stored it
        c.execute(text("INSERT INTO attachments (request_id, content_type, size, data, created_at) "
                       "VALUES (:r, 'image/png', 3, :d, :at)"), {"r": case, "d": b"abc", "at": app.now()})
    migrate.upgrade(app.engine)
    assert recorded and cases.show(app, case).events[0].changes == recorded | {"photos": [None, 1]}  # its step says so
    with app.engine.begin() as c:
        assert c.execute(select(t.attachments.c.event_seq)).scalars().all() == [1]  # it came with the request
        c.execute(t.attachments.insert().values(request_id=case, event_seq=3, content_type="image/png", size=3,
                                                data=b"def", created_at=app.now()))  # a unit's, with a later step
    with pytest.raises(RuntimeError, match="1 张承办单位上传的现场照片"):
        downgrade(app, "0014")
    assert migrate.current_revision(app.engine) == head_revision()
    with app.engine.connect() as c:
        assert c.execute(select(t.attachments.c.event_seq).order_by(t.attachments.c.id)).scalars().all() == [1, 3]


def test_0024_gives_the_co_handlers_at_work_the_leads_deadline_and_goes_back_with_their_breaches(app):
    case = cases.register(app, AGENT, Intake(content="井盖缺失", division="WJ01", category="WY1")).id
    dispatched, _ = cases.perform(app, DISPATCHER, case, Action.DISPATCH, ActionInput(unit="JX", co_units=["WJ", "RLJ"]))
    downgrade(app, "0023")
    migrate.upgrade(app.engine)  # the co-handlers handed the case before: by the lead's 办结时限, as they were
    assert {a.unit: a.report_due for a in cases.show(app, case).co_handling()} == {
        "WJ": dispatched.resolve_due, "RLJ": dispatched.resolve_due}
    with app.engine.begin() as c:  # two co-handlers' breaches of one deadline, then back to a breach per deadline
        c.execute(t.sla_breaches.insert(), [{"request_id": case, "limit_name": "report", "due": app.now(), "unit": u,
                                             "detected_at": app.now()} for u in ("WJ", "RLJ")])
    downgrade(app, "0023")
    with app.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM sla_breaches")).scalar() == 0
    migrate.upgrade(app.engine)
    with app.engine.begin() as c:  # a breach per co-handler again
        c.execute(t.sla_breaches.insert(), [{"request_id": case, "limit_name": "report", "due": app.now(), "unit": u,
                                             "detected_at": app.now()} for u in ("WJ", "RLJ")])
    assert migrate.current_revision(app.engine) == head_revision()


def test_0026_indexes_the_cases_already_stored_and_goes_back_without_the_index(app):
    from jiesu.nlp.search_terms import terms
    from jiesu.storage import text_index

    ids = [cases.register(app, AGENT, Intake(content=words, division="WJ01", category="WY1")).id
           for words in ("井盖缺失，夜里有人摔倒", "楼道灯坏了")]
    cases.perform(app, AGENT, ids[1], Action.SUPPLEMENT, ActionInput(note="补充：3号楼东单元"))
    downgrade(app, "0025")
    with app.engine.connect() as c:
        assert "request_words" not in sa_inspect(c).get_table_names()
    migrate.upgrade(app.engine)
    with app.engine.connect() as c:
        assert text_index.count(c) == 2
        assert c.execute(text_index.matching(c.dialect.name, terms("夜里有人摔倒"))).scalars().all() == [ids[0]]
    assert [row.id for row in cases.list_cases(app, cases.CaseFilter(text="楼道灯"))] == [ids[1]]
    with app.engine.connect() as c:  # what the requester added, too
        assert c.execute(text_index.matching(c.dialect.name, terms("3号楼东单元"))).scalars().all() == [ids[1]]


def test_0028_numbers_the_audit_trail_and_the_text_messages_past_32_bits(app):
    from jiesu.services import audit

    big = 3_000_000_000  # past 2,147,483,647
    with app.engine.begin() as c:
        if app.engine.dialect.name == "postgresql":  # the sequences move on past 32 bits
            c.execute(text(f"SELECT setval('audit_log_id_seq', {big})"))
            c.execute(text(f"SELECT setval('notifications_id_seq', {big})"))
        else:  # SQLite: the next rowid follows the largest
            c.execute(t.audit_log.insert().values(id=big, at=app.now(), actor="x", action="probe", target="", detail={}))
        audit.record(c, app.now(), "admin", "user.add", "li")
    case = cases.register(app, AGENT, Intake(content="井盖缺失", division="WJ01", category="WY1",
                                              requester_phone="13812345678"))  # its 受理 text message
    with app.engine.connect() as c:
        assert c.execute(select(t.audit_log.c.id).where(t.audit_log.c.action == "user.add")).scalar() == big + 1
        if app.engine.dialect.name == "postgresql":
            assert c.execute(select(t.notifications.c.id).where(t.notifications.c.request_id == case.id)).scalar() \
                == big + 1


def indexed_by(app, words: str) -> list[int]:
    """The cases 工单查询's word index holds for the words."""
    from jiesu.nlp.search_terms import terms
    from jiesu.storage import text_index

    with app.engine.connect() as c:
        return sorted(c.execute(text_index.matching(c.dialect.name, terms(words))).scalars())


def test_0029_indexes_the_replies_given_already_and_goes_back_without_them(app):
    answered = cases.register(app, AGENT, Intake(content="社保卡怎么补办", kind="咨询", division="WJ01",
                                                 category="WY1")).id
    cases.perform(app, AGENT, answered, Action.ANSWER_DIRECTLY, ActionInput(reply="携带身份证到街道社保窗口办理"))
    waiting = cases.register(app, AGENT, Intake(content="街道社保窗口排队太久", division="WJ01", category="WY1")).id

    assert indexed_by(app, "社保窗口") == sorted([answered, waiting])
    downgrade(app, "0028")  # the index as it was: without the answer
    assert indexed_by(app, "社保窗口") == [waiting] and indexed_by(app, "社保卡怎么补办") == [answered]
    migrate.upgrade(app.engine)
    assert indexed_by(app, "社保窗口") == sorted([answered, waiting]) and indexed_by(app, "携带身份证") == [answered]
    assert migrate.current_revision(app.engine) == head_revision()


def test_0032_keeps_the_units_notes_written_already_on_their_cases_and_goes_back_without_them(app):
    from tests.support import WJ_HANDLER

    noted = cases.register(app, AGENT, Intake(content="路灯不亮", division="WJ01", category="WY1")).id
    cases.perform(app, DISPATCHER, noted, Action.DISPATCH, ActionInput(unit="WJ"))
    cases.perform(app, WJ_HANDLER, noted, Action.ACKNOWLEDGE, ActionInput())
    cases.perform(app, WJ_HANDLER, noted, Action.NOTE_PROGRESS, ActionInput(note="已联系恒通电力维修班"))
    other = cases.register(app, AGENT, Intake(content="恒通电力施工噪音", division="WJ01", category="WY1")).id

    assert indexed_by(app, "恒通电力") == sorted([noted, other])
    downgrade(app, "0031")  # as it was: the notes on the steps only
    assert indexed_by(app, "恒通电力") == [other] and indexed_by(app, "路灯不亮") == [noted]
    with app.engine.begin() as c:  # the case as 0031 stored it
        assert "notes" not in [col["name"] for col in sa_inspect(c).get_columns("requests")]
    migrate.upgrade(app.engine)
    assert indexed_by(app, "恒通电力") == sorted([noted, other]) and indexed_by(app, "维修班") == [noted]
    with app.engine.connect() as c:
        assert c.execute(select(t.requests.c.notes).where(t.requests.c.id == noted)).scalar_one() == "已联系恒通电力维修班"
        assert c.execute(select(t.requests.c.notes).where(t.requests.c.id == other)).scalar_one() == ""
