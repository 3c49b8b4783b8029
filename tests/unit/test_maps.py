"""The dashboard's area map, on the real Beijing district boundaries (../shared/data/china_geo) and on the demo
city's invented ones."""

from __future__ import annotations

import json
import shutil

import pytest

from jiesu.analytics.maps import area_map
from jiesu.domain.enums import UnitKind
from jiesu.domain.routing import Unit
from jiesu.services.config_loader import read_boundaries
from tests.support import SHARED_DATA

BEIJING = SHARED_DATA / "china_geo" / "beijing_districts_110100_datav.geojson"


@pytest.mark.parametrize("highest", [5, 9, 10, 18, 36, 37])  # 0.08 + 0.92 * n / n rounds above 1 for most of these
def test_the_busiest_area_gets_the_darkest_colour_whatever_its_count(highest):
    square = {"A": [[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]], "B": [[(2.0, 0.0), (3.0, 0.0), (3.0, 1.0), (2.0, 0.0)]]}
    figure = area_map(square, {"A": highest, "B": 1}, {"A": "甲区", "B": "乙区"})
    fills = {trace.name: trace.fillcolor for trace in figure.data if trace.fill == "toself"}
    assert fills["甲区"] != fills["乙区"]


@pytest.mark.skipif(not BEIJING.exists(), reason="../shared/data/china_geo is not on this machine")
def test_beijing_districts_load_by_adcode_and_colour_by_count(tmp_path):
    document = json.loads(BEIJING.read_text(encoding="utf-8"))
    names = {str(f["properties"]["adcode"]): f["properties"]["name"] for f in document["features"]}
    units = {code: Unit(code, name, UnitKind.DISTRICT) for code, name in names.items()}
    shutil.copy(BEIJING, tmp_path / "boundaries.geojson")
    shapes = read_boundaries(tmp_path, units)
    assert len(shapes) == 16 and names["110105"] == "朝阳区"
    counts = {"110105": 900, "110108": 450}  # 朝阳 the most, 海淀 half, the others none
    figure = area_map(shapes, counts, names, link=lambda code: f"/cases?area={code}")
    areas = {trace.name: trace for trace in figure.data if trace.fill == "toself"}
    assert len(areas) == 16
    assert areas["朝阳区"].meta == "/cases?area=110105" and areas["朝阳区"].text == "朝阳区：900 件"
    darkness = {name: sum(int(x) for x in trace.fillcolor[4:-1].split(",")) for name, trace in areas.items()}
    assert darkness["朝阳区"] < darkness["海淀区"] < darkness["延庆区"]  # more requests, darker red


def test_the_demo_city_ships_boundaries_for_its_districts_and_streets(tmp_path):
    from jiesu.demo.city import write_config
    from jiesu.services.config_loader import read_config

    config = read_config(write_config(tmp_path / "city"))
    kinds = {u.code: u.kind for u in config["units"]}
    bounded = config["boundaries"]
    assert sorted({kinds[code] for code in bounded}) == sorted({UnitKind.DISTRICT, UnitKind.SUBDISTRICT})
    assert len(bounded) == 5 + 30
