"""The analytics store: a DuckDB file holding a columnar copy of cases, assignments, callbacks and events.

DuckDB here cannot attach SQLite or PostgreSQL (its scanner extensions would be downloaded at run time), so the
copy is pulled through SQLAlchemy in chunks and handed to DuckDB as Arrow tables. `refresh` copies only the cases
changed since the last refresh (by `updated_at`), replacing their rows in every table; `full=True` rebuilds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
from sqlalchemy import select

from jiesu.bootstrap import App
from jiesu.domain.calendar import SHANGHAI
from jiesu.domain.enums import UnitKind
from jiesu.storage import tables as t

CHUNK = 20_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    id BIGINT PRIMARY KEY, ticket VARCHAR, kind VARCHAR, channel VARCHAR, category VARCHAR, category1 VARCHAR,
    category2 VARCHAR, urgency VARCHAR, status VARCHAR, received_at TIMESTAMP, received_local TIMESTAMP,
    district VARCHAR, subdistrict VARCHAR, community VARCHAR, lead_unit VARCHAR, resolve_due TIMESTAMP,
    resolved_at TIMESTAMP, unreasonable VARCHAR, master_id BIGINT, updated_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS assignments (
    request_id BIGINT, seq INTEGER, unit VARCHAR, role VARCHAR, kind VARCHAR, dispatched_at TIMESTAMP,
    acknowledge_due TIMESTAMP, contact_due TIMESTAMP, acknowledged_at TIMESTAMP, contacted_at TIMESTAMP,
    ended_at TIMESTAMP, end_reason VARCHAR);
CREATE TABLE IF NOT EXISTS follow_ups (
    request_id BIGINT, seq INTEGER, "at" TIMESTAMP, solved BOOLEAN, satisfaction VARCHAR, unit VARCHAR,
    excluded BOOLEAN, at_local TIMESTAMP, month_local DATE);
CREATE TABLE IF NOT EXISTS events (
    request_id BIGINT, seq INTEGER, "at" TIMESTAMP, action VARCHAR, role VARCHAR, from_status VARCHAR,
    to_status VARCHAR);
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
"""
TABLES = ("cases", "assignments", "follow_ups", "events")
SCHEMA_VERSION = "3"  # a store of another version is dropped and rebuilt by the next refresh


@dataclass(frozen=True)
class RefreshResult:
    cases: int
    seconds: float
    full: bool


def default_path(app: App) -> Path:
    return Path(app.settings.analytics_path)


def connect(path: Path):
    import duckdb

    connection = duckdb.connect(str(path))
    version = None
    if connection.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'").fetchone()[0]:
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        version = row[0] if row else "1"
    if version != SCHEMA_VERSION:
        for table in (*TABLES, "meta"):
            connection.execute(f"DROP TABLE IF EXISTS {table}")
        connection.execute(SCHEMA)
        connection.execute("INSERT INTO meta VALUES ('schema', ?)", [SCHEMA_VERSION])
    return connection


def _naive_utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment else None


def refresh(app: App, path: Path | None = None, full: bool = False, progress=None) -> RefreshResult:
    import time

    began = time.perf_counter()
    path = path or default_path(app)
    connection = connect(path)
    try:
        if full:
            for table in TABLES:
                connection.execute(f"DELETE FROM {table}")
            connection.execute("DELETE FROM meta WHERE key <> 'schema'")
        row = connection.execute("SELECT value FROM meta WHERE key = 'watermark'").fetchone()
        watermark = datetime.fromisoformat(row[0]).replace(tzinfo=UTC) if row else None
        with app.uow(read_only=True) as uow:
            directory = app.config(uow).directory
            r = t.requests
            query = select(r.c.id, r.c.ticket, r.c.kind, r.c.channel, r.c.category, r.c.urgency, r.c.status,
                           r.c.received_at, r.c.division, r.c.lead_unit, r.c.resolve_due, r.c.resolved_at,
                           r.c.unreasonable, r.c.master_id, r.c.updated_at).order_by(r.c.updated_at, r.c.id)
            if watermark is not None:
                query = query.where(r.c.updated_at > watermark)
            copied, newest = 0, watermark
            result = uow.connection.execution_options(stream_results=True, yield_per=CHUNK).execute(query)
            for chunk in result.partitions(CHUNK):
                ids = [x.id for x in chunk]
                cases = [_case_row(x, directory) for x in chunk]
                children = _children(uow.connection, ids, {x.id for x in chunk if x.unreasonable == "approved"})
                _replace(connection, ids, cases, children)
                copied += len(chunk)
                newest = max(newest or chunk[-1].updated_at, chunk[-1].updated_at)
                if progress:
                    progress(len(chunk))
        if newest is not None:
            connection.execute("INSERT OR REPLACE INTO meta VALUES ('watermark', ?)", [newest.isoformat()])
        connection.execute("INSERT OR REPLACE INTO meta VALUES ('refreshed_at', ?)",
                           [datetime.now(UTC).isoformat()])
    finally:
        connection.close()
    return RefreshResult(copied, time.perf_counter() - began, full)


