"""SLA policies: time limits by request kind × urgency, with category overrides.

A policy gives five limits: sign-for (签收), first contact (联系), resolution (办结), follow-up (回访) and
supervision (督办), and may give a sixth, a co-handler's report to the lead unit (协办反馈; without it, a co-handler
reports by the lead's 办结时限). The most specific policy wins: category (nearest ancestor first), then kind × urgency,
then kind or urgency alone, then the default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from jiesu.domain.calendar import Duration, WorkCalendar
from jiesu.domain.enums import RequestKind, Urgency
from jiesu.domain.errors import InvalidInput

LIMITS = ("acknowledge", "contact", "resolve", "follow_up", "supervise")
OPTIONAL_LIMITS = ("report",)


@dataclass(frozen=True)
class SlaPolicy:
    name: str
    acknowledge: Duration
    contact: Duration
    resolve: Duration
    follow_up: Duration
    supervise: Duration
    kind: RequestKind | None = None
    urgency: Urgency | None = None
    category: str | None = None
    report: Duration | None = None  # 协办反馈: from the 下派 (or the dispatch naming the co-handler)

    def specificity(self, ancestry: Sequence[str]) -> tuple[int, int] | None:
        """How well this policy fits; None if it does not apply. Higher is more specific."""
        if self.category is not None:
            if self.category not in ancestry:
                return None
            depth = len(ancestry) - ancestry.index(self.category)  # ancestry is leaf first: the leaf scores highest
            return (2, depth * 4 + (self.kind is not None) + (self.urgency is not None))
        return (1, (self.kind is not None) * 2 + (self.urgency is not None))


@dataclass(frozen=True)
class Deadlines:
    acknowledge_due: datetime
    contact_due: datetime
    resolve_due: datetime


class SlaBook:
    def __init__(self, policies: Sequence[SlaPolicy]) -> None:
        if not any(p.kind is None and p.urgency is None and p.category is None for p in policies):
            raise InvalidInput("SLA 配置缺少默认策略（kind、urgency、category 均为空的一条）", field="sla")
        self.policies = list(policies)

    def select(self, kind: RequestKind, urgency: Urgency, category_ancestry: Sequence[str]) -> SlaPolicy:
        """category_ancestry: the request's category code first, then its parent, then its grandparent."""
        best: tuple[tuple[int, int], SlaPolicy] | None = None
        for policy in self.policies:
            if policy.kind is not None and policy.kind != kind:
                continue
            if policy.urgency is not None and policy.urgency != urgency:
                continue
            score = policy.specificity(list(category_ancestry))
            if score is None:
                continue
            if best is None or score > best[0]:
                best = (score, policy)
        assert best is not None  # the default always applies
        return best[1]

    @staticmethod
    def deadlines(policy: SlaPolicy, calendar: WorkCalendar, dispatched_at: datetime) -> Deadlines:
        return Deadlines(
            acknowledge_due=calendar.add(dispatched_at, policy.acknowledge),
            contact_due=calendar.add(dispatched_at, policy.contact),
            resolve_due=calendar.add(dispatched_at, policy.resolve),
        )
