"""Large volumes of demo requests, fast, to a columnar file (Parquet) for analytics and benchmarks.

The same city, matters, seasons, hot spots and routing as the simulated history, but vectorised with
NumPy: every column is drawn for a whole chunk at once. Texts come from a pool of realised wordings per
matter (dictionary-encoded), so a year of Beijing (25.8 million requests) stays a few GB on disk.
Lifecycle times are drawn from distributions shaped like the simulated history's, not simulated case
by case; use `jiesu demo` (the database history) where the workflow itself matters.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from jiesu.demo.city import places, units
from jiesu.demo.history import CHANNELS, HOURS, compose_text
from jiesu.demo.matters import MATTERS
from jiesu.domain.routing import Router

TEXTS_PER_MATTER = 96
SATISFACTION = np.array(["satisfied", "basic", "unsatisfied"])


@dataclass(frozen=True)
class GenerationResult:
    rows: int
    path: Path
    seconds: float


class ColumnarGenerator:
    def __init__(self, router: Router, seed: int = 2026) -> None:
        self.rng = np.random.default_rng(seed)
        self.places = places()
        self.unit_names = {u["code"]: u["name"] for u in units()}
        text_rng = random.Random(seed)
        titles, contents = [], []
        for matter in MATTERS:  # per matter, TEXTS_PER_MATTER ordinary texts, then as many of emergencies
            for emergency in (False, True):
                for _ in range(TEXTS_PER_MATTER):
                    title, content = compose_text(text_rng, matter, text_rng.choice(self.places), emergency)
                    titles.append(title)
                    contents.append(content)
        self.titles = pa.array(titles)
        self.contents = pa.array(contents)
        self.categories = pa.array([m.code for m in MATTERS])
        self.kinds = pa.array([m.kind for m in MATTERS])
        self.communities = pa.array([p.community for p in self.places])
        self.subdistricts = pa.array([p.subdistrict for p in self.places])
        self.districts = pa.array([p.district for p in self.places])
        self.channels = pa.array([c.value for c, _ in CHANNELS])
        self.channel_p = np.array([w for _, w in CHANNELS]) / sum(w for _, w in CHANNELS)
        self.hour_p = np.array(HOURS) / sum(HOURS)
        self.emergency = np.array([m.emergency for m in MATTERS])
        self.days = np.array([m.days for m in MATTERS])
        self.difficulty = np.array([m.difficulty for m in MATTERS])
        weights = np.array([[m.weight * m.season.get(month, 1.0) for m in MATTERS] for month in range(1, 13)])
        self.matter_cdf = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
        lead_codes: list[str] = []
        lead_index: dict[str, int] = {}
        table = np.zeros((len(MATTERS), len(self.places)), dtype=np.int32)
        for i, matter in enumerate(MATTERS):
            for j, place in enumerate(self.places):
                best = router.route(matter.code, place.community).best
                code = best.unit.code if best else "CENTRE"
                table[i, j] = lead_index.setdefault(code, len(lead_codes))
                if table[i, j] == len(lead_codes):
                    lead_codes.append(code)
        self.lead_table = table
        self.lead_codes = pa.array(lead_codes)
        rng = np.random.default_rng(seed + 1)
        self.lead_quality = np.clip(rng.normal(0.72, 0.14, len(lead_codes)), 0.25, 0.98)
        self.hot = rng.choice(len(self.places), size=4, replace=False)

    def chunk(self, size: int, start_ns: int, end_ns: int, first_id: int) -> pa.Table:
        rng = self.rng
        day_ns = 86_400 * 10**9
        days = rng.integers(0, max(1, (end_ns - start_ns) // day_ns), size)
        hours = rng.choice(24, size=size, p=self.hour_p) - 8  # local hour -> UTC
        received = start_ns + days * day_ns + hours * 3_600 * 10**9 + rng.integers(0, 3_600 * 10**9, size)
        received = np.clip(received, start_ns, end_ns - 1)
        months = ((received.astype("datetime64[ns]") + np.timedelta64(8, "h")).astype("datetime64[M]")
                  .astype(np.int64) % 12)
        draw = rng.random(size)
        matter = np.empty(size, dtype=np.int32)
        for month in range(12):
            mask = months == month
            matter[mask] = np.searchsorted(self.matter_cdf[month], draw[mask], side="right")
        matter = np.minimum(matter, len(MATTERS) - 1)
        place = rng.integers(0, len(self.places), size)
        hot = rng.random(size) < 0.12
        place[hot] = rng.choice(self.hot, size=int(hot.sum()))
        emergency = rng.random(size) < self.emergency[matter]
        text = (2 * matter + emergency) * TEXTS_PER_MATTER + rng.integers(0, TEXTS_PER_MATTER, size)
        lead = self.lead_table[matter, place]
        quality = self.lead_quality[lead]
        minute = 60 * 10**9
        hour = 60 * minute
        dispatched = received + rng.integers(3, 40, size) * minute
        late = rng.random(size) > quality
        acknowledged = dispatched + (rng.exponential(1.0, size) * np.where(late, 3.0, 0.6) * hour).astype(np.int64)
        work_days = np.where(emergency, rng.exponential(0.1, size),
                             self.days[matter] * rng.lognormal(0, 0.5, size) * (1.4 - quality))
        resolved = acknowledged + (work_days * 86_400 * 10**9).astype(np.int64)
        solved = rng.random(size) < np.clip(0.45 + 0.5 * quality - 0.5 * self.difficulty[matter], 0, 0.97)
        satisfied_p = np.where(solved, np.clip(0.3 + 0.65 * quality - 0.4 * self.difficulty[matter], 0, 0.95), 0.1)
        s_draw = rng.random(size)
        satisfaction = np.where(s_draw < satisfied_p, 0, np.where(s_draw < satisfied_p + 0.5 * (1 - satisfied_p), 1, 2))
        followed = resolved + (rng.exponential(20, size) * hour).astype(np.int64)
        closed = followed < end_ns
        status = np.where(closed, "closed", np.where(resolved < end_ns, "resolved",
                                                     np.where(acknowledged < end_ns, "in_progress", "dispatched")))
        ts = pa.timestamp("us", tz="UTC")

        def when(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
            return pa.array(values // 1000, type=ts, mask=None if valid is None else ~valid)

        ids = np.arange(first_id, first_id + size, dtype=np.int64)
        return pa.table({
            "id": ids,
            "received_at": when(received),
            "channel": pa.DictionaryArray.from_arrays(
                pa.array(rng.choice(len(self.channel_p), size=size, p=self.channel_p), pa.int8()), self.channels),
            "kind": pa.DictionaryArray.from_arrays(pa.array(matter, pa.int32()), self.kinds),
            "category": pa.DictionaryArray.from_arrays(pa.array(matter, pa.int32()), self.categories),
            "urgency": pa.DictionaryArray.from_arrays(pa.array(emergency.astype(np.int8), pa.int8()),
                                                      pa.array(["normal", "emergency"])),
            "district": pa.DictionaryArray.from_arrays(pa.array(place, pa.int32()), self.districts),
            "subdistrict": pa.DictionaryArray.from_arrays(pa.array(place, pa.int32()), self.subdistricts),
            "community": pa.DictionaryArray.from_arrays(pa.array(place, pa.int32()), self.communities),
            "requester_key": rng.integers(0, max(1, size * 3), size),
            "title": pa.DictionaryArray.from_arrays(pa.array(text, pa.int32()), self.titles),
            "content": pa.DictionaryArray.from_arrays(pa.array(text, pa.int32()), self.contents),
            "lead_unit": pa.DictionaryArray.from_arrays(pa.array(lead, pa.int32()), self.lead_codes),
            "status": pa.array(status).dictionary_encode(),
            "dispatched_at": when(dispatched, dispatched < end_ns),
            "acknowledged_at": when(acknowledged, acknowledged < end_ns),
            "resolved_at": when(resolved, resolved < end_ns),
            "followed_up_at": when(followed, closed),
            "solved": pa.array(solved, mask=~closed),
            "satisfaction": pa.DictionaryArray.from_arrays(
                pa.array(satisfaction.astype(np.int8), pa.int8(), mask=~closed), pa.array(SATISFACTION.tolist())),
        })


def generate(router: Router, rows: int, out: Path, start: datetime, end: datetime, seed: int = 2026,
             chunk_rows: int = 1_000_000, progress: Callable[[int], None] | None = None) -> GenerationResult:
    import time

    began = time.perf_counter()
    generator = ColumnarGenerator(router, seed)
    start_ns = int(start.astimezone(UTC).timestamp() * 10**9)
    end_ns = int(end.astimezone(UTC).timestamp() * 10**9)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = None
    try:
        written = 0
        while written < rows:
            size = min(chunk_rows, rows - written)
            table = generator.chunk(size, start_ns, end_ns, written + 1)
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema, compression="zstd")
            writer.write_table(table)
            written += size
            if progress:
                progress(size)
    finally:
        if writer is not None:
            writer.close()
    return GenerationResult(rows, out, time.perf_counter() - began)
