"""Wiring: settings, engine, cipher and clock, built on demand (never at import) and handed to services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from sqlalchemy import Engine

from jiesu.domain.calendar import WorkCalendar, parse_periods
from jiesu.settings import Settings
from jiesu.storage.cipher import PersonalDataCipher
from jiesu.storage.database import make_engine
from jiesu.storage.unit_of_work import UnitOfWork


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    settings: Settings = field(default_factory=Settings)
    clock: Callable[[], datetime] = system_clock

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def cipher(self) -> PersonalDataCipher:
        return PersonalDataCipher(self.settings.secret_key)

    @cached_property
    def periods(self):
        return parse_periods(self.settings.work_periods)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.cipher)

    def calendar(self, uow: UnitOfWork) -> WorkCalendar:
        return uow.config.calendar(self.periods)

    def now(self) -> datetime:
        moment = self.clock()
        if moment.tzinfo is None:
            raise ValueError("the clock must give aware datetimes")
        return moment
