"""The analytics store: a DuckDB file holding a columnar copy of cases, assignments, callbacks, events and calls.

DuckDB here cannot attach SQLite or PostgreSQL (its scanner extensions would be downloaded at run time), so the
copy is pulled through SQLAlchemy in chunks and handed to DuckDB as Arrow tables. `refresh` copies only the cases
changed since the last refresh (by `updated_at`), replacing their rows in every table, and the calls stored since
(by id: a call record does not change); `full=True` rebuilds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
from sqlalchemy import DateTime, case, or_, select, type_coerce

from jiesu.bootstrap import App
from jiesu.domain.calls import Call
from jiesu.domain.enums import UnitKind
from jiesu.domain.workflow import Action
from jiesu.nlp.sensitivity import kinds_of
from jiesu.storage import tables as t

CHUNK = 20_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    id BIGINT PRIMARY KEY, ticket VARCHAR, kind VARCHAR, channel VARCHAR, category VARCHAR, category1 VARCHAR,
    category2 VARCHAR, urgency VARCHAR, status VARCHAR, received_at TIMESTAMP, received_local TIMESTAMP,
    district VARCHAR, subdistrict VARCHAR, community VARCHAR, lead_unit VARCHAR, resolve_due TIMESTAMP,
    resolved_at TIMESTAMP, unreasonable VARCHAR, master_id BIGINT, updated_at TIMESTAMP, keywords VARCHAR[],
    sensitive_kinds VARCHAR[]);
CREATE TABLE IF NOT EXISTS assignments (
    request_id BIGINT, seq INTEGER, unit VARCHAR, role VARCHAR, kind VARCHAR, dispatched_at TIMESTAMP,
    acknowledge_due TIMESTAMP, contact_due TIMESTAMP, acknowledged_at TIMESTAMP, contacted_at TIMESTAMP,
    ended_at TIMESTAMP, end_reason VARCHAR);
CREATE TABLE IF NOT EXISTS follow_ups (
    request_id BIGINT, seq INTEGER, "at" TIMESTAMP, solved BOOLEAN, satisfaction VARCHAR, unit VARCHAR,
    excluded BOOLEAN, at_local TIMESTAMP, month_local DATE);
CREATE TABLE IF NOT EXISTS events (
    request_id BIGINT, seq INTEGER, "at" TIMESTAMP, action VARCHAR, role VARCHAR, from_status VARCHAR,
    to_status VARCHAR, actor VARCHAR, line VARCHAR);
CREATE TABLE IF NOT EXISTS calls (
    id BIGINT PRIMARY KEY, offered_at TIMESTAMP, offered_local TIMESTAMP, answered BOOLEAN, wait_s DOUBLE,
    talk_s DOUBLE, agent VARCHAR, wrap_s DOUBLE);
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
"""
TABLES = ("cases", "assignments", "follow_ups", "events", "calls")
SCHEMA_VERSION = "9"  # a store of another version is dropped and rebuilt by the next refresh


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
    if connection.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'").fetchall()[0][0]:
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
                           _naive(r.c.received_at), r.c.division, r.c.lead_unit, _naive(r.c.resolve_due),
                           _naive(r.c.resolved_at), r.c.unreasonable, r.c.master_id, _naive(r.c.updated_at),
                           r.c.keywords, r.c.sensitive).order_by(r.c.updated_at, r.c.id)
            if watermark is not None:
                query = query.where(r.c.updated_at > watermark)
            copied, newest = 0, watermark
            places = _Places(directory)
            result = uow.connection.execution_options(stream_results=True, yield_per=CHUNK).execute(query)
            for chunk in result.partitions(CHUNK):
                ids = [x[0] for x in chunk]
                cases = places.case_table(chunk)
                children = _children(uow.connection, ids, {x[0] for x in chunk if x[12] == "approved"})
                _replace(connection, ids, cases, children)
                copied += len(chunk)
                last = chunk[-1][14].replace(tzinfo=UTC)
                newest = max(newest or last, last)
                if progress:
                    progress(len(chunk))
            _copy_calls(connection, uow.connection)
        if newest is not None:
            connection.execute("INSERT OR REPLACE INTO meta VALUES ('watermark', ?)", [newest.isoformat()])
        connection.execute("INSERT OR REPLACE INTO meta VALUES ('refreshed_at', ?)",
                           [datetime.now(UTC).isoformat()])
    finally:
        connection.close()
    return RefreshResult(copied, time.perf_counter() - began, full)


