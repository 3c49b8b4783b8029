"""Replacing the secret that encrypts personal data: while the old secret is still configured beside the new one,
old cases open and a caller's earlier cases are found by phone; `rotate` re-encrypts them all, batch by batch
with an audit line each; afterwards the new secret alone opens everything; a secret that opens nothing is found
before a server starts."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from jiesu.bootstrap import App
from jiesu.domain.enums import Role
from jiesu.domain.errors import ConflictError
from jiesu.services import audit, cases, intake, notifications, photos, secret_rotation
from jiesu.services.cases import Intake
from jiesu.services.users import Principal
from jiesu.storage import tables as t
from tests.support import AGENT, png

PHONE = "13812345678"


def with_secret(app: App, secret: str, old: str = "") -> App:
    return App(app.settings.model_copy(update={"secret_key": secret, "old_secret_keys": old}), clock=app.clock)


def register(app: App, name: str = "张三", phone: str = PHONE) -> int:
    return cases.register(app, AGENT, Intake(content="楼道堆物无人清理", kind="投诉", requester_name=name,
                                             requester_phone=phone, division="WJ01", category="WY1")).id


def stored(app: App, request_id: int):
    with app.engine.connect() as c:
        return c.execute(select(t.requests).where(t.requests.c.id == request_id)).one()


def test_rotation_moves_every_case_to_the_new_secret(app, monkeypatch):
    monkeypatch.setattr(secret_rotation, "BATCH", 2)
    old_ids = [register(app, name=f"市民{i}", phone=f"1391234567{i}") for i in range(3)] + [register(app)]
    rotating = with_secret(app, "new-secret", old="test-secret")
    new_id = register(rotating)  # while rotating: new cases under the new secret
    assert cases.show(rotating, old_ids[0]).requester.name == "市民0"  # old ones still open
    with rotating.uow(read_only=True) as uow:  # and the caller's earlier case is found by phone (old hash)
        assert [x["id"] for x in intake.recent_by_requester(rotating, uow, PHONE)] == [new_id, old_ids[3]]
    before = secret_rotation.survey(rotating)  # five cases, each with its 受理 text message
    assert (before.rows, before.current, before.old, before.unreadable) == (10, 2, 8, [])

    done = secret_rotation.rotate(rotating, "管理员甲")
    assert (done.scanned, done.rotated, done.batches) == (10, 8, 4)
    assert stored(rotating, old_ids[0]).requester_key == rotating.cipher.lookup_key("13912345670")
    assert secret_rotation.rotate(rotating, "管理员甲").rotated == 0  # nothing done twice
    lines, _ = audit.entries(app, audit.AuditQuery(action="secret"))
    assert sorted(line.target for line in lines) == ["短信 1–2", "短信 3–4", "诉求 1–2", "诉求 3–4"]
    assert {line.detail["rows"] for line in lines} == {2} and {line.actor for line in lines} == {"管理员甲"}

    after = with_secret(app, "new-secret")  # the old secret removed
    assert secret_rotation.survey(after).current == 10
    with after.engine.connect() as c:
        told = [notifications.text_of(after, c, i)[1] for i in c.execute(select(t.notifications.c.id)).scalars()]
    assert len(told) == 5 and all("已受理" in text and "查询码" in text for text in told)
    assert [cases.show(after, i).requester.name for i in old_ids] == ["市民0", "市民1", "市民2", "张三"]
    with after.uow(read_only=True) as uow:
        assert [x["id"] for x in intake.recent_by_requester(after, uow, PHONE)] == [new_id, old_ids[3]]
    assert secret_rotation.unreadable_recent(after) == []
    assert secret_rotation.unreadable_recent(app) == [new_id, *reversed(old_ids)]  # the old secret alone: nothing


def test_a_case_under_an_unknown_secret_stops_the_rotation_naming_it(app):
    first = register(app)
    stranger = register(with_secret(app, "some-other-secret"))
    rotating = with_secret(app, "new-secret", old="test-secret")
    assert secret_rotation.survey(rotating).unreadable == [f"诉求 {stranger}", "短信 2"]
    with pytest.raises(ConflictError) as error:
        secret_rotation.rotate(rotating, "管理员甲")
    assert error.value.field == "JIESU_OLD_SECRET_KEYS" and str(stranger) in error.value.message
    assert cases.show(app, first).requester.phone == PHONE  # the batch rolled back: still under the old secret
    assert audit.entries(app, audit.AuditQuery(action="secret"))[0] == []


def test_photos_move_to_the_new_secret_and_one_stored_in_the_clear_is_encrypted(app):
    agent = Principal(AGENT.name, Role.AGENT)
    sealed = intake.register(app, agent, Intake(content="井盖缺失", division="WJ01", category="WY1"),
                             photos=[png((1, 2, 3))], media_url="https://example.org/p.jpg")[0].id
    legacy = intake.register(app, agent, Intake(content="井盖缺失", division="WJ01", category="WY1"))[0].id
    with app.engine.begin() as c:  # as photos were stored before schema 0015: in the clear
        c.execute(insert(t.attachments).values(request_id=legacy, event_seq=1, content_type="image/png",
                                               size=len(png((4, 5, 6))), data=png((4, 5, 6)), created_at=app.now()))
    rotating = with_secret(app, "new-secret", old="test-secret")
    before = secret_rotation.survey(rotating)  # two cases with no personal data: the photos only
    assert (before.rows, before.current, before.old, before.unreadable) == (2, 0, 2, [])

    assert secret_rotation.rotate(rotating, "管理员甲").rotated == 2
    after = with_secret(app, "new-secret")
    assert secret_rotation.survey(after).current == 2
    with after.engine.connect() as c:
        rows = c.execute(select(t.attachments).order_by(t.attachments.c.id)).all()
        opened = [photos.read(c, after.cipher, legacy, rows[2].id)[0], photos.read(c, after.cipher, sealed, rows[0].id)[0]]
    assert opened == [png((4, 5, 6)), png((1, 2, 3))]
    assert not any(bytes(r.data).startswith(b"\x89PNG") for r in rows if r.content_type == "image/png")
    assert bytes(rows[1].data) == b"https://example.org/p.jpg"  # the address is not personal data: left as given
    lines, _ = audit.entries(app, audit.AuditQuery(action="secret"))
    assert [line.target for line in lines] == [f"照片 {rows[0].id}–{rows[2].id}"]


def test_the_rosters_mobiles_move_to_the_new_secret_too(app, clock):
    from datetime import timedelta

    from jiesu.services import duty_roster

    keeper = Principal("督办王", Role.SUPERVISOR)
    duty_roster.add(app, keeper, "WJ", clock(), clock() + timedelta(hours=12), "张值班", "13900000003")
    rotating = with_secret(app, "new-secret", old="test-secret")
    assert secret_rotation.survey(rotating).old == 1  # the shift's mobile, under the old secret
    secret_rotation.rotate(rotating, "管理员甲")
    after = with_secret(app, "new-secret")
    assert secret_rotation.survey(after).old == 0
    assert [s.phone for s in duty_roster.listed(after, keeper)] == ["13900000003"]
    with after.engine.connect() as c:
        assert duty_roster.phone_for(after, c, "WJ", clock(), after.current_config().directory) == "13900000003"


def test_the_callers_numbers_of_the_call_records_move_with_their_hashes(app, clock):
    from datetime import timedelta

    from jiesu.services import calls

    calls.receive(app, [{"ref": "C-1", "caller": PHONE, "offered_at": clock() - timedelta(minutes=5),
                         "answered_at": None, "ended_at": clock() - timedelta(minutes=4), "agent": None}], "话务系统")
    rotating = with_secret(app, "new-secret", old="test-secret")
    assert secret_rotation.survey(rotating).old == 1
    secret_rotation.rotate(rotating, "管理员甲")
    after = with_secret(app, "new-secret")
    with after.engine.connect() as c:
        kept = c.execute(select(t.calls.c.caller_phone, t.calls.c.caller_key)).one()
    assert after.cipher.decrypt(kept.caller_phone) == PHONE and kept.caller_key == after.cipher.lookup_key(PHONE)
