"""A cached snapshot of the business configuration, refreshed when a new configuration or calendar is loaded.

Intake and actions need the directory, the router, the SLA book and the calendar on every call; building them
is far more work than the call itself. One cheap query tells whether anything was loaded since; it is asked at
most once a second (`recheck_seconds`), and a load made through this process invalidates the cache at once."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import func, select

from jiesu.domain.assessment import AssessmentRules
from jiesu.domain.calendar import WorkCalendar
from jiesu.domain.enums import UnitKind
from jiesu.domain.geography import Locator
from jiesu.domain.routing import Directory, Router
from jiesu.domain.sla import SlaBook
from jiesu.storage import tables as t


@dataclass
class ConfigSnapshot:
    directory: Directory
    router: Router
    sla: SlaBook
    calendar_rules: WorkCalendar
    assessment: AssessmentRules
    gazetteer_names: dict[str, str]
    model_path: str | None
    boundaries: dict[str, list] = field(default_factory=dict)  # unit code → outer rings, for the area map

    @cached_property
    def gazetteer(self):
        from jiesu.nlp.places import Gazetteer

        return Gazetteer(self.directory, self.gazetteer_names)

    @cached_property
    def rule_suggester(self):
        from jiesu.nlp.rules import RuleSuggester

        return RuleSuggester(self.directory)

    @cached_property
    def locator(self) -> Locator:
        """Which configured area a point is in (a case's coordinates → its 社区, 街道 or 区)."""
        depth = {UnitKind.DISTRICT: 1, UnitKind.SUBDISTRICT: 2, UnitKind.COMMUNITY: 3}
        return Locator(self.boundaries, {code: depth.get(unit.kind, 0) for code, unit in self.directory.units.items()})

    @cached_property
    def unit_names(self) -> dict[str, str]:
        return {code: unit.name for code, unit in self.directory.units.items()}

    @cached_property
    def category_names(self) -> dict[str, str]:
        """The name of every category code. (A unit and a category may share a code — 望京 WJ and 违法建设 WJ in
        the test city — so the two are never looked up in one dictionary.)"""
        return {c.code: c.name for c in self.directory.categories.values()}

    def calendar(self) -> WorkCalendar:
        """A calendar of its own for each caller (it collects the fallback-year warnings of one computation)."""
        base = self.calendar_rules
        return WorkCalendar(rules=base.rules, covered_years=base.covered_years, periods=base.periods, tz=base.tz)


class ConfigCache:
    def __init__(self, periods, recheck_seconds: float = 1.0) -> None:
        self.periods = periods
        self.recheck_seconds = recheck_seconds
        self._key: tuple | None = None
        self._snapshot: ConfigSnapshot | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._key, self._snapshot, self._checked = None, None, float("-inf")

    def fresh(self) -> ConfigSnapshot | None:
        """The snapshot when it was checked less than `recheck_seconds` ago (no query needed), else None."""
        with self._lock:
            if self._snapshot is not None and time.monotonic() - self._checked < self.recheck_seconds:
                return self._snapshot
        return None

    def get(self, uow) -> ConfigSnapshot:
        now = time.monotonic()
        snapshot = self.fresh()
        if snapshot is not None:
            return snapshot
        c = uow.connection
        key = (c.execute(select(func.max(t.config_loads.c.id))).scalar(),
               *c.execute(select(func.count(), func.max(t.calendar_years.c.loaded_at))).one(),
               c.execute(select(t.settings_kv.c.value).where(t.settings_kv.c.key == "model.active")).scalar())
        with self._lock:
            if key == self._key and self._snapshot is not None:
                self._checked = now
                return self._snapshot
        directory = uow.config.directory()
        snapshot = ConfigSnapshot(directory=directory, router=uow.config.router(directory),
                                  sla=uow.config.sla_book(), calendar_rules=uow.config.calendar(self.periods),
                                  assessment=uow.config.assessment_rules(),
                                  gazetteer_names=uow.config.setting("gazetteer") or {},
                                  model_path=(key[3] or {}).get("path"),
                                  boundaries=uow.config.setting("boundaries") or {})
        with self._lock:
            self._key, self._snapshot, self._checked = key, snapshot, now
        return snapshot
