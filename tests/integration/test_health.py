"""jiesu doctor's checks: each finding says what is wrong and what to do; nothing is changed."""

from __future__ import annotations

from jiesu.bootstrap import App
from jiesu.services import backups, calendar, health, intake
from jiesu.services.cases import Intake
from jiesu.services.users import Principal
from jiesu.settings import Settings
from jiesu.storage.migrate import upgrade


def by_topic(findings):
    return {f.topic: f for f in findings}


def test_a_new_installation_is_told_what_is_missing_and_what_to_do(app, clock, tmp_path):
    from jiesu.services.sla_scan import scan

    found = by_topic(health.check(app))
    assert found["数据库"].level == "ok" and found["密钥"].level == "ok"
    assert found["节假日"].level == "warning" and "2027" in found["节假日"].message  # it is November 2026
    assert "jiesu calendar load" in found["节假日"].todo
    assert found["分类模型"].level == "warning" and found["备份"].level == "warning"
    assert found["短信"].level == "warning" and "JIESU_SMS_GATEWAY_URL" in found["短信"].todo
    assert found["时限扫描"].level == "warning" and "jiesu sla scan" in found["时限扫描"].todo
    assert found["敏感诉求报告"].level == "warning" and "duty_phone" in found["敏感诉求报告"].todo  # no centre phone

    (tmp_path / "2027.csv").write_text("date,type,name\n2027-01-01,holiday,元旦\n", encoding="utf-8")
    calendar.load_schedule(app, tmp_path / "2027.csv", "管理员甲")
    backups.backup(app, tmp_path / "b.db", "管理员甲")
    scan(app, record=False)  # a dry run is not the scheduled scan
    assert by_topic(health.check(app))["时限扫描"].level == "warning"
    scan(app)
    found = by_topic(health.check(app))
    assert found["节假日"].level == "ok" and "2027" in found["节假日"].message
    assert found["备份"].level == "ok" and found["时限扫描"].level == "ok"
    from datetime import timedelta

    from jiesu.domain.enums import Role
    from jiesu.services import duty_roster

    duty_roster.add(app, Principal("督办王", Role.SUPERVISOR), "CENTRE", clock() - timedelta(hours=1),
                    clock() + timedelta(minutes=20), "值班长孙", "13900000009")
    assert by_topic(health.check(app))["敏感诉求报告"].level == "ok"  # the centre's shift on now
    clock.advance(minutes=16)
    scan(app)  # its second run updates the same mark
    clock.advance(minutes=16)
    late = by_topic(health.check(app))["时限扫描"]
    assert late.level == "warning" and "已超过 15 分钟" in late.message


def test_a_secret_that_opens_nothing_is_an_error(app):
    from jiesu.domain.enums import Role

    intake.register(app, Principal("坐席", Role.AGENT), Intake(content="楼道堆物", kind="投诉",
                                                              requester_phone="13812345678", division="WJ01"))
    wrong = App(app.settings.model_copy(update={"secret_key": "another-secret"}), clock=app.clock)
    found = by_topic(health.check(wrong))
    assert found["密钥"].level == "error" and "jiesu secret" in found["密钥"].todo


def test_an_old_schema_is_an_error_and_is_left_as_it_is(tmp_path):
    from jiesu.storage.migrate import current_revision

    old = App(Settings(database_url=f"sqlite:///{tmp_path / 'old.db'}", secret_key="test-secret"))
    upgrade(old.engine, "0008")
    [finding] = health.check(old)
    assert finding.level == "error" and "jiesu db upgrade" in finding.todo
    assert current_revision(old.engine) == "0008"


def test_cases_missing_from_the_search_index_are_a_warning_with_the_command_that_mends_it(app):
    from sqlalchemy import text

    from jiesu.domain.enums import Role
    from jiesu.storage import text_index

    assert by_topic(health.check(app))["查询索引"].level == "ok"
    for words in ("楼道堆物", "路灯不亮"):
        intake.register(app, Principal("坐席", Role.AGENT), Intake(content=words, kind="投诉", division="WJ01"))
    with app.engine.begin() as c:  # as a case written straight into the table would be
        c.execute(text("DELETE FROM request_words"))
    found = by_topic(health.check(app))["查询索引"]
    assert found.level == "warning" and "2 件" in found.message and "jiesu db reindex" in found.todo
    text_index.rebuild(app.engine)
    assert by_topic(health.check(app))["查询索引"].message == "2 件工单"


def test_a_telephony_connected_and_silent_for_half_a_day_is_a_warning(app, clock):
    from datetime import timedelta

    from jiesu.services import calls

    assert by_topic(health.check(app))["话务记录"].level == "ok"  # not connected: nothing to watch
    app.settings.telephony_token = "t"
    silent = by_topic(health.check(app))["话务记录"]
    assert silent.level == "warning" and "/api/v1/calls" in silent.todo
    calls.receive(app, [{"ref": "C-1", "caller": "", "offered_at": clock() - timedelta(minutes=3),
                         "answered_at": None, "ended_at": clock() - timedelta(minutes=2), "agent": None}], "话务系统")
    assert by_topic(health.check(app))["话务记录"].level == "ok"
    clock.advance(hours=13)
    late = by_topic(health.check(app))["话务记录"]
    assert late.level == "warning" and "已超过 12 小时" in late.message and "jiesu calls import" in late.todo
