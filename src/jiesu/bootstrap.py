"""Wiring: settings, engine, cipher and clock, built on demand (never at import) and handed to services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property

from sqlalchemy import Engine

from jiesu.domain.calendar import SHANGHAI, WorkCalendar, parse_periods
from jiesu.domain.routing import Router
from jiesu.settings import Settings
from jiesu.storage.cipher import PersonalDataCipher
from jiesu.storage.config_cache import ConfigCache, ConfigSnapshot
from jiesu.storage.database import WriteGate, make_engine, write_gate
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
        return PersonalDataCipher(self.settings.secret_key, self.settings.old_secrets)

    @cached_property
    def periods(self):
        return parse_periods(self.settings.work_periods)

    @cached_property
    def config_cache(self) -> ConfigCache:
        return ConfigCache(self.periods)

    @cached_property
    def repeats(self):
        """The intake repeat check's index of stored requests (one per process, built on first use)."""
        from jiesu.services.repeats import RepeatSearch

        return RepeatSearch(catch_up_every=self.settings.repeat_catch_up_seconds)

    @cached_property
    def knowledge(self):
        """The 知识库 search index of this process (rebuilt when the articles change)."""
        from jiesu.services.knowledge import KnowledgeBase

        return KnowledgeBase(self)

    @cached_property
    def lessons(self):
        """The 改派经验 this process routes with, counted again in the background every five minutes (a server
        starts counting at start-up and routes by the duty lists alone until the first count is done)."""
        from jiesu.domain.dispatch_lessons import LessonBook
        from jiesu.services.dispatch_lessons import count_now
        from jiesu.services.refreshing import Refreshing

        return Refreshing("dispatch-lessons", lambda _: count_now(self), placeholder=lambda: LessonBook(()))

    @cached_property
    def scores(self):
        """The 三率 of each month this process was asked for, counted again in the background every five minutes."""
        from jiesu.services.assessment import count_month
        from jiesu.services.refreshing import Refreshing

        return Refreshing("sanlv", lambda month: count_month(self, month))

    @cached_property
    def write_gate(self) -> WriteGate:
        return write_gate(self.engine)

    def uow(self, read_only: bool = False) -> UnitOfWork:
        """One transaction. Writers queue behind each other on SQLite; pass read_only=True where nothing is written."""
        return UnitOfWork(self.engine, self.cipher, self.write_gate, write=not read_only)

    def config(self, uow: UnitOfWork) -> ConfigSnapshot:
        """The business configuration, cached until a new one (or a calendar year) is loaded."""
        return self.config_cache.get(uow)

    def current_config(self) -> ConfigSnapshot:
        """The business configuration outside a transaction: reads the database only when the cache is due a check."""
        snapshot = self.config_cache.fresh()
        if snapshot is not None:
            return snapshot
        with self.uow(read_only=True) as uow:
            return self.config(uow)

    def router(self, uow: UnitOfWork) -> Router:
        """The duty lists' router, advised by the 改派经验 of recent cases: every suggestion of a unit goes through it."""
        config = self.config(uow)
        return config.router.with_lessons(self.lessons.get)

    def calendar(self, uow: UnitOfWork) -> WorkCalendar:
        return self.config(uow).calendar()

    def now(self) -> datetime:
        moment = self.clock()
        if moment.tzinfo is None:
            raise ValueError("the clock must give aware datetimes")
        return moment

    def today(self) -> date:
        """The Beijing calendar day it is now (deadlines in days, validity dates, the day a step is recorded)."""
        return self.now().astimezone(SHANGHAI).date()
