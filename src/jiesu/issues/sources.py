"""Where messages come from: a CSV of messages (columns named by the user) or the cases in the database."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from jiesu.domain.errors import ConfigError, InvalidInput
from jiesu.issues.hot import Message

TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d",
                "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S")


def parse_time(value: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def messages_from_csv(path: Path, *, title_col: str | None, text_col: str, time_col: str | None,
                      user_col: str | None, votes_col: str | None, against_col: str | None = None,
                      id_col: str | None = None) -> list[Message]:
    if not path.exists():
        raise ConfigError(str(path), None, "文件不存在")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        for option, column in (("--text-col", text_col), ("--title-col", title_col), ("--time-col", time_col),
                               ("--user-col", user_col), ("--votes-col", votes_col), ("--id-col", id_col)):
            if column and column not in columns:
                raise InvalidInput(f"{path.name} 没有列 {column!r}（有：{', '.join(columns)}）", field=option)
        against = against_col if against_col in columns else ("反对数" if "反对数" in columns else None)
        messages = []
        for number, row in enumerate(reader, start=1):
            text = (row.get(text_col) or "").strip()
            title = (row.get(title_col) or "").strip() if title_col else ""
            if not text and not title:
                continue
            when = parse_time(row.get(time_col, "")) if time_col else None
            if time_col and row.get(time_col) and when is None:
                raise ConfigError(path.name, reader.line_num, f"无法识别的时间 {row.get(time_col)!r}")
            messages.append(Message(
                id=(row.get(id_col) or "").strip() if id_col else (row.get("留言编号") or str(number)),
                title=title or text[:30], text=text, time=when,
                user=(row.get(user_col) or "").strip() if user_col else "",
                likes=_int(row.get(votes_col)) if votes_col else 0,
                dislikes=_int(row.get(against)) if against else 0))
    if not messages:
        raise ConfigError(path.name, None, "没有可用的留言")
    return messages


def _int(value: str | None) -> int:
    try:
        return int(float(value or 0))
    except ValueError:
        return 0


CASE_COLUMNS = ("id", "ticket", "title", "content", "received_at", "requester_key", "urgency", "category", "division")


def case_messages(rows, directory, key: str = "ticket") -> list[Message]:
    """Cases (rows with CASE_COLUMNS) as messages identified by `key`, grouped by category and district (a class of
    problems is one matter in one area)."""
    from jiesu.domain.calendar import SHANGHAI
    from jiesu.domain.enums import UnitKind

    districts: dict[str | None, str] = {}
    for division in {x.division for x in rows}:
        unit = directory.territorial_at(division, UnitKind.DISTRICT)
        districts[division] = unit.code if unit else ""
    return [Message(id=str(getattr(x, key)), title=x.title, text=x.content,
                    time=x.received_at.astimezone(SHANGHAI).replace(tzinfo=None),
                    user=x.requester_key or str(getattr(x, key)), urgent=x.urgency == "emergency",
                    group=f"{x.category}|{districts[x.division]}") for x in rows]


def messages_from_db(app, since: datetime | None = None, until: datetime | None = None) -> list[Message]:
    """The cases received in [since, until) as messages, by ticket."""
    from sqlalchemy import select

    from jiesu.storage import tables as t

    r = t.requests
    query = select(*(r.c[name] for name in CASE_COLUMNS))
    if since:
        query = query.where(r.c.received_at >= since)
    if until:
        query = query.where(r.c.received_at < until)
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(query.order_by(r.c.id)).all()
        directory = app.config(uow).directory
    return case_messages(rows, directory)
