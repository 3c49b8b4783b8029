"""Staff sign-in: every attempt in the audit trail, and 登录失败处理 — five wrong passwords within 15 minutes lock
the name for the rest of those 15 minutes, the right password included, until an administrator unlocks it."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jiesu.api.app import create_app
from jiesu.services import audit
from jiesu.services.users import add_user


@pytest.fixture
def web(app):
    add_user(app, "wang", "handler", "password-wang", "WJ")
    add_user(app, "root", "admin", "password-root")
    return TestClient(create_app(app, track_per_minute=1000))


def attempt(web, name: str, password: str):
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', web.get("/login").text).group(1)
    return web.post("/login", data={"name": name, "password": password, "csrf_token": csrf, "next": "/"},
                    follow_redirects=False)


def trail(app, action: str) -> list:
    return audit.entries(app, audit.AuditQuery(action=action))[0]


def test_five_wrong_passwords_lock_the_name_for_fifteen_minutes_even_to_the_right_one(web, app, clock):
    for _ in range(4):
        assert attempt(web, "wang", "guess").status_code == 400
        clock.advance(minutes=1)
    assert attempt(web, "wang", "password-wang").status_code == 303  # a success starts the count again
    answers = [attempt(web, "wang", "guess") for _ in range(5)]
    assert [a.status_code for a in answers] == [400] * 4 + [429]  # the fifth locks, and says so
    assert "已锁定至" in answers[-1].text and "联系管理员解锁" in answers[-1].text
    refused = attempt(web, "wang", "password-wang")
    assert refused.status_code == 429 and "已锁定至" in refused.text
    assert len(trail(app, "user.login_failed")) == 9 and len(trail(app, "user.login_refused")) == 1
    assert len(trail(app, "user.login")) == 1
    failed = trail(app, "user.login_failed")[0]
    assert failed.target == "wang" and failed.actor == "未登录" and failed.detail["client"] == "testclient"
    clock.advance(minutes=14)
    assert attempt(web, "wang", "password-wang").status_code == 429
    clock.advance(minutes=1, seconds=1)
    assert attempt(web, "wang", "password-wang").status_code == 303


def test_a_name_without_an_account_locks_alike_so_the_answer_never_tells_who_exists(web):
    answers = [attempt(web, name, "guess") for name in ("nobody",) * 6]
    wang = [attempt(web, "wang", "guess") for _ in range(6)]
    assert [a.status_code for a in answers] == [a.status_code for a in wang] == [400] * 4 + [429] * 2
    assert answers[-1].text.replace("nobody", "wang") == wang[-1].text


def test_the_administrator_sees_a_locked_account_and_unlocks_it(web, app):
    for _ in range(5):
        attempt(web, "wang", "guess")
    assert attempt(web, "root", "password-root").status_code == 303
    page = web.get("/admin/users").text
    assert "密码连续错误，锁定至" in page and 'action="/admin/users/wang/unlock"' in page
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    web.post("/admin/users/wang/unlock", data={"csrf_token": csrf})
    assert "锁定至" not in web.get("/admin/users").text
    assert trail(app, "user.unlock")[0].actor == "root"
    web.post("/logout", data={"csrf_token": csrf})
    assert attempt(web, "wang", "password-wang").status_code == 303


def test_the_command_line_unlocks_an_account(web, app, monkeypatch, tmp_path):
    from jiesu.cli import common
    from jiesu.cli.main import app as cli

    for _ in range(5):
        attempt(web, "wang", "guess")
    monkeypatch.setattr(common, "ready_app", lambda: app)
    monkeypatch.setattr("jiesu.cli.users.ready_app", lambda: app)
    result = CliRunner().invoke(cli, ["user", "unlock", "wang"])
    assert result.exit_code == 0 and "已解锁用户 wang" in result.output
    assert attempt(web, "wang", "password-wang").status_code == 303
    missing = CliRunner().invoke(cli, ["user", "unlock", "nobody"])
    assert missing.exit_code != 0 and "不存在" in missing.output
