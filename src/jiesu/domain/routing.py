"""Routing under the duty lists (派单目录, 履职事项清单, 村(社区)准入).

Units form a tree by jurisdiction (区 → 街道/乡镇 → 社区/村) beside the departments and the utility
companies. The dispatch catalogue says, for each matter (category) and level, who owns it and with which
duty type. `Router.route` turns a matter and a location into ranked lead and co-handling candidates,
each with a readable reason; `Router.check_dispatch` refuses a dispatch that breaks the lists.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from jiesu.domain.enums import DutyType, UnitKind
from jiesu.domain.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from jiesu.domain.dispatch_lessons import LessonBook

LEVELS = ("district", "subdistrict", "community", "department", "company")
LEVEL_LABELS = {"district": "区级", "subdistrict": "街道/乡镇级", "community": "社区/村级",
                "department": "部门", "company": "公共服务企业"}


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: UnitKind
    parent: str | None = None
    duty_phone: str | None = None  # 值班手机: texted when an emergency is dispatched to the unit


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    parent: str | None = None


@dataclass(frozen=True)
class DutyItem:
    """One line of the dispatch catalogue: at `level`, matter `category` is owned with `duty_type`.
    For a department or company level, `unit` names the owner; for territorial levels the owner is the
    unit of that level whose jurisdiction contains the address. With `district`, the line belongs to that
    district's own list for the matter, which replaces the city's list there (a local arrangement: in one
    district the market supervisor handles elevator breakdowns)."""

    category: str
    level: str
    duty_type: DutyType
    unit: str | None = None
    district: str | None = None


@dataclass(frozen=True)
class Candidate:
    unit: Unit
    role: str  # "lead" | "co"
    duty_type: DutyType
    reason: str
    score: float


@dataclass
class Routing:
    leads: list[Candidate] = field(default_factory=list)
    co_handlers: list[Candidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def best(self) -> Candidate | None:
        return self.leads[0] if self.leads else None


class Directory:
    """The units and categories, with tree queries."""

    def __init__(self, units: Iterable[Unit], categories: Iterable[Category]) -> None:
        self.units = {u.code: u for u in units}
        self.categories = {c.code: c for c in categories}
        self._below: dict[str, frozenset[str]] = {}

    def unit(self, code: str, field: str = "unit") -> Unit:
        try:
            return self.units[code]
        except KeyError:
            raise NotFound(f"未知单位代码 {code!r}", field=field) from None

    def category(self, code: str, field: str = "category") -> Category:
        try:
            return self.categories[code]
        except KeyError:
            raise InvalidInput(f"未知事项分类代码 {code!r}", field=field) from None

    def category_ancestry(self, code: str) -> list[str]:
        """The category code first, then its parent, up to the root."""
        chain, seen = [], set()
        current: str | None = code
        while current is not None and current not in seen:
            seen.add(current)
            chain.append(current)
            current = self.categories[current].parent if current in self.categories else None
        return chain

    def category_path(self, code: str) -> str:
        return " / ".join(self.categories[c].name for c in reversed(self.category_ancestry(code)))

    def leaves(self) -> list[Category]:
        """The categories a case is given (those with none below them), by code."""
        parents = {c.parent for c in self.categories.values() if c.parent}
        return sorted((c for c in self.categories.values() if c.code not in parents), key=lambda c: c.code)

    def leaf_choices(self) -> list[tuple[str, str]]:
        """(code, path) of every leaf, for a form's category list."""
        return [(c.code, self.category_path(c.code)) for c in self.leaves()]

    def category_subtree(self, code: str) -> list[str]:
        """The category and every category below it (a drill-down from a first-level category lists them all)."""
        self.category(code)
        return [c for c in self.categories if code in self.category_ancestry(c)]

    def territory(self, code: str, field: str = "area") -> list[str]:
        """A district, 街道/乡镇 or 社区/村 and every territorial unit inside it."""
        unit = self.units.get(code)
        if unit is None or not unit.kind.is_territorial:
            raise InvalidInput(f"未知行政区划代码 {code!r}（应为区、街道/乡镇或社区/村的代码）", field=field)
        return [u.code for u in self.units.values() if u.kind.is_territorial and unit in self.unit_chain(u.code)]

    def below(self, code: str) -> frozenset[str]:
        """Every unit under `code` in the unit tree (a district's 街道/乡镇 and their 社区/村, and any unit configured
        with it as parent), not `code` itself: a 辖区 overseen by the unit. Asked on every page a handler opens, so
        kept once found."""
        found = self._below.get(code)
        if found is None:
            found = frozenset(u for u in self.units if u != code and code in (c.code for c in self.unit_chain(u)))
            self._below[code] = found
        return found

    @property
    def centre(self) -> Unit | None:
        """The hotline centre (the unit of kind centre), if the configuration has one."""
        return next((u for u in self.units.values() if u.kind == UnitKind.CENTRE), None)

    def unit_chain(self, code: str) -> list[Unit]:
        chain, seen = [], set()
        current: str | None = code
        while current is not None and current in self.units and current not in seen:
            seen.add(current)
            chain.append(self.units[current])
            current = self.units[current].parent
        return chain

    def territorial_at(self, location_code: str | None, kind: UnitKind) -> Unit | None:
        if not location_code:
            return None
        for unit in self.unit_chain(location_code):
            if unit.kind == kind:
                return unit
        return None


