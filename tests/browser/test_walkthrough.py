"""A case walked through the pages in real headless Chromium: an agent registers it, a handler signs for and
resolves it, the dispatcher accepts the reply, a supervisor makes the callback, and the citizen tracks it.
Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]

# CI sets JIESU_REQUIRE_BROWSER so that a missing browser fails instead of skipping.
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("JIESU_REQUIRE_BROWSER"),
                                reason="Debian's chromium is not installed (apt-get install chromium)")


def make_city(tmp_path):
    """The fixture city in a new SQLite file, with one account per role the walkthroughs use."""
    from jiesu.bootstrap import App
    from jiesu.services.config_loader import load_config
    from jiesu.services.users import add_user
    from jiesu.settings import Settings
    from jiesu.storage.migrate import upgrade
    from tests.support import CITY

    app = App(Settings(database_url=f"sqlite:///{tmp_path / 'web.db'}", secret_key="browser-test",
                       analytics_path=str(tmp_path / "analytics.duckdb")))
    upgrade(app.engine)
    load_config(app, CITY, "test")
    for name, role, unit in [("agent", "agent", None), ("dispatcher", "dispatcher", None), ("wj", "handler", "WJ"),
                             ("supervisor", "supervisor", None)]:
        add_user(app, name, role, "password-" + name, unit)
    return app


@pytest.fixture
def server(tmp_path):
    from tests.support import live_server

    app = make_city(tmp_path)
    from jiesu.services.knowledge import Article, save

    save(app, "test", Article("暖气不热怎么报修", "请先给暖气片排气；仍不热的，拨打供热公司报修电话，24 小时内上门。",
                              "GR1", "暖气 报修", "市供热办"))
    with live_server(app) as base:
        yield base


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        yield context.new_page()
        browser.close()


def login(page, base, name):
    page.goto(f"{base}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", "password-" + name)
    page.click("button[type=submit]")


def at_intake(page, base):
    """Logged in as the agent, who lands on the intake screen."""
    login(page, base, "agent")
    page.wait_for_url(f"{base}/intake")


def logout(page):
    page.click("form[action='/logout'] button")


def act(page, action: str, **fields: str):
    form = page.locator(f"form:has(input[name=action][value={action}])")
    details = page.locator(f"details:has(input[name=action][value={action}])")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_a_case_from_intake_to_callback_in_the_browser(server, page):
    base = server
    login(page, base, "agent")
    page.wait_for_url(f"{base}/intake")
    page.fill("input[name=requester_name]", "张三")
    page.fill("#phone", "13812345678")
    page.select_option("#division", "WJ01")
    page.fill("#content", "望京西园三区物业服务很差，楼道垃圾一周没人清理 <script>alert(1)</script>")
    page.wait_for_selector("#suggest-categories li")
    page.locator("#suggest-categories li button").first.click()
    page.wait_for_function("document.getElementById('unit').value === 'WJ'")
    page.screenshot(path=str(SHOTS / "1-intake.png"), full_page=True)
    page.click("button[value=dispatch]")
    page.wait_for_url(re.compile(r".*/cases/\d+$"))
    flash = page.locator(".flash").first.inner_text()
    ticket, code = re.search(r"工单号 (\d+)，查询码 (\w+)", flash).groups()
    assert "待签收" in page.inner_text(".badge.status-dispatched")
    assert "<script>alert(1)</script>" in page.inner_text("p.content")  # shown as text
    case_url = page.url
    logout(page)

    login(page, base, "wj")
    page.wait_for_url(f"{base}/inbox")
    page.click(f"text={ticket}")
    act(page, "acknowledge")
    act(page, "record_contact", note="已电话联系诉求人，约定明天上门")
    act(page, "resolve", reply="已督促物业清理楼道垃圾，并建立每周巡查")
    assert "办结待审核" in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "2-handler.png"), full_page=True)
    logout(page)

    login(page, base, "dispatcher")
    page.goto(case_url)
    act(page, "accept_reply")
    logout(page)

    login(page, base, "supervisor")
    page.goto(f"{base}/desk")
    page.screenshot(path=str(SHOTS / "3-desk.png"), full_page=True)
    page.goto(case_url)
    act(page, "follow_up", solved="yes", satisfaction="satisfied")
    assert "已回访" in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "4-case.png"), full_page=True)
    logout(page)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/portal/track?ticket={ticket}")
    page.fill("input[name=code]", code)
    page.click("button[type=submit]")
    assert "已回访" in page.inner_text("body") and "已督促物业清理" in page.inner_text("body")
    page.screenshot(path=str(SHOTS / "5-citizen-track.png"), full_page=True)


def test_intake_suggests_the_unit_that_settles_what_the_duty_lists_send_elsewhere(tmp_path, page):
    from jiesu.domain.enums import Role
    from jiesu.domain.request import Actor
    from jiesu.domain.workflow import Action
    from jiesu.services import cases
    from jiesu.services.cases import ActionInput, Intake
    from tests.support import AGENT, DISPATCHER, WJ_HANDLER, live_server

    app, cgw = make_city(tmp_path), Actor("城管委承办人", Role.HANDLER, "CGW")
    for n in range(3):  # three 物业服务 cases the 街道 returned and the 城管委 settled
        rid = cases.register(app, AGENT, Intake(content=f"望京西园{n}区门口占道经营", division="WJ01", category="WY1")).id
        for actor, action, params in [(DISPATCHER, Action.DISPATCH, {"unit": "WJ"}),
                                      (WJ_HANDLER, Action.RETURN, {"reason": "属城管执法"}),
                                      (DISPATCHER, Action.REDISPATCH, {"unit": "CGW", "reason": "退单审核通过"}),
                                      (cgw, Action.ACKNOWLEDGE, {}), (cgw, Action.RESOLVE, {"reply": "已清理"})]:
            cases.perform(app, actor, rid, action, ActionInput(**params))
    app.lessons.invalidate()
    with live_server(app) as base:
        login(page, base, "agent")
        page.wait_for_url(f"{base}/intake")
        page.select_option("#division", "WJ01")
        page.fill("#content", "望京西园三区物业服务很差，门口占道经营没人管")
        page.wait_for_selector("#suggest-categories li")
        page.locator("#suggest-categories li button").first.click()
        page.wait_for_function("document.getElementById('unit').value === 'CGW'")
        units = page.inner_text("#suggest-units")
        assert units.index("区城管委：改派经验") < units.index("望京街道：物业服务属基本履职事项")
        assert "请管理员修订派单目录" in page.inner_text("#suggest-notes")
        page.screenshot(path=str(SHOTS / "13-lesson-at-intake.png"), full_page=True)
        logout(page)

        login(page, base, "dispatcher")
        page.goto(f"{base}/queue")
        page.click("#lessons-link")
        row = page.inner_text("#lessons tbody tr")
        assert "物业服务" in row and "区城管委" in row and "3 / 3" in row and "首选建议" in row
        page.screenshot(path=str(SHOTS / "14-lessons.png"), full_page=True)


def test_the_place_named_in_the_text_fills_in_the_division(server, page):
    at_intake(page, server)
    page.fill("#content", "望京西园社区3号楼楼道里堆满杂物，物业不管")
    page.wait_for_function("document.getElementById('division').value === 'WJ01'")
    assert "提到「望京西园社区」" in page.inner_text("#suggest-place")
    page.evaluate("document.querySelector('#suggest-place li').dataset.seen = '1'")
    page.select_option("#division", "")  # the agent knows better: not filled in again by the next suggestions
    page.fill("#content", "望京西园社区3号楼楼道里堆满杂物，物业不管，已经一个月了")
    page.wait_for_function("(li => li && !li.dataset.seen)(document.querySelector('#suggest-place li'))")
    assert page.input_value("#division") == "" and "望京西园社区" in page.inner_text("#suggest-place")


def test_the_agent_sees_while_typing_that_a_request_is_sensitive_and_the_case_is_marked_when_registered(server, page):
    at_intake(page, server)
    page.fill("#content", "望京西园三区开发商拖欠我们二十多个工人工资，大家商量这周一起去政府讨说法")
    page.wait_for_selector("#suggest-sensitive p")
    assert "敏感诉求：群体性（一起去政府）" in page.inner_text("#suggest-sensitive")
    page.fill("#content", "望京西园三区楼道灯坏了")  # the caller calmed down: the panel follows the text
    page.wait_for_function("!document.querySelector('#suggest-sensitive p')")
    page.fill("#sensitive", "来电称明天几十名工人到区政府门口拉横幅")  # what was said but not typed
    page.select_option("#division", "WJ01")
    page.click("button[value=register]")
    page.wait_for_url(re.compile(r".*/cases/\d+$"))
    assert page.inner_text("#sensitive") == "来电称明天几十名工人到区政府门口拉横幅"
    assert page.is_visible("#sensitive-badge")


def test_the_agent_typing_a_fire_is_told_to_put_the_caller_through_to_119_and_hands_the_case_over(server, page):
    at_intake(page, server)
    assert not page.is_visible("#line")  # the 紧急热线联动 part stays folded for ordinary calls
    page.fill("#content", "望京西园三区5号楼楼道里着火了，烟很大")
    page.wait_for_selector("#suggest-urgency p.alarm")
    assert "请立即三方转接 119 火警" in page.inner_text("#suggest-urgency")
    assert page.is_visible("#line") and page.input_value("#line") == ""  # not chosen until the agent has called
    page.click("#fill-line")  # put through: the agent fills the line in
    assert page.input_value("#line") == "119"
    page.fill("#reference", "0231")
    page.select_option("#division", "WJ01")
    page.click("button[value=hand_over]")
    page.wait_for_url(re.compile(r".*/cases/\d+$"))
    assert "已转 119 火警（接警：0231）" in page.inner_text("#emergency-lines")
    assert "已转紧急热线" in page.inner_text("main")


def test_the_place_in_the_address_fills_in_the_division(server, page):
    at_intake(page, server)
    page.fill("#content", "楼道里堆满杂物，物业不管")
    page.fill("#address", "花家地社区5号楼")
    page.wait_for_function("document.getElementById('division').value === 'WJ02'")
    assert "提到「花家地社区」" in page.inner_text("#suggest-place")


def test_an_inquiry_is_answered_on_the_spot_from_the_knowledge_base(server, page):
    base = server
    login(page, base, "agent")
    page.wait_for_url(f"{base}/intake")
    page.fill("#phone", "13812345679")
    page.fill("#content", "家里暖气不热，想问一下应该找谁报修")
    page.wait_for_selector("#suggest-knowledge li button")
    assert "暖气不热怎么报修" in page.inner_text("#suggest-knowledge")
    page.click("#suggest-knowledge li button")
    assert page.input_value("#kind") == "inquiry" and "24 小时内上门" in page.input_value("#answer")
    page.screenshot(path=str(SHOTS / "11-knowledge.png"), full_page=True)
    page.click("button[value=answer]")
    page.wait_for_url(re.compile(r".*/cases/\d+$"))
    assert "已直接办结" in page.inner_text("body")
    page.goto(f"{base}/knowledge?q=暖气片不热")
    assert "暖气不热怎么报修" in page.inner_text("ol.knowledge")
    page.screenshot(path=str(SHOTS / "12-knowledge-page.png"), full_page=True)


def test_a_citizen_submits_from_a_phone_and_gets_a_ticket(server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server}/portal")
    page.fill("textarea[name=content]", "滨江路路灯一周不亮")
    page.fill("input[name=requester_phone]", "13900001111")
    page.screenshot(path=str(SHOTS / "6-portal-mobile.png"), full_page=True)
    page.click("button[type=submit]")
    assert re.fullmatch(r"\d{15}", page.inner_text("#ticket")) and len(page.inner_text("#code")) == 8


def test_a_citizen_sees_an_answer_while_typing_a_question(server, page):
    page.goto(f"{server}/portal")
    page.fill("textarea[name=content]", "请问家里暖气不热应该找谁报修")
    page.wait_for_selector("#answers:not([hidden])")
    assert "24 小时内上门" in page.inner_text("#answers")
    page.fill("textarea[name=content]", "滨江路路灯一周不亮")
    page.wait_for_selector("#answers[hidden]", state="attached")


def test_a_citizen_typing_an_emergency_is_told_to_call_and_it_is_taken_as_one(server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server}/portal")
    page.fill("textarea[name=content]", "我家楼道里燃气味很浓，好像漏气了")
    page.wait_for_selector("#emergency:not([hidden])")
    assert "燃气味" in page.inner_text("#emergency") and "119" in page.inner_text("#emergency")
    page.screenshot(path=str(SHOTS / "6b-portal-emergency.png"), full_page=True)
    page.fill("input[name=requester_phone]", "13900001112")
    page.click("button[type=submit]")
    assert "已按紧急件受理" in page.inner_text("#emergency") and re.fullmatch(r"\d{15}", page.inner_text("#ticket"))
    page.goto(f"{server}/portal")
    page.fill("textarea[name=content]", "我家楼道里燃气味很浓，好像漏气了")
    page.wait_for_selector("#emergency:not([hidden])")
    page.fill("textarea[name=content]", "楼下火锅店油烟太大")
    page.wait_for_selector("#emergency[hidden]", state="attached")


def test_the_dashboard_renders_its_charts_and_drills_down_from_the_map(tmp_path, page):
    import json
    from datetime import datetime

    from jiesu.bootstrap import App
    from jiesu.domain.calendar import SHANGHAI
    from jiesu.services import cases
    from jiesu.services.cases import Intake
    from jiesu.services.config_loader import load_config
    from jiesu.services.users import add_user
    from jiesu.settings import Settings
    from jiesu.storage.migrate import upgrade
    from tests.support import AGENT, CITY, live_server

    city = tmp_path / "city"
    shutil.copytree(CITY, city)
    square = [[116.40, 39.95], [116.50, 39.95], [116.50, 40.05], [116.40, 40.05], [116.40, 39.95]]
    (city / "boundaries.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "CY"}, "geometry": {"type": "Polygon", "coordinates": [square]}}]}),
        encoding="utf-8")
    app = App(Settings(database_url=f"sqlite:///{tmp_path / 'web.db'}", secret_key="browser-test",
                       analytics_path=str(tmp_path / "analytics.duckdb")))
    upgrade(app.engine)
    load_config(app, city, "test")
    add_user(app, "supervisor", "supervisor", "password-supervisor", None)
    case = cases.register(app, AGENT, Intake(content="望京西园小区楼下烧烤油烟扰民", category="WY1", division="WJ01"))
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith("http://127.0.0.1") else None)
    with live_server(app) as base:
        login(page, base, "supervisor")
        page.goto(f"{base}/dashboard?month={datetime.now(SHANGHAI):%Y-%m}")
        page.wait_for_selector(".js-plotly-plot .main-svg")
        assert page.locator(".js-plotly-plot").count() >= 7
        assert page.evaluate("typeof Plotly") == "object"
        page.screenshot(path=str(SHOTS / "7-dashboard.png"), full_page=True)
        area = page.locator("[data-chart=map] .js-plotly-plot .nsewdrag").first
        area.scroll_into_view_if_needed()
        box = area.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the middle of 朝阳区
        page.wait_for_url("**/cases?**")
        assert "area=CY" in page.url
        assert page.locator(f"a[href='/cases/{case.id}']").count() == 1
        assert "朝阳区" in page.inner_text(".chips")
        page.screenshot(path=str(SHOTS / "8-drill-down.png"), full_page=True)
        page.goto(f"{base}/dashboard?month={datetime.now(SHANGHAI):%Y-%m}")  # the weekday × hour cell of the case
        received = case.received_at.astimezone(SHANGHAI)
        grid = page.locator("[data-chart=hour_weekday] .js-plotly-plot .nsewdrag").first
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        page.mouse.click(box["x"] + box["width"] * (received.hour + 0.5) / 24,
                         box["y"] + box["height"] * (1 - (received.isoweekday() - 0.5) / 7))
        page.wait_for_url("**/cases?**")
        assert f"slot={received.isoweekday()}-{received.hour:02d}" in page.url
        assert page.locator(f"a[href='/cases/{case.id}']").count() == 1
        assert f"{received.hour} 时" in page.inner_text(".chips")
    assert outside == []  # charts, map and script all come from our own server


def test_the_issues_page_shows_the_grouping_in_progress_and_its_result(tmp_path, page, monkeypatch):
    import threading

    from jiesu.bootstrap import App
    from jiesu.issues import registry
    from jiesu.services import cases
    from jiesu.services.cases import Intake
    from jiesu.services.config_loader import load_config
    from jiesu.services.users import add_user
    from jiesu.settings import Settings
    from jiesu.storage.migrate import upgrade
    from tests.support import AGENT, CITY, live_server

    app = App(Settings(database_url=f"sqlite:///{tmp_path / 'web.db'}", secret_key="browser-test",
                       analytics_path=str(tmp_path / "analytics.duckdb")))
    upgrade(app.engine)
    load_config(app, CITY, "test")
    add_user(app, "dispatcher", "dispatcher", "password-dispatcher", None)
    for i in range(3):
        cases.register(app, AGENT, Intake(content=f"花家地社区北门搅拌站夜里噪音很大，灰尘污染严重{i}", category="ZS1",
                                          division="WJ02"))
    release = threading.Event()
    real_build = registry.build

    def slow_build(app_, *args, progress=None, **kwargs):  # holds at a known point until the page has shown it
        progress("聚类新工单", 1, 3)
        release.wait(10)
        return real_build(app_, *args, progress=progress, **kwargs)

    monkeypatch.setattr(registry, "build", slow_build)
    monkeypatch.setattr("jiesu.services.jobs.EVERY", 0.0)
    with live_server(app) as base:
        login(page, base, "dispatcher")
        page.goto(f"{base}/issues")
        page.click("text=归并新工单")
        page.wait_for_selector("#build-progress")  # at first it may still say 排队: the polling brings the stage
        page.wait_for_function("document.getElementById('build-count').textContent === '1/3'")
        assert "聚类新工单" in page.inner_text("#build-stage")
        assert page.locator("button:has-text('归并新工单')").is_disabled()
        page.screenshot(path=str(SHOTS / "9-issues-building.png"), full_page=True)
        release.set()
        page.wait_for_selector("text=上次归并", timeout=10_000)  # the page reloads itself when the job is done
        assert "1 个新问题" in page.inner_text("main") and page.locator("a[href='/issues/1']").count() >= 1
        page.screenshot(path=str(SHOTS / "10-issues-built.png"), full_page=True)


def test_a_handler_ticks_all_cases_waiting_and_signs_for_them_at_once(tmp_path, page):
    from jiesu.domain.workflow import Action
    from jiesu.services import cases
    from jiesu.services.cases import ActionInput, Intake
    from tests.support import AGENT, DISPATCHER, live_server

    app = make_city(tmp_path)
    tickets = []
    for text in ("望京西园三区楼道垃圾没人清理", "望京西园三区电梯坏了"):
        case = cases.register(app, AGENT, Intake(content=text, division="WJ01", category="WY1"))
        cases.perform(app, DISPATCHER, case.id, Action.DISPATCH, ActionInput(unit="WJ"))
        tickets.append(case.ticket)
    with live_server(app) as base:
        login(page, base, "wj")
        page.wait_for_url(f"{base}/inbox")
        page.check("#batch-sign input[data-select-all]")
        assert page.locator("#batch-sign input[name=pick]:checked").count() == 2
        page.click("#batch-sign button[type=submit]")
        page.wait_for_load_state()
        assert f"已签收 2 件：{tickets[0]}、{tickets[1]}" in page.inner_text(".flash")
        assert page.locator("#batch-sign").count() == 0  # nothing left to sign for
        page.screenshot(path=str(SHOTS / "15-batch-sign.png"), full_page=True)


def test_an_open_inbox_tells_of_a_new_emergency_without_reloading(tmp_path, page):
    from jiesu.domain.workflow import Action
    from jiesu.services import cases
    from jiesu.services.cases import ActionInput, Intake
    from tests.support import AGENT, DISPATCHER, live_server

    app = make_city(tmp_path)
    with live_server(app) as base:
        page.clock.install()  # the half-minute wait of the page's script, run at once
        login(page, base, "wj")
        page.wait_for_url(f"{base}/inbox")
        assert page.locator("#pulse").is_hidden()
        case = cases.register(app, AGENT, Intake(content="望京西园三区楼道里燃气泄漏，味道很大", division="WJ01",
                                                 category="WY1", urgency="紧急"))
        cases.perform(app, DISPATCHER, case.id, Action.DISPATCH, ActionInput(unit="WJ"))
        page.clock.run_for(31_000)
        page.wait_for_selector("#pulse:not([hidden])")
        assert page.inner_text("#pulse .pulse-text") == "新到 1 件工单（其中紧急 1 件），刷新页面查看。"
        assert page.title().startswith("(1) ")
        page.screenshot(path=str(SHOTS / "16-new-work.png"))
        page.click("#pulse button")
        page.wait_for_load_state()
        assert case.ticket in page.inner_text("section.card")  # reloaded: the case is listed, the notice gone
        assert page.locator("#pulse").is_hidden()


def loaded_images(page, selector: str) -> list[int]:
    """The natural widths of the pictures under `selector`, once each has loaded (0: it did not load)."""
    page.wait_for_function(f"[...document.querySelectorAll('{selector} img')].every(i => i.complete)")
    return page.eval_on_selector_all(f"{selector} img", "imgs => imgs.map(i => i.naturalWidth)")


def test_photos_go_from_the_citizen_to_the_unit_and_the_units_back_to_the_citizen(server, page):
    from tests.support import png

    base = server
    page.goto(f"{base}/portal")
    page.fill("textarea[name=content]", "望京西园三区楼道堆满杂物，物业不清理")
    page.fill("input[name=requester_phone]", "13900001111")
    page.set_input_files("input[name=photos]", [
        {"name": "before-1.png", "mimeType": "image/png", "buffer": png((190, 70, 50), 160, 120)},
        {"name": "before-2.png", "mimeType": "image/png", "buffer": png((210, 160, 40), 160, 120)}])
    page.click("button[type=submit]")
    ticket, code = page.inner_text("#ticket"), page.inner_text("#code")

    login(page, base, "dispatcher")
    page.goto(f"{base}/cases?q={ticket}")
    page.click(f"text={ticket}")
    assert loaded_images(page, "#request-photos") == [160, 160]
    act(page, "reclassify", category="WY1", reason="物业管理")
    act(page, "dispatch", unit="WJ")
    case_url = page.url
    logout(page)

    login(page, base, "wj")
    page.goto(case_url)
    act(page, "acknowledge")
    details = page.locator("details:has(input[name=action][value=resolve])")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    page.set_input_files("form:has(input[name=action][value=resolve]) input[name=photos]", [
        {"name": "after.png", "mimeType": "image/png", "buffer": png((60, 150, 80), 160, 120)}])
    act(page, "resolve", reply="已督促物业清理楼道杂物")
    assert "办结待审核" in page.inner_text("body")
    assert loaded_images(page, "ol.timeline") == [160]  # the reply's, in its step
    page.screenshot(path=str(SHOTS / "11-case-photos.png"), full_page=True)
    logout(page)

    page.goto(f"{base}/portal/track?ticket={ticket}")
    page.fill("input[name=code]", code)
    page.click("button[type=submit]")
    assert "您提交的照片" in page.inner_text("body") and "办理结果照片" in page.inner_text("body")
    assert loaded_images(page, "section") == [160, 160, 160]
    page.screenshot(path=str(SHOTS / "12-track-photos.png"), full_page=True)


def test_a_camera_sized_photo_is_scaled_down_in_the_browser_before_it_is_sent(server, page):
    from tests.support import png

    camera = png(None, 2400, 1800)  # about 13 MB: more than a photo may be
    base = server
    page.goto(f"{base}/portal")
    page.fill("textarea[name=content]", "滨江路人行道地砖大面积松动")
    page.fill("input[name=requester_phone]", "13900001111")
    page.set_input_files("input[name=photos]", [{"name": "IMG_0001.png", "mimeType": "image/png", "buffer": camera}])
    page.wait_for_function("document.querySelector('.photo-status').textContent.startsWith('已选')")
    assert page.eval_on_selector("input[name=photos]", "i => [i.files[0].type, i.files[0].size < 5 * 1024 * 1024]") \
        == ["image/jpeg", True]
    page.click("button[type=submit]")
    ticket = page.inner_text("#ticket")
    login(page, base, "dispatcher")
    page.goto(f"{base}/cases?q={ticket}")
    page.click(f"text={ticket}")
    assert loaded_images(page, "#request-photos") == [1600]  # the longest side, scaled from 2,400

    page.goto(f"{base}/portal")
    page.set_input_files("input[name=photos]", [{"name": f"{i}.png", "mimeType": "image/png", "buffer": png()}
                                                for i in range(6)])
    assert "最多 5 张" in page.eval_on_selector("input[name=photos]", "i => i.validationMessage")


def test_a_citizen_sends_their_position_and_the_case_lands_in_their_community(tmp_path, page):
    from sqlalchemy import select

    from jiesu.storage import tables as t
    from tests.integration.test_locating import with_boundaries
    from tests.support import live_server

    app = make_city(tmp_path)
    with_boundaries(app, tmp_path)  # 望京西园社区 outlined
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 39.99, "longitude": 116.41, "accuracy": 20})
    with live_server(app) as base:
        page.goto(f"{base}/portal")
        page.fill("textarea[name=content]", "路口的井盖丢了，晚上很危险")
        page.fill("input[name=requester_phone]", "13900001111")
        page.click("#locate")
        page.wait_for_function("document.getElementById('located').textContent.startsWith('已附上位置')")
        page.screenshot(path=str(SHOTS / "13-portal-position.png"), full_page=True)
        page.click("button[type=submit]")
        ticket = page.inner_text("#ticket")
    with app.engine.connect() as c:
        placed = c.execute(select(t.requests.c.division, t.requests.c.lat).where(t.requests.c.ticket == ticket)).one()
    assert placed.division == "WJ01" and abs(placed.lat - 39.99) < 1e-6


def test_a_case_prints_as_its_sheet_without_the_menus_and_forms(tmp_path, page):
    from jiesu.services import cases
    from jiesu.services.cases import Intake
    from tests.support import AGENT, live_server

    app = make_city(tmp_path)
    case = cases.register(app, AGENT, Intake(content="望京西园三区楼道垃圾一周没人清理", requester_phone="13812345678",
                                             division="WJ01", category="WY1"))
    with live_server(app) as base:
        login(page, base, "dispatcher")
        page.goto(f"{base}/cases/{case.id}")
        assert page.is_visible("button[data-print]") and page.is_visible("aside")
        page.emulate_media(media="print")
        assert not page.is_visible("aside") and not page.is_visible("header.top")
        assert page.is_visible("ol.timeline") and "12345 工单" in page.inner_text("main")
        assert "138****5678" in page.inner_text("main")  # printed as shown: masked
        page.screenshot(path=str(SHOTS / "14-case-print.png"), full_page=True)


def test_a_photo_stripped_of_its_camera_data_still_shows_and_stays_upright(page):
    import base64
    import struct

    from jiesu.services.image_metadata import without_metadata
    from tests.unit.test_image_metadata import exif

    page.set_content('<div style="width:40px;height:20px;background:#c0392b"></div>')
    picture = page.screenshot(type="jpeg", clip={"x": 0, "y": 0, "width": 40, "height": 20})  # a real JPEG
    payload = exif(6, "张三", ">")  # taken with the phone turned: shown turned a quarter, 20 × 40
    camera = picture[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + picture[2:]
    clean = without_metadata(camera, "image/jpeg")
    assert "张三".encode() in camera and "张三".encode() not in clean

    def shown(data: bytes) -> list[int]:
        page.set_content(f'<img src="data:image/jpeg;base64,{base64.b64encode(data).decode()}">')
        page.wait_for_function("document.querySelector('img').complete")
        return page.eval_on_selector("img", "i => [i.naturalWidth, i.naturalHeight]")

    assert shown(picture) == [40, 20]
    assert shown(camera) == shown(clean) == [20, 40]


def test_a_handler_puts_an_earlier_satisfied_reply_into_the_reply_box(tmp_path, page):
    from jiesu.domain.workflow import Action
    from jiesu.services import cases
    from jiesu.services.cases import ActionInput, Intake
    from tests.support import AGENT, DISPATCHER, SUPERVISOR, WJ_HANDLER, live_server

    app = make_city(tmp_path)
    earlier = cases.register(app, AGENT, Intake(content="望京西园三区物业不清理楼道垃圾", division="WJ01",
                                                category="WY1")).id
    for actor, action, params in [(DISPATCHER, Action.DISPATCH, {"unit": "WJ"}), (WJ_HANDLER, Action.ACKNOWLEDGE, {}),
                                  (WJ_HANDLER, Action.RESOLVE, {"reply": "已约谈物业，楼道垃圾当天清运完毕"}),
                                  (DISPATCHER, Action.ACCEPT_REPLY, {}),
                                  (SUPERVISOR, Action.FOLLOW_UP, {"solved": True, "satisfaction": "satisfied"})]:
        cases.perform(app, actor, earlier, action, ActionInput(**params))
    now = cases.register(app, AGENT, Intake(content="望京西园三区5号楼楼道垃圾没人清理", division="WJ01",
                                            category="WY1")).id
    cases.perform(app, DISPATCHER, now, Action.DISPATCH, ActionInput(unit="WJ"))
    cases.perform(app, WJ_HANDLER, now, Action.ACKNOWLEDGE, ActionInput())
    with live_server(app) as base:
        login(page, base, "wj")
        page.goto(f"{base}/cases/{now}")
        page.locator("details:has(input[name=action][value=resolve]) summary").click()
        box = page.locator("details:has(input[name=action][value=resolve]) textarea[name=reply]")
        box.fill("正在写的答复")
        page.click("#reply-references button")  # asks before replacing what is written; dismissed: kept
        assert box.input_value() == "正在写的答复"
        box.fill("")
        page.click("#reply-references button")
        assert box.input_value() == "已约谈物业，楼道垃圾当天清运完毕"
        page.screenshot(path=str(SHOTS / "15-reply-references.png"), full_page=True)


def test_a_citizen_answers_a_topic_on_a_phone_and_the_supervisor_reads_the_suggestions(tmp_path, page):
    from jiesu.services import topics
    from tests.support import live_server

    app = make_city(tmp_path)
    topic_id = topics.add(app, "test", "老旧小区加装电梯", "请就加装电梯的费用分摊提出建议。",
                          app.today().replace(year=app.today().year + 1), "ZJW", "WY2")
    with live_server(app) as base:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}/portal")
        page.click("#topics a")
        assert "人民建议征集：老旧小区加装电梯" in page.inner_text("h1")
        page.fill("#content", "建议一楼住户不分摊费用，二楼以上按楼层递增")
        page.fill("input[name=requester_phone]", "13812345678")
        page.screenshot(path=str(SHOTS / "16-topic-portal.png"), full_page=True)
        page.click("button[type=submit]")
        ticket = page.inner_text("#ticket")
        page.set_viewport_size({"width": 1280, "height": 900})
        login(page, base, "supervisor")
        page.goto(f"{base}/topics")
        page.click(f"a[href='/cases?topic={topic_id}']")
        assert ticket in page.inner_text("body") and "征集主题：老旧小区加装电梯" in page.inner_text(".chips")
        page.screenshot(path=str(SHOTS / "17-topic-cases.png"), full_page=True)
        logout(page)
        login(page, base, "agent")  # a citizen calls with a suggestion to the topic
        page.wait_for_url(f"{base}/intake")
        page.select_option("#topic", str(topic_id))
        assert page.input_value("#kind") == "suggestion"
        page.select_option("#division", "WJ01")
        page.fill("#content", "建议加装电梯的费用按楼层分摊，一楼住户不出钱")
        page.wait_for_function("document.getElementById('unit').value === 'ZJW'")  # the department asking
        assert "区住建委：征集主题「老旧小区加装电梯」的征集部门" in page.inner_text("#suggest-units")
        page.click("button[value=dispatch]")
        assert "已受理并派单" in page.inner_text("body") and "老旧小区加装电梯" in page.inner_text("#topic")


def city_with_a_case_at_wj(tmp_path, *handlers: tuple[str, str]):
    """The fixture city with these handlers (name, unit) too, and a case of 望京西园社区 dispatched to 望京街道."""
    from jiesu.domain.workflow import Action
    from jiesu.services import cases
    from jiesu.services.cases import ActionInput, Intake
    from jiesu.services.users import add_user
    from tests.support import AGENT, DISPATCHER

    app = make_city(tmp_path)
    for name, unit in handlers:
        add_user(app, name, "handler", "password-" + name, unit)
    case = cases.register(app, AGENT, Intake(content="望京西园三区楼道垃圾没人清理", division="WJ01", category="WY1",
                                             requester_phone="13812345678"))
    cases.perform(app, DISPATCHER, case.id, Action.DISPATCH, ActionInput(unit="WJ"))
    return app, case


def test_a_district_office_finds_its_subdistricts_case_and_supervises_it(tmp_path, page):
    from tests.support import live_server

    app, case = city_with_a_case_at_wj(tmp_path, ("cy", "CY"))
    with live_server(app) as base:
        login(page, base, "cy")
        page.wait_for_url(f"{base}/inbox")
        assert "辖区超期未办结" not in page.inner_text("main")  # nothing late under it: no such list
        page.goto(f"{base}/cases")
        page.select_option("select[name=scope]", "area")
        page.click("form[action='/cases'] button[type=submit]")
        page.wait_for_url(re.compile(r".*/cases\?.*scope=area"))
        assert page.locator("select[name=scope]").input_value() == "area"
        page.click(f"text={case.ticket}")
        page.wait_for_url(f"{base}/cases/{case.id}")
        assert "可以查看和督办" in page.inner_text("#overseeing")
        assert page.locator("details.action summary").all_inner_texts() == ["督办"]  # no step of the unit's
        page.click("details.action summary")
        page.fill("details.action textarea[name=reason]", "区接诉即办办公室：请今日内签收并联系诉求人")
        page.click("details.action button[type=submit]")
        page.wait_for_load_state()
        assert "督办时限" in page.inner_text("main") and "区接诉即办办公室" in page.inner_text("main")
        assert "13812345678" not in page.content() and page.locator("text=查看完整信息").count() == 0
        page.screenshot(path=str(SHOTS / "18-area-case.png"), full_page=True)


def test_a_subdistrict_hands_a_case_down_gets_the_communitys_report_from_a_phone_and_gives_it_to_a_colleague(
        tmp_path, page):
    from tests.support import live_server, png

    app, case = city_with_a_case_at_wj(tmp_path, ("wj01", "WJ01"), ("li", "WJ"))
    with live_server(app) as base:
        login(page, base, "wj")
        page.goto(f"{base}/cases/{case.id}")
        act(page, "acknowledge")
        act(page, "delegate", unit="WJ01", reason="请网格员上门核实")
        assert "望京西园社区" in page.inner_text("#co-handling") and "未反馈" in page.inner_text("#co-handling")
        act(page, "assign_owner", owner="li")
        assert "承办人员 li" in page.inner_text("#owner")
        logout(page)

        phone = page.context.browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                                 locale="zh-CN")  # the 社区's 网格员, on a phone
        grid = phone.new_page()
        login(grid, base, "wj01")
        grid.wait_for_url(f"{base}/inbox")
        assert case.ticket in grid.inner_text("main")  # 上级下派, 协办待反馈
        grid.click(f"text={case.ticket} >> nth=0")
        grid.wait_for_url(f"{base}/cases/{case.id}")
        grid.set_input_files("form:has(input[name=action][value=report_back]) input[name=photos]", [
            {"name": "done.png", "mimeType": "image/png", "buffer": png((60, 150, 80), 160, 120)}])
        act(grid, "report_back", note="网格员已上门，楼道垃圾已清运")
        assert "协办反馈" in grid.inner_text("ol.timeline") and "已反馈" in grid.inner_text("#co-handling")
        assert loaded_images(grid, "ol.timeline") == [160]
        grid.screenshot(path=str(SHOTS / "19-community-report-phone.png"), full_page=True)
        phone.close()

        login(page, base, "li")
        page.wait_for_url(f"{base}/inbox")
        main = page.inner_text("main")
        assert "分办给我（24 小时内）" in main and "协办已反馈（待主办答复）" in main and case.ticket in main
        page.click("#owner-filter >> text=我承办的")
        page.wait_for_url(f"{base}/inbox?who=mine")
        assert case.ticket in page.inner_text("main")
        page.screenshot(path=str(SHOTS / "20-given-inbox.png"), full_page=True)


def test_a_citizen_typing_sees_how_a_unit_answered_a_published_case_like_it(tmp_path, page):
    from jiesu.domain.enums import Satisfaction
    from jiesu.domain.workflow import Action
    from jiesu.services import cases, publication
    from jiesu.services.cases import ActionInput
    from tests.support import AGENT, DISPATCHER, live_server
    from tests.support import WJ_HANDLER as WJ

    app, case = city_with_a_case_at_wj(tmp_path)
    with app.engine.begin() as connection:  # its requester agreed when it was taken
        publication.consent(connection, case.id, app.now())
    for actor, action, given in [(WJ, Action.ACKNOWLEDGE, ActionInput()),
                                 (WJ, Action.RESOLVE, ActionInput(reply="已督促物业清理楼道杂物")),
                                 (DISPATCHER, Action.ACCEPT_REPLY, ActionInput()),
                                 (AGENT, Action.FOLLOW_UP, ActionInput(solved=True,
                                                                       satisfaction=Satisfaction.SATISFIED.value))]:
        cases.perform(app, actor, case.id, action, given)
    publication.approve(app, "supervisor", case.id)
    with live_server(app) as base:
        page.goto(f"{base}/portal")
        page.fill("textarea[name=content]", "我们楼道里的垃圾好几天没人清理了")
        page.wait_for_selector("#similar:not([hidden])")
        assert "望京街道答复" in page.inner_text("#similar") and "已督促物业清理楼道杂物" in page.inner_text("#similar")
        page.screenshot(path=str(SHOTS / "21-portal-similar.png"), full_page=True)
        page.fill("textarea[name=content]", "公交车站台破损需要维修")
        page.wait_for_selector("#similar[hidden]", state="attached")


def test_a_unit_enters_its_night_shift_and_the_centre_sees_who_to_call(server, page):
    """值班表 in the browser: the datetime fields as Chromium posts them, the shift listed, the agent's view."""
    login(page, server, "wj")
    page.click("nav a[href='/duty']")
    page.fill("input[name=starts_at]", "2030-01-31T18:00")
    page.fill("input[name=ends_at]", "2030-02-01T09:00")
    page.fill("input[name=name]", "夜班 李明")
    page.fill("input[name=phone]", "139 0000 0012")
    page.click("#add-shift button[type=submit]")
    page.wait_for_selector(".flash")
    row = page.locator("#shifts tbody tr").first.inner_text()
    assert "2030-01-31 18:00" in row and "2030-02-01 09:00" in row and "13900000012" in row
    page.fill("input[name=starts_at]", "2030-02-01T09:00")
    page.fill("input[name=ends_at]", "2030-02-01T08:00")
    page.fill("input[name=name]", "白班 王芳")
    page.fill("input[name=phone]", "13900000011")
    page.click("#add-shift button[type=submit]")
    assert "结束时间应晚于开始时间" in page.locator(".error").inner_text()
    assert page.input_value("input[name=name]") == "白班 王芳"  # kept, to correct
    page.screenshot(path=str(SHOTS / "duty-unit.png"), full_page=True)
    logout(page)
    login(page, server, "agent")
    page.goto(f"{server}/duty")
    page.select_option("select[name=unit]", "WJ")
    page.click("form[action='/duty'][method=get] button")
    assert "夜班 李明" in page.locator("#shifts").inner_text() and "13900000001" in page.locator(".hint").inner_text()
    assert page.locator("#add-shift").count() == 0  # an agent reads, keeps none