def _case_row(x, directory) -> dict:
    ancestry = list(reversed(directory.category_ancestry(x.category))) if x.category else []
    places = {u.kind: u.code for u in directory.unit_chain(x.division)} if x.division else {}
    return {"id": x.id, "ticket": x.ticket, "kind": x.kind, "channel": x.channel, "category": x.category,
            "category1": ancestry[0] if ancestry else None, "category2": ancestry[1] if len(ancestry) > 1 else None,
            "urgency": x.urgency, "status": x.status, "received_at": _naive_utc(x.received_at),
            "received_local": x.received_at.astimezone(SHANGHAI).replace(tzinfo=None),
            "district": places.get(UnitKind.DISTRICT), "subdistrict": places.get(UnitKind.SUBDISTRICT),
            "community": places.get(UnitKind.COMMUNITY), "lead_unit": x.lead_unit,
            "resolve_due": _naive_utc(x.resolve_due), "resolved_at": _naive_utc(x.resolved_at),
            "unreasonable": x.unreasonable, "master_id": x.master_id, "updated_at": _naive_utc(x.updated_at)}


def _children(connection, ids: list[int], excluded: set[int]) -> dict[str, list[dict]]:
    """The rows of the cases' assignments, callbacks (marked `excluded` when the case is an approved
    unreasonable request, so that metrics need no join) and events."""
    a, f, e = t.assignments, t.follow_ups, t.events
    times = {"dispatched_at", "acknowledge_due", "contact_due", "acknowledged_at", "contacted_at", "ended_at", "at"}

    def rows(query) -> list[dict]:
        return [{k: (_naive_utc(v) if k in times else v) for k, v in row._mapping.items()}
                for row in connection.execute(query)]

    return {
        "assignments": rows(select(a.c.request_id, a.c.seq, a.c.unit, a.c.role, a.c.kind, a.c.dispatched_at,
                                   a.c.acknowledge_due, a.c.contact_due, a.c.acknowledged_at, a.c.contacted_at,
                                   a.c.ended_at, a.c.end_reason).where(a.c.request_id.in_(ids))),
        "follow_ups": [row | {"excluded": row["request_id"] in excluded, **_local_times(row["at"])}
                       for row in rows(select(f.c.request_id, f.c.seq, f.c.at, f.c.solved, f.c.satisfaction, f.c.unit)
                                       .where(f.c.request_id.in_(ids)))],
        "events": rows(select(e.c.request_id, e.c.seq, e.c.at, e.c.action, e.c.role, e.c.from_status,
                              e.c.to_status).where(e.c.request_id.in_(ids))),
    }


def _local_times(naive_utc: datetime) -> dict:
    """Beijing time and month of a callback, stored so that the trend needs no per-row conversion."""
    local = naive_utc.replace(tzinfo=UTC).astimezone(SHANGHAI).replace(tzinfo=None)
    return {"at_local": local, "month_local": local.date().replace(day=1)}


def _replace(connection, ids: list[int], cases: list[dict], children: dict[str, list[dict]]) -> None:
    connection.execute("BEGIN")
    try:
        changed = pa.table({"id": pa.array(ids, pa.int64())})
        connection.register("changed_ids", changed)
        connection.execute("DELETE FROM cases WHERE id IN (SELECT id FROM changed_ids)")
        for table in ("assignments", "follow_ups", "events"):
            connection.execute(f"DELETE FROM {table} WHERE request_id IN (SELECT id FROM changed_ids)")
        for table, rows in (("cases", cases), *children.items()):
            if rows:
                connection.register("incoming", pa.Table.from_pylist(rows))
                columns = ", ".join(f'"{name}"' for name in rows[0])
                connection.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming")
                connection.unregister("incoming")
        connection.unregister("changed_ids")
        connection.execute("COMMIT")
    except Exception:
        connection.execute("ROLLBACK")
        raise
