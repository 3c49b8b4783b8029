"""坐席排班: how many agents a hotline needs on the phones in an hour to answer its calls in time (Erlang C).

Calls arriving at random (Poisson) at `calls` an hour, each taking `handling` seconds (talk and wrap-up), offer
A = calls × handling / 3600 erlangs of work. With N agents (N > A), the chance that a call has to wait is Erlang's C
formula, and the share answered within `answer_within` seconds is 1 − C · e^(−(N − A) · t / handling). The agents
needed are the fewest that reach the target share without being busy more than `MAX_OCCUPANCY` of the time; those
scheduled are more, since some are always away (breaks, training, leave: `shrinkage`).

Computed through Erlang's B recursion (B₀ = 1, Bₖ = A·Bₖ₋₁ / (k + A·Bₖ₋₁), C = N·B / (N − A·(1 − B))), which stays
exact for hundreds of agents where factorials would overflow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_OCCUPANCY = 0.85  # beyond this, agents burn out and the queue swings with every burst of calls


@dataclass(frozen=True)
class Target:
    """The service a centre promises on the phone and what it takes to plan for it (defaults: a call takes five
    minutes all told; 80 % answered within 20 seconds; 30 % of scheduled time away from the phones)."""

    handling: float = 300.0  # seconds a call takes, talk and wrap-up (the telephony's average handling time)
    answer_within: float = 20.0  # seconds
    share: float = 0.8  # of the calls answered within that
    shrinkage: float = 0.3  # of an agent's scheduled time not on the phones

    def __post_init__(self) -> None:
        from jiesu.domain.errors import InvalidInput

        if not 10 <= self.handling <= 7200:
            raise InvalidInput("平均处理时长应为 10–7200 秒", field="handling")
        if not 0 < self.answer_within <= 600:
            raise InvalidInput("接通时限应为 1–600 秒", field="answer_within")
        if not 0.5 <= self.share < 1:
            raise InvalidInput("接通率目标应在 0.5 与 1 之间", field="share")
        if not 0 <= self.shrinkage < 0.8:
            raise InvalidInput("缺勤率应在 0 与 0.8 之间", field="shrinkage")


def erlang_c(agents: int, load: float) -> float:
    """The chance that a call waits, with `agents` answering `load` erlangs; 1 when they cannot keep up."""
    if load <= 0:
        return 0.0
    if agents <= load:
        return 1.0
    blocked = 1.0
    for k in range(1, agents + 1):
        blocked = load * blocked / (k + load * blocked)
    return agents * blocked / (agents - load * (1 - blocked))


def answered_in_time(agents: int, calls: float, target: Target) -> float:
    """The share of `calls` an hour answered within the target's seconds by `agents`."""
    load = calls * target.handling / 3600
    if load <= 0:
        return 1.0
    if agents <= load:
        return 0.0
    return 1 - erlang_c(agents, load) * math.exp(-(agents - load) * target.answer_within / target.handling)


def agents_needed(calls: float, target: Target) -> int:
    """The fewest agents on the phones that answer `calls` an hour as the target says (0 for no calls)."""
    load = calls * target.handling / 3600
    if load <= 0:
        return 0
    agents = max(1, math.ceil(load / MAX_OCCUPANCY))
    while answered_in_time(agents, calls, target) < target.share:
        agents += 1
    return agents


def scheduled(on_the_phones: int, target: Target) -> int:
    """The agents to put on the roster so that `on_the_phones` of them are answering (the rest away: shrinkage)."""
    return math.ceil(on_the_phones / (1 - target.shrinkage)) if on_the_phones else 0
