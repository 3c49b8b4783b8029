"""Counting calls per client and time slot in the database (one transaction per call), for `api/limits.py`."""

from __future__ import annotations

import random

from sqlalchemy import delete, select

from jiesu.bootstrap import App
from jiesu.storage import tables as t

_r = t.rate_counts


def hit(app: App, key: str, slot: int) -> tuple[int, int]:
    """Count one call of `key` in `slot`; returns the calls of this slot (this one included) and of the one
    before. Now and then, slots older than the previous one are deleted (for this key's limiter)."""
    with app.uow() as uow:
        c = uow.connection
        from sqlalchemy.dialects import postgresql, sqlite

        dialect = postgresql if c.dialect.name == "postgresql" else sqlite
        upsert = dialect.insert(_r).values(key=key, slot=slot, hits=1)
        c.execute(upsert.on_conflict_do_update(index_elements=[_r.c.key, _r.c.slot], set_={"hits": _r.c.hits + 1}))
        counts = dict(c.execute(select(_r.c.slot, _r.c.hits).where(_r.c.key == key, _r.c.slot.in_([slot, slot - 1]))
                                ).all())  # (no RETURNING: SQLite has it only since 3.35)
        if random.random() < 0.01:
            limiter = key.split(":", 1)[0] + ":"
            c.execute(delete(_r).where(_r.c.key.startswith(limiter, autoescape=True), _r.c.slot < slot - 1))
        uow.commit()
    return counts.get(slot, 0), counts.get(slot - 1, 0)
