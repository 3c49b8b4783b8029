"""现场照片: the requester's photos sent with the request and the unit's sent with 办理进展 and 办结答复 are kept
encrypted, shown to those who may read the case, and on the portal to the requester (theirs and the reply's only);
a refused photo leaves nothing behind."""

from __future__ import annotations

import base64
import re
import struct
import zlib

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jiesu.api.app import create_app
from jiesu.services import photos
from jiesu.storage import tables as t
from tests.e2e.test_api import ROLES, act, call, create, login
from tests.support import png

RED, GREEN, BLUE = png((200, 40, 40)), png((40, 160, 60)), png((40, 60, 200))


@pytest.fixture
def api(app):
    return staff_and_portal(app)


def staff_and_portal(app) -> TestClient:
    """A client of the site with an account and an API token for every role, the portal's limits raised."""
    from jiesu.services.users import add_user, create_token

    client = TestClient(create_app(app, submit_per_minute=50, track_per_minute=100))
    client.tokens = {}
    for name, (role, unit) in ROLES.items():
        add_user(app, name, role, "password-" + name, unit)
        client.tokens[name] = create_token(app, name)
    client.jiesu = app
    return client


def csrf(client, page: str = "/portal") -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(page).text).group(1)


def submit(client, pictures: list[bytes], field: str = "photos"):
    data = {"content": "小区门口井盖缺失，晚上很危险", "requester_phone": "13900001111", "kind": "report",
            "csrf_token": csrf(client)}
    return client.post("/portal", data=data, files=[(field, (f"p{i}.png", p, "image/png"))
                                                    for i, p in enumerate(pictures)])


def ticket_and_code(page: str) -> tuple[str, str]:
    return (re.search(r'id="ticket">(\d+)<', page).group(1), re.search(r'id="code">([A-Z0-9]+)<', page).group(1))


def case_id(app, ticket: str) -> int:
    with app.engine.connect() as c:
        return c.execute(select(t.requests.c.id).where(t.requests.c.ticket == ticket)).scalar_one()


def stored(app) -> list:
    with app.engine.connect() as c:
        return c.execute(select(t.attachments).order_by(t.attachments.c.id)).all()


def image_links(html: str) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', html)


def test_the_requesters_photos_are_kept_encrypted_and_shown_to_the_staff_who_may_read_the_case(api):
    done = submit(api, [RED, GREEN])
    assert done.status_code == 200, done.text
    ticket, _ = ticket_and_code(done.text)
    rows = stored(api.jiesu)
    assert [(r.event_seq, r.content_type, r.size) for r in rows] == [(1, "image/png", len(RED)),
                                                                     (1, "image/png", len(GREEN))]
    assert all(b"PNG" not in bytes(r.data) for r in rows)  # encrypted at rest
    cid = case_id(api.jiesu, ticket)

    login(api, "agent")
    page = api.get(f"/cases/{cid}").text
    links = image_links(page)
    assert links == [f"/cases/{cid}/photos/{rows[0].id}", f"/cases/{cid}/photos/{rows[1].id}"]
    first = api.get(links[0])
    assert first.status_code == 200 and first.content == RED and first.headers["content-type"] == "image/png"
    assert first.headers["x-content-type-options"] == "nosniff" and "no-store" in first.headers["cache-control"]
    assert api.get(links[1]).content == GREEN
    assert api.get(f"/cases/{cid}/photos/{rows[1].id + 1}").status_code == 404

    other = call(api, "agent", "POST", "/api/v1/requests", json={"content": "另一件", "requester_phone": "13812345678",
                                                                  "division": "WJ01", "category": "WY1"}).json()
    assert api.get(f"/cases/{other['id']}/photos/{rows[0].id}").status_code == 404  # not that case's photo


def test_a_unit_sees_the_photos_of_its_own_cases_only(api):
    case = create(api, photos=[base64.b64encode(RED).decode()])
    listed = case["photos"]
    assert [(p["seq"], p["content_type"], p["size"]) for p in listed] == [(1, "image/png", len(RED))]
    url = listed[0]["url"]
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    assert call(api, "wj", "GET", url).content == RED
    refused = call(api, "jx", "GET", url)
    assert refused.status_code == 404 and refused.headers["content-type"].startswith("application/json")
    login(api, "jx")
    assert api.get(f"/cases/{case['id']}/photos/{listed[0]['id']}").status_code == 404


