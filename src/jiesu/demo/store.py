"""Writing a simulated history to the database in bulk, with progress."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, func, insert, select, text

from jiesu.domain.request import CitizenRequest
from jiesu.storage import tables as t
from jiesu.storage import text_index
from jiesu.storage.cipher import PersonalDataCipher
from jiesu.storage.request_repository import (
    RequestRepository,
    assignment_row,
    event_row,
    follow_up_row,
    said_of,
    ticket_for,
)

BATCH = 2000


def next_request_id(connection: Connection) -> int:
    return (connection.execute(select(func.max(t.requests.c.id))).scalar() or 0) + 1


def bulk_insert(connection: Connection, cipher: PersonalDataCipher, requests: list[CitizenRequest],
                progress: Callable[[int], None] | None = None) -> None:
    """Insert requests that already carry ids (assigned by the simulator). Masters come before the requests
    merged into them because ids grow with time."""
    repository = RequestRepository(connection, cipher)
    for start in range(0, len(requests), BATCH):
        batch = requests[start:start + BATCH]
        rows, assignments, follow_ups, events = [], [], [], []
        for r in batch:
            assert r.id is not None
            r.ticket = ticket_for(r.received_at, r.id)
            r.version = 1
            rows.append(repository._row(r) | {"id": r.id, "ticket": r.ticket, "version": 1})
            assignments += [assignment_row(r.id, a) for a in r.assignments]
            follow_ups += [follow_up_row(r.id, seq, f) for seq, f in enumerate(r.follow_ups, start=1)]
            events += [event_row(r.id, e) for e in r.events]
            r.new_events_from = len(r.events)
        # a request may be merged into one of the same batch: insert without master links, then set them
        masters = {row["id"]: row.pop("master_id") for row in rows}
        connection.execute(insert(t.requests), [row | {"master_id": None} for row in rows])
        text_index.write(connection, [(row["id"], said_of(row)) for row in rows], new=True)
        for rid, master in masters.items():
            if master is not None:
                connection.execute(t.requests.update().where(t.requests.c.id == rid).values(master_id=master))
        for table, values in ((t.assignments, assignments), (t.follow_ups, follow_ups), (t.events, events)):
            if values:
                connection.execute(insert(table), values)
        if progress:
            progress(len(batch))
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT setval(pg_get_serial_sequence('requests', 'id'), "
                                "(SELECT COALESCE(MAX(id), 1) FROM requests))"))
