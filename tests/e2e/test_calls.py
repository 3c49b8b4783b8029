"""话务记录: the telephony's call records taken in (API and a switch's export), linked to the cases registered on the
call, and read as 接通率, 20 秒接通率, 呼损 and talk time — on the dashboard, per agent, and for the staffing advice."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from jiesu.analytics import metrics, store
from jiesu.domain import calls as domain
from jiesu.domain.calendar import SHANGHAI
from jiesu.domain.errors import InvalidInput
from jiesu.services import audit, calls
from jiesu.storage import tables as t
from tests.e2e import test_api
from tests.e2e.test_api import call, create, login

api = test_api.api  # the staff API with a user of each role
TOKEN = "telephony-token"


def record(ref: str, offered, wait: float | None, talk: float = 0, gave_up_after: float = 0, agent="agent",
           caller="13812345678") -> dict:
    """A call answered after `wait` seconds and talked for `talk`, or (wait None) abandoned after `gave_up_after`."""
    answered = offered + timedelta(seconds=wait) if wait is not None else None
    ended = answered + timedelta(seconds=talk) if answered else offered + timedelta(seconds=gave_up_after)
    return {"ref": ref, "caller": caller, "offered_at": offered.isoformat(),
            "answered_at": answered.isoformat() if answered else None, "ended_at": ended.isoformat(),
            "agent": agent if answered else None}


def post(api, records: list[dict], token: str | None = TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return api.post("/api/v1/calls", json={"calls": records}, headers=headers)


@pytest.fixture
def telephony(api, app):
    app.settings.telephony_token = TOKEN
    return api


def test_call_records_are_taken_once_whole_with_the_callers_number_encrypted(telephony, app, clock):
    start = clock.now - timedelta(hours=1)
    batch = [record("C-1", start, 8, 200), record("C-2", start + timedelta(minutes=1), None, gave_up_after=45)]
    first = post(telephony, batch)
    assert first.status_code == 200, first.text
    assert first.json() == {"stored": 2, "already": 0}
    again = post(telephony, [*batch, record("C-3", start, 2, 60)])  # the telephony retries, with one more
    assert again.json() == {"stored": 1, "already": 2}
    with app.engine.connect() as c:
        rows = c.execute(select(t.calls.c.ref, t.calls.c.caller_phone, t.calls.c.caller_key)).all()
    assert sorted(row.ref for row in rows) == ["C-1", "C-2", "C-3"]
    assert all(b"13812345678" not in row.caller_phone and row.caller_key for row in rows)
    assert app.cipher.decrypt(rows[0].caller_phone) == "13812345678"
    entries, _ = audit.entries(app, audit.AuditQuery(action="calls.receive"))
    assert [e.detail["stored"] for e in entries] == [1, 2] and entries[0].label == "接收话务记录"


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"ref": ""}, "calls[1].ref", "缺少通话编号"),
    ({"ref": "C 9<script>"}, "calls[1].ref", "字母、数字"),
    ({"ended_at": "2026-11-23T08:00:00+08:00"}, "calls[1].ended_at", "早于来电"),
    ({"answered_at": "2026-11-23T10:00:00+08:00"}, "calls[1].answered_at", "之间"),
    ({"offered_at": "2026-11-23T08:20:00"}, "calls[1].offered_at", "时区"),
    ({"answered_at": None}, "calls[1].agent", "未接听"),
    ({"ended_at": "2026-11-24T09:00:00+08:00"}, "calls[1].ended_at", "12 小时"),
    ({"caller": "call me"}, "calls[1].caller", "电话号码"),
    ({"wrapped_at": "2026-11-23T08:31:00+08:00"}, "calls[1].wrapped_at", "挂机后 1 小时内"),
    ({"answered_at": None, "agent": None, "wrapped_at": "2026-11-23T08:40:00+08:00"}, "calls[1].wrapped_at", "未接听"),
])
def test_one_bad_record_is_named_and_nothing_of_its_batch_is_stored(telephony, app, change, field, words):
    good = record("C-1", app.now() - timedelta(hours=1), 5, 100)
    bad = record("C-2", app.now().astimezone(SHANGHAI).replace(hour=8, minute=30), 5, 100) | change
    refused = post(telephony, [good, bad])
    assert refused.status_code == 400, refused.text
    assert refused.json()["field"] == field and words in refused.json()["message"]
    with app.engine.connect() as c:
        assert c.execute(select(t.calls)).all() == []


def test_only_the_telephony_with_its_token_posts_call_records(api, app, clock):
    batch = [record("C-1", clock.now - timedelta(minutes=10), 3, 30)]
    assert post(api, batch).status_code == 404  # no token configured: not received at all
    app.settings.telephony_token = TOKEN
    assert post(api, batch, token="wrong").status_code == 401
    assert post(api, batch, token=None).status_code == 401
    staff = call(api, "admin", "POST", "/api/v1/calls", json={"calls": batch})
    assert staff.status_code == 401  # a staff token is not the telephony's
    assert post(api, batch).status_code == 200


@pytest.mark.parametrize(("given", "kept"), [("+86 138 1234 5678", "13812345678"), ("010 6512 3456", "010-65123456"),
                                             ("anonymous", ""), ("", ""), ("+442079460000", "+442079460000")])
def test_the_callers_number_is_kept_as_cases_keep_it_a_withheld_one_as_none(clock, given, kept):
    offered = clock.now - timedelta(minutes=5)
    parsed = domain.parse(ref="C-1", caller=given, offered_at=offered, answered_at=None,
                          ended_at=offered + timedelta(seconds=30), agent=None, now=clock.now)
    assert parsed.caller == kept


def test_the_figures_count_a_hang_up_within_seconds_apart_and_time_the_answered():
    at = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)

    def one(wait: float | None, talk: float = 0, gave_up: float = 0) -> domain.Call:
        offered = at
        answered = offered + timedelta(seconds=wait) if wait is not None else None
        ended = answered + timedelta(seconds=talk) if answered else offered + timedelta(seconds=gave_up)
        return domain.Call("x", "", offered, answered, ended, "a" if answered else None)

    figures = domain.summarise([one(10, 100), one(30, 200), one(0, 300), one(None, gave_up=40),
                                one(None, gave_up=3)])
    assert figures == domain.Figures(offered=5, answered=3, abandoned=1, short_abandoned=1, answer_rate=75.0,
                                     service_level=50.0, mean_wait=13.3, mean_talk=200.0)
    assert domain.summarise([]).answer_rate is None
    wrapped = one(10, 100)
    assert wrapped.handle_seconds == 100 and domain.Call(  # talk and the after-call work, where reported
        "x", "", at, at, at + timedelta(seconds=100), "a", at + timedelta(seconds=130)).handle_seconds == 130


def test_a_case_registered_on_a_call_shows_the_call_once_its_record_arrives(telephony, app, clock):
    login(telephony, "agent")
    page = telephony.get("/intake", params={"phone": "13812345678", "call_ref": "CALL-0042"}).text
    assert 'name="call_ref" value="CALL-0042"' in page and "通话编号 CALL-0042" in page
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    done = telephony.post("/intake", data={"content": "小区门口路灯坏了一个星期", "requester_phone": "13812345678",
                                           "division": "WJ01", "call_ref": "CALL-0042", "csrf_token": token},
                          follow_redirects=False)
    assert done.status_code == 303, done.text
    case_id = int(done.headers["location"].rsplit("/", 1)[1])
    shown = telephony.get(f"/cases/{case_id}").text
    assert "话务记录尚未送达</span>（通话编号 CALL-0042）" in shown  # the telephony reports the call when it ends
    clock.advance(minutes=6)
    offered = clock.now - timedelta(minutes=5, seconds=15)
    assert post(telephony, [record("CALL-0042", offered, 15, 272)]).status_code == 200
    shown = telephony.get(f"/cases/{case_id}").text
    listed = shown.split('id="case-calls"')[1].split("</dd>")[0]
    assert "来电，等待 15 秒，通话 4 分 32 秒，agent 接听（通话编号 CALL-0042）" in listed
    login(telephony, "supervisor")
    assert 'id="case-calls"' in telephony.get(f"/cases/{case_id}").text
    shown = call(telephony, "dispatcher", "GET", f"/api/v1/requests/{case_id}").json()["calls"]
    assert shown == [{"ref": "CALL-0042", "offered_at": offered.astimezone(UTC).isoformat(), "wait_seconds": 15.0,
                      "talk_seconds": 272.0, "agent": "agent"}]


def test_a_bad_call_id_at_intake_registers_nothing_and_the_api_links_one_too(telephony, app):
    login(telephony, "agent")
    page = telephony.get("/intake", params={"call_ref": "bad id!"}).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    refused = telephony.post("/intake", data={"content": "路灯坏了", "division": "WJ01", "call_ref": "bad id!",
                                              "csrf_token": token})
    assert refused.status_code == 400 and "通话编号有误" in refused.text
    with app.engine.connect() as c:
        assert c.execute(select(t.requests)).all() == [] and c.execute(select(t.call_cases)).all() == []
    case = create(telephony, call_ref="CALL-7")
    with app.engine.connect() as c:
        assert c.execute(select(t.call_cases.c.call_ref, t.call_cases.c.request_id)).all() == [("CALL-7", case["id"])]
    wrong = call(telephony, "agent", "POST", "/api/v1/requests", json={**test_api.INTAKE, "call_ref": "x y"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "call_ref"


def test_a_handler_is_not_shown_the_call_a_case_came_on(telephony, app, clock):
    case = create(telephony, call_ref="CALL-8")
    post(telephony, [record("CALL-8", clock.now - timedelta(minutes=30), 4, 120)])
    test_api.act(telephony, "dispatcher", case["id"], "dispatch", unit="WJ")
    login(telephony, "wj")
    page = telephony.get(f"/cases/{case['id']}").text
    assert "望京西园三区" in page and 'id="case-calls"' not in page
    assert "calls" not in call(telephony, "wj", "GET", f"/api/v1/requests/{case['id']}").json()


def week_of_calls(clock) -> list[dict]:
    """A week ago, 10:00–10:59 Beijing: 12 calls answered (3 after more than 20 s), 2 given up, 1 hung up at once;
    one answered by the supervisor's agent account "agent", the rest by "zuoxi2"."""
    ten = (clock.now - timedelta(days=7)).astimezone(SHANGHAI).replace(hour=10, minute=0, second=0, microsecond=0)
    made = [record(f"W-{n}", ten + timedelta(minutes=4 * n), wait, 180 + 10 * n, agent="agent" if n == 0 else "zuoxi2")
            for n, wait in enumerate([5, 8, 12, 3, 25, 40, 33, 6, 7, 2, 9, 14])]
    made += [record("W-a1", ten + timedelta(minutes=7), None, gave_up_after=50),
             record("W-a2", ten + timedelta(minutes=9), None, gave_up_after=70),
             record("W-s1", ten + timedelta(minutes=11), None, gave_up_after=2)]
    return made


