"""The audit trail read back: filters by account, action (or a family of actions), object and Beijing days,
newest first, paged; the CSV export is safe to open in a spreadsheet and is itself recorded."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from jiesu.domain.errors import InvalidInput
from jiesu.services import audit, users


def seed(app, clock) -> None:
    users.add_user(app, "li", "agent", "p" * 9, by="管理员甲")  # 2026-11-23 09:30 Beijing
    clock.advance(hours=15)  # 00:30 on the 24th in Beijing, still the 23rd in UTC
    users.set_active(app, "li", False, by="管理员乙")
    clock.advance(days=1)
    users.add_user(app, "=SUM(A1)", "analyst", "p" * 9, by="管理员甲")
    users.set_password(app, "li", "q" * 9, by="管理员甲")


def actions(found) -> list[str]:
    return [e.action for e in found]


def test_the_trail_is_filtered_by_account_action_family_object_and_beijing_day(app, clock):
    seed(app, clock)
    found, total = audit.entries(app, audit.AuditQuery())
    assert total == 4 and actions(found) == ["user.password", "user.add", "user.disable", "user.add"]  # newest first
    assert found[2].label == "停用账号" and found[2].actor == "管理员乙" and found[2].target == "li"
    assert actions(audit.entries(app, audit.AuditQuery(actor="管理员乙"))[0]) == ["user.disable"]
    assert audit.entries(app, audit.AuditQuery(action="user"))[1] == 4  # a family: every account action
    assert audit.entries(app, audit.AuditQuery(action="user."))[1] == 4
    assert actions(audit.entries(app, audit.AuditQuery(action="user.add"))[0]) == ["user.add", "user.add"]
    assert audit.entries(app, audit.AuditQuery(action="us"))[1] == 0  # not a bare text prefix
    assert audit.entries(app, audit.AuditQuery(target="li"))[1] == 3
    assert audit.entries(app, audit.AuditQuery(target="%"))[1] == 0  # the wildcard is a character, not a pattern
    on_24th = audit.entries(app, audit.AuditQuery(since=date(2026, 11, 24), until=date(2026, 11, 24)))[0]
    assert actions(on_24th) == ["user.disable"]  # Beijing's day, not UTC's
    page_two, total = audit.entries(app, audit.AuditQuery(limit=3, offset=3))
    assert total == 4 and actions(page_two) == ["user.add"]


@pytest.mark.parametrize("fields, field", [({"since": date(2026, 11, 25), "until": date(2026, 11, 24)}, "since"),
                                           ({"limit": 0}, "limit"), ({"offset": -1}, "offset")])
def test_a_bad_query_names_its_field(fields, field):
    with pytest.raises(InvalidInput) as error:
        audit.AuditQuery(**fields)
    assert error.value.field == field


def test_the_export_holds_every_match_cannot_run_as_a_formula_and_is_recorded(app, clock, monkeypatch):
    seed(app, clock)
    monkeypatch.setattr(audit, "EXPORT_PAGE", 1)  # read a line at a time: every page is written
    rows = list(csv.reader(io.StringIO(audit.export_csv(app, audit.AuditQuery(action="user.add", limit=1), "审计员"))))
    assert rows[0][:3] == ["时间（北京）", "操作人", "操作"] and len(rows) == 3  # every match, not one page
    assert rows[1][4] == "'=SUM(A1)"  # quoted: a spreadsheet shows it, never runs it
    [export], _ = audit.entries(app, audit.AuditQuery(action="audit.export"))
    assert export.actor == "审计员" and export.target == "2 条" and export.detail["action"] == "user.add"


def test_an_account_looking_at_far_more_personal_data_than_the_others_is_flagged(app, clock, monkeypatch):
    from jiesu.storage import tables as t

    def reveals(actor: str, n: int, days_ago: int = 0) -> None:
        with app.engine.begin() as c:
            for i in range(n):
                audit.record(c, clock.now.replace(day=clock.now.day - days_ago), actor, "personal_data.reveal",
                             f"诉求 {i % 40}")

    reveals("坐席甲", 12)
    reveals("坐席乙", 9)
    reveals("承办人丙", 14)
    reveals("坐席丁", 120)  # 40 cases, three times each
    reveals("坐席戊", 500, days_ago=8)  # outside the week
    found = audit.reveals_by_account(app)
    assert [(r.actor, r.reveals, r.cases, r.unusual) for r in found] == [
        ("坐席丁", 120, 40, True), ("承办人丙", 14, 14, False), ("坐席甲", 12, 12, False), ("坐席乙", 9, 9, False)]
    monkeypatch.setattr(audit, "UNUSUAL_FLOOR", 500)  # below the floor nobody is flagged
    assert not any(r.unusual for r in audit.reveals_by_account(app))
    with app.engine.begin() as c:
        c.execute(t.audit_log.delete())
    assert audit.reveals_by_account(app) == []
