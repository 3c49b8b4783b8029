"""Which area a point is in, from the configured boundaries (`boundaries.geojson`: unit code → outer rings of
[longitude, latitude]): a case that comes with coordinates — an app's or a grid worker's GPS, an Open311 client's
lat/long, the portal's 使用当前位置 — is placed in its 社区/村, else its 街道/乡镇, else its 区 without anyone
reading the map, so that the duty lists can route it.

Plain ray casting over each ring, after a bounding-box test: a city's few hundred areas of a few hundred points
each take microseconds; a geometry library would add a large dependency for this one test."""

from __future__ import annotations

from collections.abc import Sequence

Ring = Sequence[Sequence[float]]  # [[lon, lat], …], closed


def inside(ring: Ring, lon: float, lat: float) -> bool:
    """Whether the point is inside the ring (even-odd rule: a ray to the east crosses its edges an odd number of
    times). A point exactly on an edge may fall either way; neighbours share their edges, so it lands in one."""
    crossings = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            crossings = not crossings
    return crossings


class Locator:
    """The areas of the boundaries, the deepest first (`depth`: unit code → 1 for a 区, 2 for a 街道/乡镇, 3 for a
    社区/村), each with its bounding box."""

    def __init__(self, shapes: dict[str, list[Ring]], depth: dict[str, int]) -> None:
        areas = []
        for code, rings in shapes.items():
            points = [point for ring in rings for point in ring]
            if not points:
                continue
            box = (min(p[0] for p in points), min(p[1] for p in points),
                   max(p[0] for p in points), max(p[1] for p in points))
            areas.append((-depth.get(code, 0), code, box, rings))
        self._areas = sorted(areas, key=lambda area: (area[0], area[1]))

    def locate(self, lat: float, lon: float) -> str | None:
        """The code of the deepest configured area containing the point, or None (outside them all, or no
        boundaries configured)."""
        for _, code, (west, south, east, north), rings in self._areas:
            if west <= lon <= east and south <= lat <= north and any(inside(ring, lon, lat) for ring in rings):
                return code
        return None