def test_the_units_photos_come_with_its_progress_and_reply_and_the_requester_sees_the_replys(api):
    done = submit(api, [RED])
    ticket, code = ticket_and_code(done.text)
    cid = case_id(api.jiesu, ticket)
    act(api, "dispatcher", cid, "reclassify", category="WY1", reason="物业管理")
    act(api, "dispatcher", cid, "dispatch", unit="WJ")
    act(api, "wj", cid, "acknowledge")
    act(api, "wj", cid, "note_progress", note="已到现场，井盖已订购", photos=[base64.b64encode(GREEN).decode()])

    login(api, "wj")  # the page's form, as a handler sends it
    page = api.get(f"/cases/{cid}").text
    csrf_token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert 'enctype="multipart/form-data"' in page and 'name="photos"' in page
    version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
    resolved = api.post(f"/cases/{cid}/act", data={"action": "resolve", "reply": "井盖已更换", "version": version,
                                                   "csrf_token": csrf_token},
                        files=[("photos", ("after.png", BLUE, "image/png"))], follow_redirects=False)
    assert resolved.status_code == 303, resolved.text
    page = api.get(f"/cases/{cid}").text
    assert len(image_links(page)) == 3  # the requester's, the progress note's and the reply's
    events = call(api, "wj", "GET", f"/api/v1/requests/{cid}").json()["events"]
    assert [(e["action"], e["changes"].get("photos")) for e in events] == [
        ("register", [None, 1]), ("reclassify", None), ("dispatch", None), ("acknowledge", None),
        ("note_progress", [None, 1]), ("resolve", [None, 1])]

    citizen = TestClient(create_app(api.jiesu))
    tracked = citizen.post("/portal/track", data={"ticket": ticket, "code": code, "csrf_token": csrf(citizen)})
    assert "您提交的照片" in tracked.text and "办理结果照片" in tracked.text
    links = image_links(tracked.text)
    assert [citizen.get(link).content for link in links] == [RED, BLUE]  # not the progress note's
    assert all(link.startswith("/portal/photos/") and ":" not in link[len("/portal/photos/"):] for link in links)  # sealed
    assert citizen.get(links[0][:-4] + "AAAA").status_code == 404  # a forged link
    public = citizen.get(f"/api/v1/public/requests/{ticket}", params={"code": code}).json()["photos"]  # the app's
    assert [p["step"] for p in public] == ["register", "resolve"] and citizen.get(public[1]["url"]).content == BLUE


def test_a_requesters_photo_link_expires(api, monkeypatch):
    ticket, code = ticket_and_code(submit(api, [RED]).text)
    citizen = TestClient(create_app(api.jiesu))
    link = image_links(citizen.post("/portal/track", data={"ticket": ticket, "code": code,
                                                           "csrf_token": csrf(citizen)}).text)[0]
    assert citizen.get(link).content == RED
    monkeypatch.setattr(photos, "REQUESTER_LINK_SECONDS", -1)
    gone = citizen.get(link)
    assert gone.status_code == 404 and "重新查询进度" in gone.text


def cases_count(app) -> int:
    with app.engine.connect() as c:
        return c.execute(select(func.count()).select_from(t.requests)).scalar_one()


def test_a_refused_photo_registers_nothing_and_says_why(api):
    before = cases_count(api.jiesu)
    too_many = submit(api, [RED] * (photos.MAX_PER_STEP + 1))
    assert too_many.status_code == 400 and f"最多上传 {photos.MAX_PER_STEP} 张" in too_many.text
    assert "照片需要重新选择" in too_many.text and "小区门口井盖缺失" in too_many.text  # the text is kept
    not_a_picture = submit(api, [RED, b"MZ\x90\x00 not an image"])
    assert not_a_picture.status_code == 400 and "照片只接受 JPEG 或 PNG" in not_a_picture.text
    too_big = submit(api, [b"\x89PNG\r\n\x1a\n" + b"0" * photos.MAX_BYTES])
    assert too_big.status_code == 400 and "不能超过 5 MB" in too_big.text
    bad = call(api, "agent", "POST", "/api/v1/requests", json={"content": "井盖缺失", "photos": ["not base64!"]})
    assert bad.status_code == 400 and bad.json()["field"] == "photos" and "第 1 张" in bad.json()["message"]
    assert cases_count(api.jiesu) == before and stored(api.jiesu) == []
    assert submit(api, [RED], field="photo").status_code == 200  # the field's name on pages served before
    assert len(stored(api.jiesu)) == 1


def test_a_step_that_takes_no_photo_refuses_one_and_changes_nothing(api):
    case = create(api)
    act(api, "dispatcher", case["id"], "dispatch", unit="WJ")
    refused = call(api, "wj", "POST", f"/api/v1/requests/{case['id']}/actions/acknowledge",
                   json={"photos": [base64.b64encode(RED).decode()]})
    assert refused.status_code == 400 and refused.json()["field"] == "photos" and "签收" in refused.json()["message"]
    after = call(api, "wj", "GET", f"/api/v1/requests/{case['id']}").json()
    assert after["status"] == "dispatched" and after["photos"] == [] and stored(api.jiesu) == []


def test_the_most_photos_a_step_takes_each_as_large_as_allowed_fit_in_one_request(api):
    picture = png()  # padded to the limit with a private chunk of its own (ancillary: kept, shown by no one)
    padding = photos.MAX_BYTES - len(picture) - 12
    private = struct.pack(">I", padding) + b"prVt" + bytes(padding) + struct.pack(">I", zlib.crc32(b"prVt" + bytes(padding)))
    largest = picture[:-12] + private + picture[-12:]
    case = create(api, photos=[base64.b64encode(largest).decode()] * photos.MAX_PER_STEP)
    assert [p["size"] for p in case["photos"]] == [photos.MAX_BYTES] * photos.MAX_PER_STEP
    page = {"content": "井盖缺失", "requester_phone": "13900001111", "csrf_token": csrf(api)}
    done = api.post("/portal", data=page, files=[("photos", (f"{i}.png", largest, "image/png"))
                                                  for i in range(photos.MAX_PER_STEP)])
    assert done.status_code == 200 and len(stored(api.jiesu)) == 2 * photos.MAX_PER_STEP
