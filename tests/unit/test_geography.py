"""Which configured area a point is in: ray casting over the outer rings, the deepest area first."""

from __future__ import annotations

from jiesu.domain.geography import Locator, inside

# an L-shaped (concave) area: the square 0..2 × 0..2 without its north-east quarter
ELL = [[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [1.0, 1.0], [1.0, 2.0], [0.0, 2.0], [0.0, 0.0]]


def test_a_point_is_inside_a_concave_ring_only_where_the_ring_is():
    assert inside(ELL, 0.5, 0.5) and inside(ELL, 1.5, 0.5) and inside(ELL, 0.5, 1.5)
    assert not inside(ELL, 1.5, 1.5)  # the missing quarter, within the bounding box
    assert not inside(ELL, 3.0, 0.5) and not inside(ELL, -0.1, 1.0)


def test_the_deepest_configured_area_holding_the_point_is_found():
    district = [[[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0], [0.0, 0.0]]]
    west = [[[0.0, 0.0], [2.0, 0.0], [2.0, 4.0], [0.0, 4.0], [0.0, 0.0]]]
    community = [ELL]
    locator = Locator({"CY": district, "WJ": west, "WJ01": community}, {"CY": 1, "WJ": 2, "WJ01": 3})
    assert locator.locate(lat=0.5, lon=0.5) == "WJ01"  # lat, lon: the point (0.5, 0.5) as lon, lat
    assert locator.locate(lat=1.5, lon=1.5) == "WJ"  # in the 街道, outside its 社区's outline
    assert locator.locate(lat=1.0, lon=3.0) == "CY"
    assert locator.locate(lat=5.0, lon=1.0) is None
    assert Locator({}, {}).locate(lat=0.5, lon=0.5) is None  # no boundaries configured