_KIND_OF_LEVEL = {"district": UnitKind.DISTRICT, "subdistrict": UnitKind.SUBDISTRICT,
                  "community": UnitKind.COMMUNITY}
_LEVEL_RANK = {"community": 0, "subdistrict": 1, "district": 2, "company": 3, "department": 4}


class Router:
    def __init__(self, directory: Directory, duties: Iterable[DutyItem],
                 admissions: Iterable[tuple[str, str | None]]) -> None:
        """admissions: (category, community code or None for every community)."""
        self.directory = directory
        self.duties: dict[str, list[DutyItem]] = {}
        for item in duties:
            self.duties.setdefault(item.category, []).append(item)
        self.admission_all: set[str] = set()
        self.admission_by_community: dict[str, set[str]] = {}
        for category, community in admissions:
            if community is None:
                self.admission_all.add(category)
            else:
                self.admission_by_community.setdefault(community, set()).add(category)
        self.lessons: Callable[[], LessonBook] | None = None

    def with_lessons(self, lessons: Callable[[], LessonBook] | None) -> Router:
        """This router, advised by what recent re-dispatches teach (改派经验, `domain/dispatch_lessons.py`).
        `lessons` gives them when a route is asked for (a count can take a while; most actions route nothing)."""
        advised = copy.copy(self)
        advised.lessons = lessons
        return advised

    def catalogue(self) -> list[DutyItem]:
        """Every line of the dispatch catalogue, the city's and the districts' own."""
        return [item for lines in self.duties.values() for item in lines]

    def admitted_communities(self, category: str) -> set[str] | None:
        """The communities a matter may be sent to (its own admission lines and its ancestors'); None: every one."""
        ancestry = set(self.directory.category_ancestry(category))
        if ancestry & self.admission_all:
            return None
        return {code for code, admitted in self.admission_by_community.items() if ancestry & admitted}

    def duty_items(self, category: str, district: str | None = None) -> list[DutyItem]:
        """The catalogue lines of the category, or of its nearest ancestor that has some that apply: the
        `district`'s own list where it has one, else the city's."""
        for code in self.directory.category_ancestry(category):
            lines = self.duties.get(code, [])
            chosen = [i for i in lines if district is not None and i.district == district] or \
                [i for i in lines if i.district is None]
            if chosen:
                return chosen
        return []

    def admitted(self, category: str, community: str) -> bool:
        ancestry = set(self.directory.category_ancestry(category))
        return bool(ancestry & (self.admission_all | self.admission_by_community.get(community, set())))

    def route(self, category: str, location_code: str | None) -> Routing:
        directory = self.directory
        matter = directory.category(category)
        routing = Routing()
        district = directory.territorial_at(location_code, UnitKind.DISTRICT)
        items = self.duty_items(category, district.code if district else None)
        if not items:
            routing.notes.append(f"「{matter.name}」不在派单目录中，请人工派单")
            return routing
        taken_back = {i.level for i in items if i.duty_type == DutyType.TAKEN_BACK}
        for level in sorted(taken_back, key=_LEVEL_RANK.__getitem__):
            routing.notes.append(f"{LEVEL_LABELS[level]}：{matter.name}已由上级收回，不派至该层级")
        place = directory.unit(location_code, field="location").name if location_code and \
            location_code in directory.units else None
        for item in items:
            if item.duty_type == DutyType.TAKEN_BACK:
                continue
            unit, where = self._owner(item, location_code, matter, routing)
            if unit is None:
                continue
            duty = item.duty_type.label
            if item.level in _KIND_OF_LEVEL:
                reason = f"{unit.name}：{matter.name}属{duty}事项，地址在其辖区"
                if place and place != unit.name:
                    reason += f"（{place}）"
            else:
                reason = f"{unit.name}：{matter.name}属本{where}{duty}事项"
            if item.district is not None and district is not None:
                reason += f"（{district.name}派单目录）"
            role = "lead" if item.duty_type == DutyType.BASIC else "co"
            score = (1.0 if role == "lead" else 0.5) - _LEVEL_RANK[item.level] * 0.05
            candidate = Candidate(unit, role, item.duty_type, reason, round(score, 3))
            target = routing.leads if role == "lead" else routing.co_handlers
            if all(c.unit.code != unit.code for c in routing.leads + routing.co_handlers):
                target.append(candidate)
        routing.leads.sort(key=lambda c: -c.score)
        routing.co_handlers.sort(key=lambda c: -c.score)
        if not routing.leads:
            routing.notes.append(f"未找到「{matter.name}」的主办单位，请人工派单")
        if self.lessons is not None:
            return self.lessons().advise(self, routing, category, location_code)
        return routing

    def _owner(self, item: DutyItem, location_code: str | None, matter: Category,
               routing: Routing) -> tuple[Unit | None, str]:
        if item.level in _KIND_OF_LEVEL:
            unit = self.directory.territorial_at(location_code, _KIND_OF_LEVEL[item.level])
            if unit is None:
                routing.notes.append(f"地址未定位到{LEVEL_LABELS[item.level]}单位，无法确定{matter.name}的属地责任单位")
                return None, ""
            if unit.kind == UnitKind.COMMUNITY and not self.admitted(matter.code, unit.code):
                routing.notes.append(f"{unit.name}：{matter.name}不在社区/村准入清单内，不派至社区")
                return None, ""
            return unit, "辖区"
        if item.unit is None or item.unit not in self.directory.units:
            return None, ""
        return self.directory.units[item.unit], "部门" if item.level == "department" else "企业"

    def check_dispatch(self, category: str, unit_code: str, field: str = "unit", role: str = "lead") -> Unit:
        """Refuse a dispatch that gives a community a matter outside its admission list, or pushes a
        matter the catalogue keeps at a department down to the grassroots: a 街道 or 社区 may lead only
        where its level has the matter as 基本履职, and co-handle only where its level is listed at all."""
        unit = self.directory.unit(unit_code, field=field)
        matter = self.directory.category(category)
        if unit.kind in (UnitKind.CENTRE,):
            raise InvalidInput(f"{unit.name} 是热线中心，不能作为承办单位", field=field)
        if unit.kind == UnitKind.COMMUNITY and not self.admitted(category, unit.code):
            raise InvalidInput(f"{unit.name}（社区/村）的准入清单不含「{matter.name}」，不能派至该社区", field=field)
        if unit.kind.is_grassroots:
            wanted = {DutyType.BASIC} if role == "lead" else {DutyType.BASIC, DutyType.COOPERATE}
            district = self.directory.territorial_at(unit.code, UnitKind.DISTRICT)
            levels = {i.level for i in self.duty_items(category, district.code if district else None)
                      if i.duty_type in wanted}
            level = "community" if unit.kind == UnitKind.COMMUNITY else "subdistrict"
            if level not in levels:
                what = "基本履职（主办）" if role == "lead" else "履职"
                raise InvalidInput(
                    f"派单目录未把「{matter.name}」列为{LEVEL_LABELS[level]}{what}事项，不得下沉至{unit.name}",
                    field=field)
        return unit