def test_the_calls_metric_agrees_with_the_definitions_and_feeds_staffing_and_the_agents(telephony, app, clock):
    made = week_of_calls(clock)
    assert post(telephony, made).json()["stored"] == 15
    create(telephony, channel="phone")  # a case without a call record: the staffing is by the calls now
    expected = domain.summarise([domain.parse(now=clock.now, **{k: _moment(v) if k.endswith("_at") else v
                                                                 for k, v in m.items()}) for m in made])
    assert (expected.answer_rate, expected.service_level, expected.abandoned) == (85.7, 64.3, 2)
    store.refresh(app)
    connection = store.connect(store.default_path(app))
    try:
        f = metrics.Filters(now=clock.now.astimezone(SHANGHAI).replace(tzinfo=None))
        table = metrics.run(connection, "calls", f)
        staffing = metrics.run(connection, "staffing", f)
        agents = metrics.run(connection, "agent_workload", f)
        hourly = metrics.run(connection, "calls", f, by="hour")
    finally:
        connection.close()
    total = table.rows[-1]
    assert total[0] == "合计" and len(table.rows) == 2  # one day, and the whole
    assert total[1:] == [15, 12, 2, 1, expected.answer_rate, expected.service_level, expected.mean_wait,
                         expected.mean_talk]
    weekday = (clock.now - timedelta(days=7)).astimezone(SHANGHAI).isoweekday()
    [ten] = [row for row in staffing.rows if row[:2] == [weekday, 10]]
    assert ten[2] == round(14 / 4, 1)  # 14 counted calls over four weeks: the hang-up at once is not one
    assert staffing.note.startswith("按话务记录：近 4 周来电 14 通") and f"每通处理 {round(expected.mean_talk):g} 秒" \
        in staffing.note
    assert agents.columns[-2:] == ["接听来电", "平均通话（秒）"]
    by_agent = {row[0]: row[-2:] for row in agents.rows}
    assert by_agent["zuoxi2"] == [11, round(sum(180 + 10 * n for n in range(1, 12)) / 11)]
    assert by_agent["agent"][0] == 1  # listed for the case registered today, with the call of the week before
    login(telephony, "supervisor")
    page = telephony.get("/dashboard", params={"month": f"{(clock.now - timedelta(days=7)):%Y-%m}"}).text
    card = page.split('id="calls"')[1].split("</section>")[0]
    assert 'id="calls-answer-rate">85.7%<' in card and 'id="calls-abandoned">2<' in card
    assert "呼损 2 通中：已回拨 0 通，来电人再次接通或已受理 2 通，未回拨 0 通" in card  # the same number got through later
    assert hourly.columns[0] == "时段" and hourly.rows[0][:2] == ["10:00", 15] and hourly.rows[-1][1:] == total[1:]
    assert 'data-chart="calls_by_hour"' in page  # 各时段来电与接通率
    assert "按话务记录" in page.split('id="staffing"')[1].split("</section>")[0]


