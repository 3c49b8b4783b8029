"""A case that comes with coordinates and no place is placed in the deepest configured area holding them (社区,
else 街道, else 区), so the duty lists can route it; a place given or named in the text comes first."""

from __future__ import annotations

import json
import shutil

from jiesu.domain.enums import Role
from jiesu.services import intake
from jiesu.services.cases import Intake
from jiesu.services.config_loader import load_config
from jiesu.services.users import Principal
from tests.support import CITY

AGENT = Principal("坐席张", Role.AGENT)


def square(west: float, south: float, size: float) -> list:
    return [[[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]]]


def with_boundaries(app, tmp_path) -> None:
    city = tmp_path / "city"
    shutil.copytree(CITY, city)
    features = [("WJ", square(116.40, 39.98, 0.04)), ("WJ01", square(116.40, 39.98, 0.02)),
                ("JX", square(116.48, 39.98, 0.04))]
    (city / "boundaries.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": code}, "geometry": {"type": "Polygon", "coordinates": rings}}
        for code, rings in features]}), encoding="utf-8")
    load_config(app, city, "test")


def test_coordinates_place_a_case_in_its_community_else_its_subdistrict(app, tmp_path):
    with_boundaries(app, tmp_path)
    case, _, _ = intake.register(app, AGENT, Intake(content="井盖丢了", lat=39.99, lon=116.41))
    assert case.location.division == "WJ01" and case.events[0].changes["division_from"] == [None, "coordinates"]
    elsewhere, _, _ = intake.register(app, AGENT, Intake(content="井盖丢了", lat=40.01, lon=116.43))
    assert elsewhere.location.division == "WJ"  # in the 街道, outside its only outlined 社区
    outside, _, _ = intake.register(app, AGENT, Intake(content="井盖丢了", lat=39.0, lon=116.0))
    assert outside.location.division is None and "division_from" not in outside.events[0].changes
    given, _, _ = intake.register(app, AGENT, Intake(content="井盖丢了", division="JX01", lat=39.99, lon=116.41))
    assert given.location.division == "JX01"  # the place given stands


def test_the_place_named_in_the_text_comes_before_where_the_device_was(app, tmp_path):
    with_boundaries(app, tmp_path)
    named, _, note = intake.prepare(app, Intake(content="大山子社区路口井盖丢了", lat=39.99, lon=116.41))
    assert named.division == "JX01" and "division_from" not in note["applied"]
    unnamed, suggestions, note = intake.prepare(app, Intake(content="路口井盖丢了", lat=39.99, lon=116.41))
    assert unnamed.division == "WJ01" and note["applied"]["division_from"] == "coordinates"


def test_an_open311_client_that_sends_only_lat_and_long_gets_its_case_placed(app, tmp_path):
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from jiesu.api.app import create_app
    from jiesu.services.users import create_open311_key
    from jiesu.storage import tables as t

    with_boundaries(app, tmp_path)
    client = TestClient(create_app(app))
    answer = client.post("/open311/v2/requests.json", data={
        "api_key": create_open311_key(app, "街道巡查 App"), "service_code": "WY1", "lat": "39.99", "long": "116.41",
        "description": "小区门口井盖丢失"})
    assert answer.status_code == 200, answer.text
    with app.engine.connect() as c:
        assert c.execute(select(t.requests.c.division)).scalars().all() == ["WJ01"]


def test_a_position_that_is_not_one_is_refused_on_the_portal_and_nothing_is_registered(app):
    import re

    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from jiesu.api.app import create_app
    from jiesu.storage import tables as t

    client = TestClient(create_app(app))
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/portal").text).group(1)
    form = {"content": "井盖丢了", "requester_phone": "13900001111", "csrf_token": csrf}
    for lat, lon, said in [("abc", "116.41", "位置不是数字"), ("200", "116.41", "纬度 200.0 超出"),
                           ("39.99", "", "纬度和经度必须同时提供")]:
        refused = client.post("/portal", data=form | {"lat": lat, "lon": lon})
        assert refused.status_code == 400 and said in refused.text, refused.text[-600:]
    with app.engine.connect() as c:
        assert c.execute(select(func.count()).select_from(t.requests)).scalar_one() == 0