def _copy_calls(connection, source) -> None:
    """The call records stored since the last copy, without the caller: those with an id above the store's, and
    those stored in the minutes before the last copy (a transaction that took a lower id may have committed after
    it), which the store keeps once."""
    c = t.calls
    last = connection.execute("SELECT coalesce(max(id), 0) FROM calls").fetchall()[0][0]
    row = connection.execute("SELECT value FROM meta WHERE key = 'refreshed_at'").fetchall()
    since = datetime.fromisoformat(row[0][0]) - timedelta(minutes=10) if row else None
    newer = c.c.id > last if since is None else or_(c.c.id > last, c.c.received_at >= since)
    query = (select(c.c.id, _naive(c.c.offered_at), _naive(c.c.answered_at), _naive(c.c.ended_at), c.c.agent,
                    _naive(c.c.wrapped_at)).where(newer).order_by(c.c.id))
    offset = timedelta(hours=8)
    for chunk in source.execution_options(stream_results=True, yield_per=CHUNK).execute(query).partitions(CHUNK):
        read = [Call("", "", offered, answered, ended, agent, wrapped)  # its definitions of wait, talk, handling
                for _, offered, answered, ended, agent, wrapped in chunk]
        rows = pa.table({
            "id": pa.array([row[0] for row in chunk], pa.int64()),
            "offered_at": pa.array([call.offered_at for call in read], pa.timestamp("us")),
            "offered_local": pa.array([call.offered_at + offset for call in read], pa.timestamp("us")),
            "answered": pa.array([call.answered for call in read], pa.bool_()),
            "wait_s": pa.array([call.wait_seconds for call in read], pa.float64()),
            "talk_s": pa.array([call.talk_seconds for call in read], pa.float64()),
            "agent": pa.array([call.agent for call in read], pa.string()),
            "wrap_s": pa.array([call.wrap_seconds for call in read], pa.float64())})
        connection.register("incoming_calls", rows)
        connection.execute("INSERT OR IGNORE INTO calls SELECT * FROM incoming_calls")
        connection.unregister("incoming_calls")


def _naive(column):
    """A UTC column read as the naive UTC it is stored as (no conversion to aware and back per value)."""
    return type_coerce(column, DateTime()).label(column.name)


CASE_SCHEMA = pa.schema([
    ("id", pa.int64()), ("ticket", pa.string()), ("kind", pa.string()), ("channel", pa.string()),
    ("category", pa.string()), ("category1", pa.string()), ("category2", pa.string()), ("urgency", pa.string()),
    ("status", pa.string()), ("received_at", pa.timestamp("us")), ("received_local", pa.timestamp("us")),
    ("district", pa.string()), ("subdistrict", pa.string()), ("community", pa.string()), ("lead_unit", pa.string()),
    ("resolve_due", pa.timestamp("us")), ("resolved_at", pa.timestamp("us")), ("unreasonable", pa.string()),
    ("master_id", pa.int64()), ("updated_at", pa.timestamp("us")), ("keywords", pa.list_(pa.string())),
    ("sensitive_kinds", pa.list_(pa.string()))])  # 敏感诉求: its kinds only (the reason may name people)


class _Places:
    """Category levels and district/街道/社区 of each case, looked up once per code."""

    def __init__(self, directory) -> None:
        self.directory = directory
        self.categories: dict[str | None, tuple] = {None: (None, None)}
        self.divisions: dict[str | None, tuple] = {None: (None, None, None)}

    def category(self, code: str | None) -> tuple:
        if code not in self.categories:
            ancestry = list(reversed(self.directory.category_ancestry(code)))
            self.categories[code] = (ancestry[0], ancestry[1] if len(ancestry) > 1 else None)
        return self.categories[code]

    def division(self, code: str | None) -> tuple:
        if code not in self.divisions:
            found = {u.kind: u.code for u in self.directory.unit_chain(code)}
            self.divisions[code] = (found.get(UnitKind.DISTRICT), found.get(UnitKind.SUBDISTRICT),
                                    found.get(UnitKind.COMMUNITY))
        return self.divisions[code]

    def case_table(self, chunk) -> pa.Table:
        (ids, tickets, kinds, channels, categories, urgencies, statuses, received, divisions, leads, due, resolved,
         unreasonable, masters, updated, keywords, sensitive) = (list(column) for column in zip(*chunk, strict=True))
        levels = [self.category(code) for code in categories]
        places = [self.division(code) for code in divisions]
        offset = timedelta(hours=8)  # Asia/Shanghai has kept UTC+8 without daylight saving since 1991
        columns = [ids, tickets, kinds, channels, categories, [x[0] for x in levels], [x[1] for x in levels],
                   urgencies, statuses, received, [moment + offset for moment in received],
                   [x[0] for x in places], [x[1] for x in places], [x[2] for x in places], leads, due, resolved,
                   unreasonable, masters, updated, [list(dict.fromkeys(words.split())) for words in keywords],
                   [list(kinds_of(reason)) for reason in sensitive]]
        return pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, CASE_SCHEMA, strict=True)],
                                    schema=CASE_SCHEMA)