def _moment(value):
    return datetime.fromisoformat(value) if value else None


def test_calls_stored_after_a_refresh_are_copied_by_the_next(telephony, app, clock):
    post(telephony, [record("R-1", clock.now - timedelta(hours=2), 3, 60)])
    store.refresh(app)
    post(telephony, [record("R-2", clock.now - timedelta(hours=1), 3, 60)])
    store.refresh(app)
    connection = store.connect(store.default_path(app))
    try:
        assert connection.execute("SELECT count(*), count(DISTINCT id) FROM calls").fetchone() == (2, 2)
    finally:
        connection.close()


def test_a_switch_export_loads_with_beijing_times_and_names_a_bad_line(app, tmp_path, clock):
    export = tmp_path / "cdr.csv"
    export.write_text("ref,caller,offered_at,answered_at,ended_at,agent,trunk\n"
                      "X-1,13812345678,2026-11-22 09:00:00,2026-11-22 09:00:12,2026-11-22 09:04:00,agent,T1\n"
                      "X-2,,2026-11-22 09:01:00,,2026-11-22 09:02:10,,T1\n", encoding="utf-8")
    records = calls.read_csv(export)
    received = calls.load(app, records, "admin", where=lambda n: f"第 {n + 2} 行 ")
    assert (received.stored, received.already) == (2, 0)
    with app.engine.connect() as c:
        first = c.execute(select(t.calls.c.offered_at, t.calls.c.caller_phone).where(t.calls.c.ref == "X-1")).one()
        withheld = c.execute(select(t.calls.c.caller_phone).where(t.calls.c.ref == "X-2")).scalar_one()
    assert first.offered_at.astimezone(SHANGHAI).hour == 9 and withheld is None
    export.write_text("ref,offered_at,answered_at,ended_at\nX-1,2026-11-22 09:00:00,,2026-11-22 09:04:00\n"
                      "X-3,2026-11-22 09:05:00,,2026-11-22 08:00:00\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as error:
        calls.load(app, calls.read_csv(export), "admin", where=lambda n: f"第 {n + 2} 行 ")
    assert error.value.field == "第 3 行 ended_at"
    export.write_text("id,start\n1,2\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as error:
        calls.read_csv(export)
    assert "缺少列：ref、offered_at、ended_at" in error.value.message


def test_callers_who_gave_up_are_listed_for_a_call_back_until_they_get_through(telephony, app, clock):
    now = clock.now
    post(telephony, [
        record("M-1", now - timedelta(hours=3), None, gave_up_after=40, caller="13900000001"),
        record("M-2", now - timedelta(hours=2), None, gave_up_after=70, caller="13900000001"),  # the same, again
        record("M-3", now - timedelta(hours=1), None, gave_up_after=30, caller="13900000002"),
        record("M-4", now - timedelta(minutes=50), None, gave_up_after=3, caller="13900000003"),  # a misdial
        record("M-5", now - timedelta(hours=30), None, gave_up_after=60, caller="13900000004"),  # over a day ago
        record("M-6", now - timedelta(hours=4), None, gave_up_after=60, caller="13900000005"),
        record("M-7", now - timedelta(hours=3), 20, 200, caller="13900000005"),  # … then got through
        record("M-8", now - timedelta(hours=1), None, gave_up_after=50, caller=""),  # withheld
    ])
    create(telephony, requester_phone="13900000002")  # this one called again and a case was registered
    missed, count, withheld = calls.missed(app)
    assert [(m.caller, m.gave_up) for m in missed] == [("139****0001", 2)] and (count, withheld) == (1, 1)
    post(telephony, [record("M-9", now - timedelta(minutes=10), None, gave_up_after=25, caller="13900000006")])
    first, count, _ = calls.missed(app, shown=1)  # the latest first; the count says how many wait
    assert [m.caller for m in first] == ["139****0006"] and count == 2
    calls.call_back(app, first[0].call_id, "agent")
    calls.call_back(app, first[0].call_id, "agent")
    calls.call_back(app, first[0].call_id, "agent")  # tried three times: off the list
    login(telephony, "supervisor")  # sees the list, does not dial
    page = telephony.get("/callbacks").text
    section = page.split('id="missed-calls"')[1].split("</section>")[0]
    assert "139****0001" in section and "13900000001" not in section and "/callbacks/missed/" not in section
    assert "另有 1 通隐藏号码的未接来电" in section
    login(telephony, "agent")
    section = telephony.get("/callbacks").text.split('id="missed-calls"')[1].split("</section>")[0]
    action = re.search(r'action="(/callbacks/missed/\d+)"', section).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', section).group(1)
    dialled = telephony.post(action, data={"csrf_token": token}, follow_redirects=False)
    call_id = int(action.rsplit("/", 1)[1])
    assert dialled.status_code == 303 and dialled.headers["location"] == f"/intake?callback={call_id}"  # no number
    assert 'value="13900000001"' in telephony.get(dialled.headers["location"]).text  # in the form, for the agent
    assert calls.calling_back(app, call_id, "agent") == "13900000001"
    assert calls.calling_back(app, call_id, "another-agent") is None  # only to who started the call back
    clock.advance(minutes=16)
    assert calls.calling_back(app, call_id, "agent") is None  # and only while dialling
    assert 'value="13900000001"' not in telephony.get(f"/intake?callback={call_id}").text
    [again] = calls.missed(app)[0]  # nobody answered: still listed, with the try
    assert (again.tries, again.called_back_by) == (1, "agent")
    became = calls.given_up(app, now - timedelta(days=2), now + timedelta(hours=1))  # M-4 hung up at once: not one
    assert became == calls.GivenUp(calls=7, called_back=3, got_through=2, withheld=1) and became.left == 1  # M-5
    entries, _ = audit.entries(app, audit.AuditQuery(action="calls.call_back"))
    assert [(e.actor, e.detail) for e in entries][0] == ("agent", {"calls": 2})  # newest first: both calls marked
    for _ in range(2):
        calls.call_back(app, again.call_id, "agent")
    assert calls.missed(app)[:2] == ([], 0)  # three tries: no more
    with pytest.raises(Exception, match="回拨"):
        calls.call_back(app, again.call_id, "agent")


def test_only_an_agent_calls_back_and_only_a_missed_call_with_a_number(telephony, app, clock):
    post(telephony, [record("A-1", clock.now - timedelta(minutes=30), 5, 60),
                     record("A-2", clock.now - timedelta(minutes=20), None, gave_up_after=30, caller="")])
    with app.engine.connect() as c:
        ids = dict(c.execute(select(t.calls.c.ref, t.calls.c.id)).all())
    login(telephony, "supervisor")
    page = telephony.get("/callbacks").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert telephony.post(f"/callbacks/missed/{ids['A-1']}", data={"csrf_token": token}).status_code == 403
    login(telephony, "agent")
    token = re.search(r'name="csrf-token" content="([^"]+)"', telephony.get("/callbacks").text).group(1)
    for ref in ("A-1", "A-2"):  # answered; withheld
        refused = telephony.post(f"/callbacks/missed/{ids[ref]}", data={"csrf_token": token}, follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"] == "/callbacks"
    assert "没有这通可回拨的未接来电" in telephony.get("/callbacks").text
    with app.engine.connect() as c:
        assert set(c.execute(select(t.calls.c.callback_tries)).scalars()) == {0}


def test_a_long_export_is_checked_whole_then_stored_in_batches_and_loads_again_without_doubling(app, clock, tmp_path,
                                                                                              monkeypatch):
    monkeypatch.setattr(calls, "MAX_BATCH", 2)
    day = (clock.now - timedelta(days=1)).astimezone(SHANGHAI)
    lines = [f"L-{n},13812345678,{day:%Y-%m-%d} 09:0{n}:00,,{day:%Y-%m-%d} 09:0{n}:30," for n in range(5)]
    export = tmp_path / "cdr.csv"
    export.write_text("ref,caller,offered_at,answered_at,ended_at,agent\n" + "\n".join(lines) + "\n", encoding="utf-8")
    done: list[int] = []
    received = calls.load(app, calls.read_csv(export), "admin", where=lambda n: f"第 {n + 2} 行 ",
                          progress=done.append)
    assert (received.stored, received.already, done) == (5, 0, [2, 2, 1])
    entries, _ = audit.entries(app, audit.AuditQuery(action="calls.receive"))
    assert sorted(e.detail["stored"] for e in entries) == [1, 2, 2]  # one audit line a batch
    assert calls.load(app, calls.read_csv(export), "admin", where=lambda n: f"第 {n + 2} 行 ").stored == 0
    with app.engine.connect() as c:
        assert len(c.execute(select(t.calls.c.id)).all()) == 5
    offered = clock.now - timedelta(hours=1)  # a post, unlike an export, is refused whole when it is too long
    three = [{"ref": f"P-{n}", "caller": "", "offered_at": offered, "answered_at": None,
              "ended_at": offered + timedelta(seconds=30), "agent": None} for n in range(3)]
    with pytest.raises(InvalidInput) as error:
        calls.receive(app, three, "话务系统")
    assert error.value.field == "calls" and "一次最多 2 条" in error.value.message


def test_the_staffing_advice_takes_talk_and_after_call_work_where_the_telephony_reports_it(telephony, app, clock):
    ten = (clock.now - timedelta(days=7)).astimezone(SHANGHAI).replace(hour=10, minute=0, second=0, microsecond=0)
    made = []
    for n, (talk, wrap) in enumerate([(200, 40), (260, 20), (140, 60), (240, 40)]):
        one = record(f"H-{n}", ten + timedelta(minutes=10 * n), 5, talk)
        one["wrapped_at"] = (datetime.fromisoformat(one["ended_at"]) + timedelta(seconds=wrap)).isoformat()
        made.append(one)
    assert post(telephony, made).json()["stored"] == 4
    store.refresh(app)
    connection = store.connect(store.default_path(app))
    try:
        staffing = metrics.run(connection, "staffing", metrics.Filters(now=clock.now.astimezone(SHANGHAI)
                                                                        .replace(tzinfo=None)))
    finally:
        connection.close()
    assert "每通处理 250 秒（实测平均处理时长：通话与话后整理）" in staffing.note  # (240 + 280 + 200 + 280) / 4
