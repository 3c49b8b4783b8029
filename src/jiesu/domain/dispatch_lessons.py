"""改派经验: what the re-dispatches of recent cases teach the router.

A duty list can be out of date or silent on a local arrangement: in one district the 街道 return every elevator
breakdown because the market supervisor handles it there, and the centre re-dispatches each one. Every such case
is evidence. A lesson counts, for a matter in a district, how many cases the centre sent to the lead the router
would suggest (the *from* target) and how many of them were then returned or re-dispatched and settled by
another unit (the *to* target).

Targets are duty-list levels for territorial units (a lesson about "the 街道 of the address" holds for every 街道
of the district) and unit codes for departments and companies. A lesson advises and never overrides the duty
lists: a strong one (at least `MIN_MOVED` cases and `MIN_SHARE` of the dispatches) puts its unit first among the
lead candidates, with the evidence as the reason, only when the duty lists allow that unit to lead the matter;
otherwise, and for weaker lessons, it is a note beside the suggestion. The catalogue itself changes only when an
administrator loads a new one (the lessons page lists what to check).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from jiesu.domain.enums import DutyType, UnitKind
from jiesu.domain.errors import DomainError

if TYPE_CHECKING:
    from jiesu.domain.routing import Router, Routing, Unit

WINDOW_DAYS = 90  # the re-dispatches that count: cases first sent within this many days
MIN_MOVED = 3  # a lesson leads the suggestion from this many settled re-dispatches …
MIN_SHARE = 0.5  # … that are at least this share of the cases sent to the listed lead
MIN_NOTED, MIN_NOTED_SHARE = 2, 0.2  # below a strong lesson, a note from this many and this share (the occasional
# return of a matter that is mostly settled where the lists send it is no lesson)

RULES = (f"近 {WINDOW_DAYS} 天同一区同一事项派给目录所列主办的工单中，经退单或改派由另一单位办结的（连同直接派该单位办结的）"
         f"达 {MIN_MOVED} 件且占 {MIN_SHARE:.0%} 以上的，受理和派单时把该单位列为首选建议（派单目录允许它主办时）；达 {MIN_NOTED} 件且占"
         f" {MIN_NOTED_SHARE:.0%} 以上的，在派单建议旁提示。")

TERRITORIAL_LEVELS = {UnitKind.DISTRICT: "district", UnitKind.SUBDISTRICT: "subdistrict",
                      UnitKind.COMMUNITY: "community"}
_LEVEL_KINDS = {level: kind for kind, level in TERRITORIAL_LEVELS.items()}
TARGET_LABELS = {"district": "区", "subdistrict": "街道/乡镇", "community": "社区/村"}


def target_of(unit: Unit) -> str:
    """A territorial unit stands for its level ("the 街道 of the address"); any other unit for itself."""
    return TERRITORIAL_LEVELS.get(unit.kind, unit.code)


@dataclass(frozen=True)
class Lesson:
    category: str
    district: str  # code of the district the addresses are in
    from_target: str  # a level (district, subdistrict, community) or a unit code
    to_target: str
    moved: int  # cases sent to from_target, then returned or re-dispatched and settled by to_target
    dispatched: int  # cases of the matter in the district sent to from_target as lead
    last_at: datetime | None = None  # the latest such move
    followed: int = 0  # cases sent straight to to_target, which settled them, where the lists name from_target

    @property
    def evidence(self) -> int:
        """The cases that show to_target settles what the lists give from_target."""
        return self.moved + self.followed

    @property
    def share(self) -> float:
        """Of the cases the lists would give from_target, the share to_target settled."""
        whole = self.dispatched + self.followed
        return self.evidence / whole if whole else 0.0

    @property
    def strong(self) -> bool:
        return self.evidence >= MIN_MOVED and self.share >= MIN_SHARE

    @property
    def noted(self) -> bool:
        return self.evidence >= MIN_NOTED and self.share >= MIN_NOTED_SHARE


class LessonBook:
    def __init__(self, lessons: Iterable[Lesson], window_days: int = WINDOW_DAYS) -> None:
        self.window_days = window_days
        self.lessons = sorted(lessons, key=lambda x: (-x.evidence, -x.share, x.category, x.district, x.to_target))
        self._by_key: dict[tuple[str, str, str], list[Lesson]] = {}
        for lesson in self.lessons:
            self._by_key.setdefault((lesson.category, lesson.district, lesson.from_target), []).append(lesson)

    def __len__(self) -> int:
        return len(self.lessons)

    def advise(self, router: Router, routing: Routing, category: str, location: str | None) -> Routing:
        """The duty lists' routing with what the re-dispatches in the location's district teach about its first
        lead: a strong lesson's unit first (when the lists allow it to lead), notes for the rest."""
        best = routing.best
        directory = router.directory
        district = directory.territorial_at(location, UnitKind.DISTRICT)
        if best is None or district is None:
            return routing
        lessons = [x for x in self._by_key.get((category, district.code, target_of(best.unit)), []) if x.noted]
        if not lessons:
            return routing
        leads, co_handlers, notes = list(routing.leads), list(routing.co_handlers), list(routing.notes)
        matter, listed = directory.category(category).name, self._target_name(best.unit)
        for lesson in lessons:
            unit = self._unit_for(router, lesson.to_target, location)
            if unit is None or unit.code == best.unit.code:
                continue
            evidence = (f"近 {self.window_days} 天{district.name}「{matter}」派至{listed} {lesson.dispatched} 件，"
                        f"{lesson.moved} 件经退单或改派由{self._target_name(unit)}办结")
            if lesson.followed:
                evidence += f"，另有 {lesson.followed} 件直接派{self._target_name(unit)}办结"
            refusal = self._refusal(router, category, unit)
            if lesson.strong and refusal is None and leads[0].unit.code == best.unit.code:
                from jiesu.domain.routing import Candidate

                listed_as = next((c.duty_type for c in leads + co_handlers if c.unit.code == unit.code),
                                 best.duty_type)
                leads = [c for c in leads if c.unit.code != unit.code]
                co_handlers = [c for c in co_handlers if c.unit.code != unit.code]
                leads.insert(0, Candidate(unit, "lead", listed_as, f"{unit.name}：改派经验——{evidence}",
                                          round(best.score + 0.01, 3)))
                notes.append(f"派单目录所列主办为{best.unit.name}，按改派经验已把{unit.name}列为首选；"
                             f"如属常态，请管理员修订派单目录")
            elif refusal is not None:
                notes.append(f"改派经验：{evidence}，但{refusal}；请管理员核对派单目录")
            else:
                notes.append(f"改派经验：{evidence}")
        return replace(routing, leads=leads, co_handlers=co_handlers, notes=notes)

    def verdict(self, router: Router, lesson: Lesson) -> str | None:
        """None when the duty lists let the lesson's unit lead the matter in its district (a strong lesson then
        leads the suggestion, a weaker one is a note), else the lists' reason for refusing it."""
        directory = router.directory
        if lesson.to_target in _LEVEL_KINDS:
            kind = _LEVEL_KINDS[lesson.to_target]
            unit = next((u for u in directory.units.values() if u.kind == kind
                         and lesson.district in (x.code for x in directory.unit_chain(u.code))), None)
        else:
            unit = directory.units.get(lesson.to_target)
        if unit is None:
            return f"{lesson.to_target} 已不在单位名录中"
        return self._refusal(router, lesson.category, unit)

    def adopted(self, router: Router, lesson: Lesson) -> bool:
        """Whether the district's duty lists already make the lesson's unit the lead of the matter (an administrator
        wrote it in)."""
        return any(i.duty_type == DutyType.BASIC and (i.unit or i.level) == lesson.to_target
                   for i in router.duty_items(lesson.category, lesson.district))

    def catalogue_line(self, router: Router, lesson: Lesson) -> str | None:
        """The duties.csv line (category,level,duty_type,unit,district) that writes the lesson into the district's
        own list for the matter; the district's other owners of it are to be listed beside it."""
        if lesson.to_target in _LEVEL_KINDS:
            return f"{lesson.category},{lesson.to_target},basic,,{lesson.district}"
        unit = router.directory.units.get(lesson.to_target)
        level = {UnitKind.DEPARTMENT: "department", UnitKind.COMPANY: "company"}.get(unit.kind) if unit else None
        return f"{lesson.category},{level},basic,{unit.code},{lesson.district}" if level and unit else None

    def target_label(self, router: Router, target: str) -> str:
        if target in TARGET_LABELS:
            return TARGET_LABELS[target]
        unit = router.directory.units.get(target)
        return unit.name if unit else target

    @staticmethod
    def _target_name(unit: Unit) -> str:
        return TARGET_LABELS.get(target_of(unit), unit.name)

    @staticmethod
    def _unit_for(router: Router, target: str, location: str | None) -> Unit | None:
        if target in _LEVEL_KINDS:
            return router.directory.territorial_at(location, _LEVEL_KINDS[target])
        return router.directory.units.get(target)

    @staticmethod
    def _refusal(router: Router, category: str, unit: Unit) -> str | None:
        try:
            router.check_dispatch(category, unit.code)
        except DomainError as error:
            return error.message
        return None
