"""Where a request is, from its text: the names of the configured districts, sub-districts and communities (with
and without their 区/街道/镇/乡/社区/村 suffix) and an optional gazetteer of 小区 and landmarks."""

from __future__ import annotations

from dataclasses import dataclass

from jiesu.domain.enums import UnitKind
from jiesu.domain.routing import Directory

_SUFFIXES = ("街道办事处", "街道", "社区", "居委会", "村委会", "村", "镇", "乡", "区")
_DEPTH = {UnitKind.COMMUNITY: 3, UnitKind.SUBDISTRICT: 2, UnitKind.DISTRICT: 1}


@dataclass(frozen=True)
class PlaceMatch:
    division: str
    name: str
    matched: str


class Gazetteer:
    def __init__(self, directory: Directory, extra: dict[str, str] | None = None) -> None:
        """extra: more names (小区, landmarks) mapped to a division code."""
        self.directory = directory
        self.names: dict[str, str] = {}
        for unit in directory.units.values():
            if unit.kind not in _DEPTH:
                continue
            self.names.setdefault(unit.name, unit.code)
            for suffix in _SUFFIXES:
                if unit.name.endswith(suffix) and len(unit.name) - len(suffix) >= 2:
                    self.names.setdefault(unit.name[: -len(suffix)], unit.code)
                    break
        for name, code in (extra or {}).items():
            if code in directory.units and len(name) >= 2:
                self.names[name] = code
        self.ordered = sorted(self.names, key=len, reverse=True)

    def locate(self, text: str) -> PlaceMatch | None:
        """The most specific place named in the text (a community beats its sub-district, a longer name a shorter)."""
        best: tuple[tuple[int, int], PlaceMatch] | None = None
        for name in self.ordered:
            if name in (text or ""):
                code = self.names[name]
                unit = self.directory.units[code]
                score = (_DEPTH.get(unit.kind, 0), len(name))
                if best is None or score > best[0]:
                    best = (score, PlaceMatch(code, unit.name, name))
        return best[1] if best else None