def _children(connection, ids: list[int], excluded: set[int]) -> dict[str, pa.Table]:
    """The cases' assignments, callbacks (marked `excluded` when the case is an approved unreasonable request, so
    that metrics need no join) and events, as Arrow tables."""
    a, f, e = t.assignments, t.follow_ups, t.events

    def table(query) -> pa.Table:
        result = connection.execute(query)
        names = list(result.keys())
        rows = result.all()
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
        return pa.table({name: pa.array(list(column), type=_ARROW_TYPES.get(name))
                         for name, column in zip(names, columns, strict=True)})

    follow_ups = table(select(f.c.request_id, f.c.seq, _naive(f.c.at), f.c.solved, f.c.satisfaction, f.c.unit)
                       .where(f.c.request_id.in_(ids)))
    moments = follow_ups.column("at").to_pylist()
    local = [moment + timedelta(hours=8) for moment in moments]  # Beijing time, as for the cases
    follow_ups = (follow_ups
                  .append_column("excluded", pa.array([x in excluded for x in follow_ups.column("request_id")
                                                       .to_pylist()], pa.bool_()))
                  .append_column("at_local", pa.array(local, pa.timestamp("us")))
                  .append_column("month_local", pa.array([m.date().replace(day=1) for m in local], pa.date32())))
    return {
        "assignments": table(select(a.c.request_id, a.c.seq, a.c.unit, a.c.role, a.c.kind, _naive(a.c.dispatched_at),
                                    _naive(a.c.acknowledge_due), _naive(a.c.contact_due),
                                    _naive(a.c.acknowledged_at), _naive(a.c.contacted_at), _naive(a.c.ended_at),
                                    a.c.end_reason).where(a.c.request_id.in_(ids))),
        "follow_ups": follow_ups,
        "events": table(select(e.c.request_id, e.c.seq, _naive(e.c.at), e.c.action, e.c.role, e.c.from_status,
                               e.c.to_status, e.c.actor, _line(e)).where(e.c.request_id.in_(ids))),
    }


def _line(e):
    """The emergency line a 转紧急热线 or 通报紧急热线 step names (its changes' `line`), else null."""
    return case((e.c.action.in_([Action.HAND_OVER.value, Action.ALERT_LINE.value]),
                 e.c.changes[("line", 1)].as_string()), else_=None).label("line")


_ARROW_TYPES = {"request_id": pa.int64(), "seq": pa.int32(), "solved": pa.bool_(), **{
    name: pa.timestamp("us") for name in ("at", "dispatched_at", "acknowledge_due", "contact_due", "acknowledged_at",
                                          "contacted_at", "ended_at")}}
for _name in ("unit", "role", "kind", "end_reason", "satisfaction", "action", "from_status", "to_status", "actor",
              "line"):
    _ARROW_TYPES[_name] = pa.string()


def _replace(connection, ids: list[int], cases: pa.Table, children: dict[str, pa.Table]) -> None:
    connection.execute("BEGIN")
    try:
        changed = pa.table({"id": pa.array(ids, pa.int64())})
        connection.register("changed_ids", changed)
        connection.execute("DELETE FROM cases WHERE id IN (SELECT id FROM changed_ids)")
        for table in ("assignments", "follow_ups", "events"):
            connection.execute(f"DELETE FROM {table} WHERE request_id IN (SELECT id FROM changed_ids)")
        for table, rows in (("cases", cases), *children.items()):
            if rows.num_rows:
                connection.register("incoming", rows)
                columns = ", ".join(f'"{name}"' for name in rows.column_names)
                connection.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming")
                connection.unregister("incoming")
        connection.unregister("changed_ids")
        connection.execute("COMMIT")
    except Exception:
        connection.execute("ROLLBACK")
        raise
