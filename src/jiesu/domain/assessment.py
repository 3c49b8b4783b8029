"""三率 assessment: response, resolution and satisfaction rates per unit and period.

响应率 = assignments signed for and contacted within their limits / assignments due in the period
解决率 = callbacks saying solved / callbacks
满意率 = (satisfied + basic_fraction × basically satisfied) / callbacks
综合得分 = weighted sum of the rates available (weights re-normalised over the rates a unit has).
Cases approved as unreasonable are excluded before they get here. Co-handling units count
`co_handler_share` of each callback of the cases they co-handle (0 leaves them out).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jiesu.domain.enums import Satisfaction
from jiesu.domain.errors import InvalidInput


@dataclass(frozen=True)
class AssessmentRules:
    response_weight: float = 10
    resolution_weight: float = 45
    satisfaction_weight: float = 45
    basic_fraction: float = 0.8
    co_handler_share: float = 0.0

    def __post_init__(self) -> None:
        for name in ("response_weight", "resolution_weight", "satisfaction_weight"):
            if getattr(self, name) < 0:
                raise InvalidInput("权重不能为负", field=name)
        if self.response_weight + self.resolution_weight + self.satisfaction_weight <= 0:
            raise InvalidInput("三项权重之和必须大于 0", field="weights")
        if not 0 <= self.basic_fraction <= 1:
            raise InvalidInput("基本满意折算比例应在 0 到 1 之间", field="basic_fraction")
        if not 0 <= self.co_handler_share <= 1:
            raise InvalidInput("协办计入比例应在 0 到 1 之间", field="co_handler_share")


@dataclass(frozen=True)
class ResponseRecord:
    unit: str
    on_time: bool


@dataclass(frozen=True)
class CallbackRecord:
    unit: str
    solved: bool
    satisfaction: Satisfaction
    co_handlers: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitScore:
    unit: str
    due: float
    responded: float
    callbacks: float
    solved: float
    satisfied: float
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    score: float | None
    rank: int | None = None


def assess(responses: Iterable[ResponseRecord], callbacks: Iterable[CallbackRecord],
           rules: AssessmentRules) -> list[UnitScore]:
    tallies: dict[str, list[float]] = {}  # unit -> [due, responded, callbacks, solved, satisfied]

    def tally(unit: str) -> list[float]:
        return tallies.setdefault(unit, [0.0, 0.0, 0.0, 0.0, 0.0])

    for r in responses:
        t = tally(r.unit)
        t[0] += 1
        t[1] += 1 if r.on_time else 0
    for c in callbacks:
        points = {Satisfaction.SATISFIED: 1.0, Satisfaction.BASIC: rules.basic_fraction,
                  Satisfaction.UNSATISFIED: 0.0}[c.satisfaction]
        shares = [(c.unit, 1.0)]
        if rules.co_handler_share > 0:
            shares += [(u, rules.co_handler_share) for u in c.co_handlers if u != c.unit]
        for unit, share in shares:
            t = tally(unit)
            t[2] += share
            t[3] += share if c.solved else 0
            t[4] += share * points

    scores = []
    for unit, (due, responded, calls, solved, satisfied) in tallies.items():
        response = responded / due if due else None
        resolution = solved / calls if calls else None
        satisfaction = satisfied / calls if calls else None
        parts = [(response, rules.response_weight), (resolution, rules.resolution_weight),
                 (satisfaction, rules.satisfaction_weight)]
        weight = sum(w for rate, w in parts if rate is not None)
        score = sum(rate * w for rate, w in parts if rate is not None) / weight * 100 if weight else None
        scores.append(UnitScore(unit, due, responded, calls, solved, satisfied, response, resolution,
                                satisfaction, score))
    return rank(scores)


def rank(scores: list[UnitScore]) -> list[UnitScore]:
    """Highest score first; equal scores share a rank (1, 2, 2, 4); units with no score come last."""
    ordered = sorted(scores, key=lambda s: (s.score is None, -(s.score or 0), s.unit))
    ranked, previous, position = [], None, 0
    for index, s in enumerate(ordered, start=1):
        if s.score is None:
            ranked.append(s)
            continue
        key = round(s.score, 9)
        if key != previous:
            position, previous = index, key
        ranked.append(UnitScore(**{**s.__dict__, "rank": position}))
    return ranked