def test_an_agent_calls_back_a_caller_who_gave_up_and_registers_what_they_called_about(tmp_path, page):
    """呼损回拨 in the browser: the caller listed masked, 回拨 opens the intake with the number (not in the address),
    and once their case is registered they leave the list."""
    from datetime import timedelta

    from jiesu.services import calls
    from tests.support import live_server

    app = make_city(tmp_path)
    now = app.now()
    calls.receive(app, [{"ref": "Q-1", "caller": "13900000021", "offered_at": now - timedelta(minutes=30),
                         "answered_at": None, "ended_at": now - timedelta(minutes=29), "agent": None}], "话务系统")
    with live_server(app) as base:
        login(page, base, "agent")
        page.goto(f"{base}/callbacks")
        listed = page.inner_text("#missed-calls")
        assert "139****0021" in listed and "13900000021" not in listed
        page.click("#missed-calls button")
        page.wait_for_url(re.compile(r".*/intake\?callback=\d+$"))  # the call, not the number, in the address
        assert page.input_value("#phone") == "13900000021"
        page.fill("#content", "刚才打进来没人接，想反映小区门口的路灯坏了一个星期")
        page.select_option("#division", "WJ01")
        page.click("button[value=register]")
        page.wait_for_url(re.compile(r".*/cases/\d+$"))
        page.goto(f"{base}/callbacks")
        assert page.locator("#missed-calls").count() == 0  # through now: nobody left to call back
