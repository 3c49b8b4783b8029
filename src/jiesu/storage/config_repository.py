"""Business configuration in the database: units, categories, duty lists, admission lists, SLA policies,
assessment rules and the holiday calendar. Replaced as a whole by `jiesu config load`, with a history row."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from jiesu.domain.assessment import AssessmentRules
from jiesu.domain.calendar import DayRule, Duration, WorkCalendar
from jiesu.domain.enums import DutyType, RequestKind, UnitKind, Urgency
from jiesu.domain.holiday_notice import YearSchedule
from jiesu.domain.routing import Category, Directory, DutyItem, Router, Unit
from jiesu.domain.sla import LIMITS, OPTIONAL_LIMITS, SlaBook, SlaPolicy
from jiesu.storage import tables as t
from jiesu.storage.holiday_source import builtin_rules


class ConfigRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # --- reading ---------------------------------------------------------------------------
    def directory(self) -> Directory:
        c = self.connection
        units = [Unit(r.code, r.name, UnitKind(r.kind), r.parent, r.duty_phone) for r in c.execute(select(t.units))]
        categories = [Category(r.code, r.name, r.parent) for r in c.execute(select(t.categories))]
        return Directory(units, categories)

    def router(self, directory: Directory | None = None) -> Router:
        c = self.connection
        duties = [DutyItem(r.category, r.level, DutyType(r.duty_type), r.unit, r.district)
                  for r in c.execute(select(t.duty_items).order_by(t.duty_items.c.id))]
        admissions = [(r.category, r.community) for r in c.execute(select(t.admissions))]
        return Router(directory or self.directory(), duties, admissions)

    def sla_book(self) -> SlaBook:
        policies = [SlaPolicy(
            name=r.name, kind=RequestKind(r.kind) if r.kind else None,
            urgency=Urgency(r.urgency) if r.urgency else None, category=r.category,
            **{limit: Duration.parse(getattr(r, limit), limit) for limit in LIMITS},
            **{limit: Duration.parse(getattr(r, limit), limit) for limit in OPTIONAL_LIMITS if getattr(r, limit)})
            for r in self.connection.execute(select(t.sla_policies))]
        if not policies:
            return SlaBook([default_policy()])
        return SlaBook(policies)

    def setting(self, key: str):
        row = self.connection.execute(select(t.settings_kv.c.value).where(t.settings_kv.c.key == key)).first()
        return row[0] if row else None

    def put_setting(self, key: str, value) -> None:
        """Set `key` to `value` (JSON), whether or not it was set before."""
        c = self.connection
        if not c.execute(update(t.settings_kv).where(t.settings_kv.c.key == key).values(value=value)).rowcount:
            c.execute(insert(t.settings_kv).values(key=key, value=value))

    def assessment_rules(self) -> AssessmentRules:
        row = self.connection.execute(select(t.settings_kv.c.value).where(t.settings_kv.c.key == "assessment")).first()
        return AssessmentRules(**row[0]) if row else AssessmentRules()

    def calendar(self, periods) -> WorkCalendar:
        """Built-in schedules (chinesecalendar) overlaid by the schedules an administrator loaded."""
        rules, covered = builtin_rules()
        loaded = {r.year for r in self.connection.execute(select(t.calendar_years.c.year))}
        for year in loaded:  # a loaded year replaces the built-in one
            for day in [d for d in rules if d.year == year]:
                del rules[day]
        for r in self.connection.execute(select(t.calendar_days)):
            rules[r.day] = DayRule(r.day, r.workday, r.name)
        return WorkCalendar(rules=rules, covered_years=covered | loaded, periods=periods)

    def is_configured(self) -> bool:
        return self.connection.execute(select(t.units.c.code).limit(1)).first() is not None

    # --- writing ---------------------------------------------------------------------------
    def replace(self, *, units: list[Unit], categories: list[Category], duties: list[DutyItem],
                admissions: list[tuple[str, str | None]], policies: list[SlaPolicy],
                assessment: dict | None, loaded_at: datetime, loaded_by: str, source: str,
                gazetteer: dict[str, str] | None = None, boundaries: dict[str, list] | None = None) -> dict:
        c = self.connection
        for table in (t.duty_items, t.admissions, t.sla_policies, t.units, t.categories):
            c.execute(delete(table))
        c.execute(insert(t.units), [{"code": u.code, "name": u.name, "kind": u.kind.value, "parent": u.parent,
                                     "duty_phone": u.duty_phone} for u in units])
        c.execute(insert(t.categories), [{"code": x.code, "name": x.name, "parent": x.parent} for x in categories])
        if duties:
            c.execute(insert(t.duty_items), [{"category": d.category, "level": d.level, "duty_type": d.duty_type.value,
                                              "unit": d.unit, "district": d.district} for d in duties])
        if admissions:
            c.execute(insert(t.admissions), [{"category": a, "community": b} for a, b in admissions])
        if policies:
            c.execute(insert(t.sla_policies), [policy_row(p) for p in policies])
        c.execute(delete(t.settings_kv).where(t.settings_kv.c.key.in_(["assessment", "gazetteer", "boundaries"])))
        if assessment is not None:
            c.execute(insert(t.settings_kv).values(key="assessment", value=assessment))
        if gazetteer:
            c.execute(insert(t.settings_kv).values(key="gazetteer", value=gazetteer))
        if boundaries:
            c.execute(insert(t.settings_kv).values(key="boundaries", value=boundaries))
        summary = {"units": len(units), "categories": len(categories), "duty_items": len(duties),
                   "admissions": len(admissions), "sla_policies": len(policies), "gazetteer": len(gazetteer or {}),
                   "boundaries": len(boundaries or {})}
        digest = hashlib.sha256(json.dumps([summary, source, [u.code for u in units]], ensure_ascii=False)
                                .encode()).hexdigest()
        c.execute(insert(t.config_loads).values(loaded_at=loaded_at, loaded_by=loaded_by, source=source,
                                                digest=digest, summary=summary))
        return summary

    def save_schedule(self, schedule: YearSchedule, source: str, loaded_at: datetime, loaded_by: str) -> None:
        c = self.connection
        c.execute(delete(t.calendar_days).where(t.calendar_days.c.year == schedule.year))
        c.execute(delete(t.calendar_years).where(t.calendar_years.c.year == schedule.year))
        c.execute(insert(t.calendar_years).values(year=schedule.year, source=source, loaded_at=loaded_at,
                                                  loaded_by=loaded_by))
        # a day of another year named in this notice (e.g. 2018-12-30 in the 2019 notice) belongs to it too
        c.execute(delete(t.calendar_days).where(t.calendar_days.c.day.in_(list(schedule.rules))))
        c.execute(insert(t.calendar_days), [{"day": r.day, "workday": r.workday, "name": r.name,
                                             "year": schedule.year} for r in schedule.rules.values()])

    def loaded_years(self) -> list[dict]:
        return [dict(r._mapping) for r in self.connection.execute(
            select(t.calendar_years).order_by(t.calendar_years.c.year))]


def policy_row(p: SlaPolicy) -> dict:
    return {"name": p.name, "kind": p.kind.value if p.kind else None,
            "urgency": p.urgency.value if p.urgency else None, "category": p.category,
            **{limit: str(getattr(p, limit)) for limit in LIMITS},
            **{limit: str(getattr(p, limit)) if getattr(p, limit) else None for limit in OPTIONAL_LIMITS}}


def default_policy() -> SlaPolicy:
    return SlaPolicy("默认", Duration(2, "wh"), Duration(1, "wd"), Duration(7, "wd"), Duration(2, "wd"),
                     Duration(3, "wd"))
