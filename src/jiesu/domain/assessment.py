"""三率 assessment: response, resolution and satisfaction rates per unit and period.

响应率 = assignments signed for and contacted within their limits / assignments due in the period
解决率 = callbacks saying solved / callbacks
满意率 = (satisfied + basic_fraction × basically satisfied) / callbacks
综合得分 = weighted sum of the rates available (weights re-normalised over the rates a unit has).
Cases approved as unreasonable are excluded before they get here. Co-handling units count
`co_handler_share` of each callback of the cases they co-handle (0 leaves them out).

Units are ranked against their own kind (同类排名: 区 with 区, 街道/乡镇 with 街道/乡镇, departments with departments,
companies with companies), and only with at least `min_cases` assessed items in the period (应响应件 + 回访件): a
street office is not compared with a power company, and a unit with one callback does not top the list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from jiesu.domain.enums import Satisfaction
from jiesu.domain.errors import InvalidInput


@dataclass(frozen=True)
class AssessmentRules:
    response_weight: float = 10
    resolution_weight: float = 45
    satisfaction_weight: float = 45
    basic_fraction: float = 0.8
    co_handler_share: float = 0.0
    min_cases: float = 0  # below this many 应响应件 + 回访件 in the period a unit's rates are shown unranked
    # 回访无法联系: a requester is given up on (and the callback left out of the rates) only after this many unanswered
    # calls in the round, the first and the last at least this many hours apart (not three rings in a row)
    callback_tries: int = 3
    callback_spread_hours: float = 2

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
        if self.min_cases < 0:
            raise InvalidInput("参与排名的最少件数不能为负", field="min_cases")
        if not isinstance(self.callback_tries, int) or self.callback_tries < 1:
            raise InvalidInput("回访无法联系前的未接通次数应为正整数", field="callback_tries")
        if self.callback_spread_hours < 0:
            raise InvalidInput("未接通拨打的首末间隔小时数不能为负", field="callback_spread_hours")


@dataclass(frozen=True)
class ResponseRecord:
    unit: str
    on_time: bool
    count: int = 1  # how many such assignments (the database hands them over already grouped)


@dataclass(frozen=True)
class CallbackRecord:
    unit: str
    solved: bool
    satisfaction: Satisfaction
    co_handlers: tuple[str, ...] = ()
    count: int = 1  # how many such callbacks


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
    rank: int | None = None  # within its group; None: no score, or fewer cases than the rules' min_cases
    group: str = ""  # the kind of unit it is ranked against

    @property
    def cases(self) -> float:
        return self.due + self.callbacks


def assess(responses: Iterable[ResponseRecord], callbacks: Iterable[CallbackRecord],
           rules: AssessmentRules, group_of: Callable[[str], str] | None = None) -> list[UnitScore]:
    """Every unit's rates and score, ranked within its group (`group_of(unit)`; one group without it)."""
    tallies: dict[str, list[float]] = {}  # unit -> [due, responded, callbacks, solved, satisfied]

    def tally(unit: str) -> list[float]:
        return tallies.setdefault(unit, [0.0, 0.0, 0.0, 0.0, 0.0])

    for r in responses:
        t = tally(r.unit)
        t[0] += r.count
        t[1] += r.count if r.on_time else 0
    for c in callbacks:
        points = {Satisfaction.SATISFIED: 1.0, Satisfaction.BASIC: rules.basic_fraction,
                  Satisfaction.UNSATISFIED: 0.0}[c.satisfaction]
        shares = [(c.unit, 1.0)]
        if rules.co_handler_share > 0:
            shares += [(u, rules.co_handler_share) for u in c.co_handlers if u != c.unit]
        for unit, share in shares:
            t = tally(unit)
            weight = share * c.count
            t[2] += weight
            t[3] += weight if c.solved else 0
            t[4] += weight * points

    scores = [_scored(unit, *counts, rules=rules, group=group_of(unit) if group_of else "")
              for unit, counts in tallies.items()]
    return rank(scores, rules.min_cases)


def _scored(unit: str, due: float, responded: float, calls: float, solved: float, satisfied: float, *,
            rules: AssessmentRules, group: str = "") -> UnitScore:
    response = responded / due if due else None
    resolution = solved / calls if calls else None
    satisfaction = satisfied / calls if calls else None
    parts = [(response, rules.response_weight), (resolution, rules.resolution_weight),
             (satisfaction, rules.satisfaction_weight)]
    weight = sum(w for rate, w in parts if rate is not None)
    score = sum(rate * w for rate, w in parts if rate is not None) / weight * 100 if weight else None
    return UnitScore(unit, due, responded, calls, solved, satisfied, response, resolution, satisfaction, score,
                     group=group)


def combined(unit: str, scores: Iterable[UnitScore], rules: AssessmentRules, group: str = "全辖区") -> UnitScore | None:
    """The 三率 of several units taken as one (a district with its 街道/乡镇 and 社区: 全辖区), from their counts — not
    an average of their rates, so a unit with many cases weighs as much as its cases do (with `co_handler_share`, a
    callback co-handled within them counts for each unit as in its own figures). None: no counts at all. Unranked:
    it is compared with nothing."""
    counts = [0.0] * 5
    found = False
    for s in scores:
        found = True
        for i, value in enumerate((s.due, s.responded, s.callbacks, s.solved, s.satisfied)):
            counts[i] += value
    return _scored(unit, *counts, rules=rules, group=group) if found else None


def rank(scores: list[UnitScore], min_cases: float = 0) -> list[UnitScore]:
    """Within each group, highest score first; equal scores share a rank (1, 2, 2, 4); units with no score or
    fewer than `min_cases` cases come after the ranked ones of their group, unranked. Groups keep the order in
    which they first appear."""
    groups: dict[str, list[UnitScore]] = {}
    for s in scores:
        groups.setdefault(s.group, []).append(s)
    ranked = []
    for members in groups.values():
        def unranked(s: UnitScore) -> bool:
            return s.score is None or s.cases < min_cases

        ordered = sorted(members, key=lambda s: (unranked(s), -(s.score or 0), s.unit))
        previous, position, index = None, 0, 0
        for s in ordered:
            if unranked(s):
                ranked.append(replace(s, rank=None))
                continue
            index += 1
            key = round(s.score or 0.0, 9)  # ranked: a score is there
            if key != previous:
                position, previous = index, key
            ranked.append(replace(s, rank=position))
    return ranked
