"""The demo city on both databases: built in bulk, then used through the services."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from jiesu.demo import answers
from jiesu.demo.build import build_demo, lines_alerted, seed_arrivals
from jiesu.domain.workflow import Action, Status
from jiesu.services import cases
from jiesu.services.assessment import sanlv
from jiesu.services.cases import ActionInput, Intake
from jiesu.storage import tables as t
from tests.support import AGENT, DISPATCHER


def test_a_small_demo_city_is_built_and_works_like_any_other_data(database_url, clock):
    from jiesu.bootstrap import App
    from jiesu.settings import Settings

    app = App(Settings(database_url=database_url, secret_key="s"), clock=clock)
    summary = build_demo(app, count=800, days=120)
    assert summary.units == 206 and summary.requests >= 800
    assert set(summary.by_status) >= {"archived", "in_progress"}
    with app.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(t.requests)).scalar() == summary.requests
        assert c.execute(select(func.count()).select_from(t.events)).scalar() == summary.events
        merged = c.execute(select(t.requests.c.id, t.requests.c.master_id)
                           .where(t.requests.c.status == "merged")).all()
        reports = c.execute(select(t.assignments.c.reported_at).where(t.assignments.c.role == "co")).scalars().all()
    assert len(reports) > 20 and sum(at is not None for at in reports) > 0.8 * len(reports)  # co-handlers report back
    assert merged and all(master is not None for _, master in merged)
    assert sanlv(app, "2026-10").scores
    with app.engine.connect() as c:  # 话务记录: every phone case's call, and calls that became none or were given up
        phone_cases = c.execute(select(func.count()).select_from(t.requests)
                                .where(t.requests.c.channel == "phone")).scalar_one()
        c_count = c.execute(select(func.count()).select_from(t.call_cases)).scalar_one()
    from jiesu.services import calls

    figures = calls.figures_since(app, app.now() - timedelta(days=120))
    assert c_count == phone_cases and figures.offered > phone_cases and figures.abandoned > 0
    assert 80 < figures.answer_rate < 100 and 50 < figures.service_level < figures.answer_rate
    told = dict(lines_alerted(app))  # emergencies put through to their line on the phone, then dispatched
    assert told.get("119 火警", 0) > 0 and set(told) <= {"110 报警", "119 火警", "120 急救", "122 交通事故"}
    from jiesu.services import knowledge, knowledge_proposals, petitions

    assert len(knowledge.list_articles(app)) == len(answers.ARTICLES) >= 20  # the demo's 知识库
    assert [p.category for p in knowledge_proposals.pending(app)] == ["D0301", "A0502"]  # and what agents proposed
    stages = sorted(v.petition.stage.value for v in petitions.views(app))  # 信访件 at every stage of the clock
    assert stages == ["accepted", "accepted", "answered", "registered", "registered", "reviewed"]
    assert sum(v.overdue for v in petitions.views(app)) == 1
    # a new case after the bulk load gets the next id (the PostgreSQL sequence was moved past the demo ids)
    new = cases.register(app, AGENT, Intake(content="小区暖气不热", division="YH0101", category="H0401"))
    assert new.id == summary.requests + 1
    clock.advance(minutes=5)
    routed = cases.suggest_routing(app, "H0401", "YH0101")
    dispatched, _ = cases.perform(app, DISPATCHER, new.id, Action.DISPATCH, ActionInput(unit=routed.best.unit.code))
    assert dispatched.status == Status.DISPATCHED and dispatched.lead_unit == "RLJ"
    from jiesu.demo.build import seed_emergency_calls

    fight, passed_on = seed_emergency_calls(app, "J110-20261123-0007")  # to 110 and from 110, just now
    assert fight.status == Status.HANDED_OVER and [t.line.value for t in fight.lines_told()] == ["110"]
    assert fight.urgency.value == "emergency"  # read as one by intake
    assert passed_on.status == Status.REGISTERED and passed_on.channel.value == "police"
    assert passed_on.source_ref == "J110-20261123-0007"
    # what citizens send while the demo starts waits on the 派单台, read by intake
    from jiesu.domain.enums import RequestKind, Urgency
    from jiesu.services import intake

    arrived = seed_arrivals(app)
    assert len(arrived) == 5 and all(a.status == Status.REGISTERED for a in arrived)
    gas, question, vague, protest, again = arrived
    assert gas.urgency == Urgency.EMERGENCY and intake.urgency_reason(gas)
    assert question.kind == RequestKind.INQUIRY and intake.reading(app, question, ["answer_directly"]).answers
    assert vague.category is None
    assert protest.sensitive == "群体性（拉横幅）" and not gas.sensitive  # on the 督办台's 敏感诉求
    assert any("同一诉求人" in d["why"] for d in intake.merge_candidates(app, again))
    from jiesu.demo.build import seed_topic
    from jiesu.services import topics

    topic_id, suggestion = seed_topic(app)  # a 人民建议征集 topic open to the end of next month, one suggestion in
    topic = topics.get(app, topic_id)
    assert topic.closes_on.month != app.today().month and topic.is_open(app.today()) and topic.suggestions == 1
    assert suggestion.kind == RequestKind.SUGGESTION and suggestion.status == Status.REGISTERED
    assert suggestion.category == topic.category == "C0201"  # 公交服务, which the topic asks about
    with app.uow(read_only=True) as uow:
        routing = cases.suggested_routing(uow.connection, app.router(uow), suggestion)
    assert routing.best.unit.code == topic.unit == "JTW" and "征集部门" in routing.best.reason
    from jiesu.demo.build import seed_sms_replies
    from jiesu.domain.enums import Role
    from jiesu.domain.request import Actor
    from jiesu.services import sms_replies

    heat = Actor("热力集团-承办1", Role.HANDLER, "RLJ")
    for phone in ("13900000011", "13900000012"):  # two answered cases whose requesters may text back, whatever the
        case = cases.register(app, AGENT, Intake(content="暖气不热", division="YH0101", category="H0401",  # small
                                                 requester_phone=phone)).id  # city's history left waiting
        clock.advance(minutes=5)
        for actor, action, given in ((DISPATCHER, Action.DISPATCH, ActionInput(unit="RLJ")),
                                     (heat, Action.ACKNOWLEDGE, ActionInput()),
                                     (heat, Action.RESOLVE, ActionInput(reply="已上门检修，暖气恢复正常")),
                                     (DISPATCHER, Action.ACCEPT_REPLY, ActionInput())):
            cases.perform(app, actor, case, action, given)
    assert seed_sms_replies(app) == ["rated", "for_agent"]  # 短信评价: one callback recorded, one for an agent
    from jiesu.demo.build import busiest_subdistrict, seed_area_work

    street = busiest_subdistrict(app)
    below = app.current_config().directory.below(street)
    with app.uow(read_only=True) as uow:
        router = app.router(uow)
        working = [uow.requests.get(i) for i in uow.connection.execute(select(t.requests.c.id).where(
            t.requests.c.lead_unit == street, t.requests.c.status == "in_progress")).scalars()]
    area = seed_area_work(app, street)  # 区级督办 of one of its cases, 下派 of two others to its 社区, one reported on
    with app.uow(read_only=True) as uow:
        pushed = uow.requests.get(int(area.supervised[-7:]))
        down = [uow.requests.get(int(ticket[-7:])) for ticket in area.handed]
    may_go_down = sum(bool(cases.delegable(router, case, below)) for case in working
                      if case.stored_id != pushed.stored_id)
    assert pushed.lead_unit == street and pushed.events[-1].action == Action.SUPERVISE
    assert pushed.events[-1].actor == "区接诉即办办公室" and pushed.supervise_due is not None
    assert len(down) == min(2, may_go_down)  # handed down where a case's matter may go to one of its 社区
    for case in down:
        assert case.lead_unit == street and case.co_units[-1] in below
    assert [c.events[-1].action for c in down] == [Action.REPORT_BACK, Action.DELEGATE][:len(down)]
    assert area.reported == (area.handed[0] if down else None)
    from jiesu.demo.build import community_owing

    owing = community_owing(app, street)
    assert owing in below and (len(down) < 2 or owing == down[1].co_units[-1])  # the 社区承办人's 社区
    assert [len(x.text) > 10 for x in sms_replies.waiting(app)] == [True]
    from jiesu.demo.build import seed_owners
    from jiesu.services.users import add_user

    add_user(app, "chengban", "handler", "password-chengban", street)
    given = seed_owners(app, street, "chengban")
    with app.uow(read_only=True) as uow:
        owners = [uow.requests.get(int(ticket[-7:])).owner for ticket in given]
    assert owners == ["chengban"] * len(given) and len(given) == min(2, len(working))  # its cases in hand, nobody's yet
    from jiesu.demo.build import seed_duty
    from jiesu.services import duty_roster

    on_duty = seed_duty(app, street)  # a day and a night shift each day: someone is on duty at any hour
    with app.engine.connect() as c:
        phone = duty_roster.phone_for(app, c, street, app.now(), app.current_config().directory)
    assert on_duty in ("白班 王", "夜班 李") and phone == {"白班 王": "13900000011", "夜班 李": "13900000012"}[on_duty]
    from jiesu.demo.build import seed_publications
    from jiesu.services import publication

    published = seed_publications(app, share=1)  # the fixture city's closed web and app cases, every one
    shown = publication.listed(app, limit=100)
    assert published > 0 and len(shown) == min(published, 100)
    assert not any(re.search(r"1[3-9]\d{9}", c.content + c.reply) for c in shown)  # no phone number shown whole
    app.engine.dispose()
