"""The demo's 话务记录: the calls its phone cases came on, and the calls that became no case (a caller asking how
their case is going, a silent line) or were given up in the queue, as a telephony would have reported them.

Waits follow the hour's load (the same curve the cases' hours are drawn from): at the peak a caller waits longer,
and one whose patience runs out first hangs up (呼损); a few hang up within seconds (a misdial)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert

from jiesu.domain.calendar import SHANGHAI
from jiesu.domain.enums import Channel
from jiesu.domain.request import CitizenRequest
from jiesu.storage import tables as t
from jiesu.storage.cipher import PersonalDataCipher

NO_CASE = 0.25  # answered calls that become no case, for each call that does
MISDIALS = 0.03  # callers hanging up within seconds
PATIENCE = 90.0  # seconds a caller waits on average before giving up
BATCH = 2000


@dataclass(frozen=True)
class DemoCall:
    ref: str
    caller: str
    offered_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    agent: str | None
    request_id: int | None
    wrapped_at: datetime | None = None  # the agent ready again after the 话后整理


def simulate(requests: list[CitizenRequest], rng: random.Random, now: datetime, hours: list[float]) -> list[DemoCall]:
    """The calls of the phone cases (each answered by the agent who registered it), plus those that became none."""
    peak = max(hours)
    calls: list[DemoCall] = []
    for request in requests:
        if request.channel != Channel.PHONE or request.id is None:
            continue
        registered = request.events[0]
        load = hours[request.received_at.astimezone(SHANGHAI).hour] / peak
        answered = request.received_at
        offered = answered - timedelta(seconds=_wait(rng, load))
        ended = min(registered.at + timedelta(seconds=rng.uniform(10, 90)), now)
        ended = max(ended, answered)
        calls.append(DemoCall(f"DEMO-{request.id:07d}", request.requester.phone or "", offered, answered, ended,
                              registered.actor, request.id, min(ended + timedelta(seconds=rng.uniform(15, 90)), now)))
        if rng.random() < NO_CASE:  # a call from someone else about the same time, answered and closed on the line
            calls.append(_other(rng, offered + timedelta(seconds=rng.uniform(-1800, 1800)), load, len(calls), now))
    return [call for call in calls if call.ended_at <= now]


def _wait(rng: random.Random, load: float) -> float:
    """How long a call waits for an agent in an hour as busy as `load` (1: the peak)."""
    return rng.expovariate(1 / (3 + 25 * load ** 2))


def _other(rng: random.Random, offered: datetime, load: float, number: int, now: datetime) -> DemoCall:
    caller = rng.choice(("13", "15", "18", "17")) + "".join(str(rng.randint(0, 9)) for _ in range(9))
    ref = f"DEMO-X{number:07d}"
    if rng.random() < MISDIALS:
        return DemoCall(ref, caller, offered, None, offered + timedelta(seconds=rng.uniform(1, 5)), None, None)
    wait, patience = _wait(rng, load) * 2.5, rng.expovariate(1 / PATIENCE)  # the no-case calls carry the abandons
    if patience < wait:
        return DemoCall(ref, caller, offered, None, offered + timedelta(seconds=patience + 6), None, None)
    answered = offered + timedelta(seconds=wait)
    ended = answered + timedelta(seconds=rng.uniform(40, 240))
    return DemoCall(ref, caller, offered, answered, ended, f"坐席{rng.randint(1, 40):02d}", None,
                    min(ended + timedelta(seconds=rng.uniform(10, 40)), now))


def store(connection, cipher: PersonalDataCipher, calls: list[DemoCall], received_at: datetime) -> None:
    """The calls and their cases' links, in bulk (the demo's history is written before anything is served)."""
    for start in range(0, len(calls), BATCH):
        batch = calls[start:start + BATCH]
        connection.execute(insert(t.calls), [{
            "ref": call.ref, "caller_phone": cipher.encrypt(call.caller), "caller_key": cipher.lookup_key(call.caller),
            "offered_at": call.offered_at, "answered_at": call.answered_at, "ended_at": call.ended_at,
            "agent": call.agent, "wrapped_at": call.wrapped_at, "received_at": received_at} for call in batch])
        links = [{"call_ref": call.ref, "request_id": call.request_id} for call in batch if call.request_id]
        if links:
            connection.execute(insert(t.call_cases), links)
