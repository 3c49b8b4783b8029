"""工单查询's word index (`request_words`): what each case says — its title, content and keywords, what the
requester added later (补充诉求) and the unit's answer (办结答复, 直接办结) — as character pairs (`nlp.search_terms`), kept beside the requests table so that a search reads the cases that have its words instead of
every case it could find with `LIKE`.

SQLite keeps it in an FTS5 table (rowid = the case's id) with the pairs as space-separated tokens, and a search is
one phrase per run of the search text. PostgreSQL keeps a tsvector per case (the pairs as lexemes with their
positions) under a GIN index, and a search is a tsquery of phrases (`<->`). Both are written from the pairs this code
computes, so neither depends on what a database's tokenizer makes of Chinese. The index only narrows: the search
still checks the text with `LIKE` (`services.cases`), so what it finds is exactly what the scan found.

Written when a case is registered (`RequestRepository.add`), when what it says changes (`save`: a 补充诉求, a reply), when the
demo stores its history, and when the retention job masks what a case says (the pairs of a name or number must go
with them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    cast,
    column,
    delete,
    func,
    insert,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.sql import Select

from jiesu.nlp.search_terms import terms
from jiesu.storage import tables as t

_FTS = table("request_words", column("rowid"), column("terms"))  # SQLite
_VECTORS = table("request_words", column("request_id"), column("terms"))  # PostgreSQL
_INSERT_TOKENS = insert(_FTS).values(rowid=bindparam("id"), terms=bindparam("tokens"))
_INSERT_VECTOR = insert(_VECTORS).values(request_id=bindparam("id"), terms=cast(bindparam("tokens"), TSVECTOR))
_MAX_POSITION = 16383  # PostgreSQL's largest position in a tsvector; later pairs share it
BATCH = 2000


def _tokens(groups: list[list[str]]) -> str:
    return " ".join(p for group in groups for p in group)


def _vector(groups: list[list[str]]) -> str:
    """The pairs as a tsvector literal: each lexeme with its positions, a gap between runs so that no phrase
    spans two of them."""
    positions: dict[str, list[int]] = {}
    at = 1
    for group in groups:
        for p in group:
            positions.setdefault(p, []).append(min(at, _MAX_POSITION))
            at += 1
        at += 1
    return " ".join(f"'{p}':{','.join(map(str, sorted(set(places))))}" for p, places in positions.items())


SEARCHED = ("title", "content", "keywords", "supplements", "reply", "notes")  # the columns of `requests` searched


def said(title: str | None, content: str | None, keywords: str | None, supplements: str | None,
         reply: str | None, notes: str | None) -> tuple[str, ...]:
    """What the index keeps of a case (the `SEARCHED` columns): title, content, keywords, what the requester added
    (补充诉求), the answer they were given (办结答复 or 直接办结; a reply sent back for more work is replaced by the
    next) and what the units wrote on the way (办理进展, 协办反馈)."""
    return (title or "", content or "", keywords or "", supplements or "", reply or "", notes or "")


def write(connection: Connection, cases: Sequence[tuple[int, tuple[str, ...]]], new: bool = False) -> None:
    """Index these cases, given as (id, what it says: `said`), replacing what was indexed of them (`new`: cases just
    stored, with nothing to replace — a registration spares the delete)."""
    if not cases:
        return
    postgres = connection.dialect.name == "postgresql"
    if not new:
        ids = [case[0] for case in cases]
        connection.execute(delete(_VECTORS).where(_VECTORS.c.request_id.in_(ids)) if postgres
                           else delete(_FTS).where(_FTS.c.rowid.in_(ids)))
    form = _vector if postgres else _tokens
    connection.execute(_INSERT_VECTOR if postgres else _INSERT_TOKENS,
                       [{"id": case_id, "tokens": form(terms(*texts))} for case_id, texts in cases])


def matching(dialect: str, groups: list[list[str]]) -> Select:
    """The ids of the cases whose indexed text has every run of the search (`search_terms.terms` of it, not
    empty), each as consecutive pairs."""
    if dialect == "postgresql":
        asked = " & ".join("(" + " <-> ".join(f"'{p}'" for p in group) + ")" for group in groups)
        return select(_VECTORS.c.request_id).where(
            _VECTORS.c.terms.op("@@")(cast(bindparam("words", asked, unique=True), TSQUERY)))
    asked = " AND ".join('"' + " ".join(group) + '"' for group in groups)
    return select(_FTS.c.rowid).where(literal_column("request_words").op("MATCH")(
        bindparam("words", asked, unique=True)))


def rebuild(engine: Engine, progress: Callable[[int], None] | None = None) -> int:
    """Index every case again, a batch of cases per transaction along the ids (so that a server beside it waits
    for one batch at most); returns how many. `jiesu db reindex`: after cases were written by other means than
    jiesu's own, or when `jiesu doctor` finds cases missing from the index."""
    r = t.requests
    done, after = 0, 0
    while True:
        with engine.begin() as connection:
            batch = connection.execute(select(r.c.id, *(r.c[name] for name in SEARCHED))
                                       .where(r.c.id > after).order_by(r.c.id).limit(BATCH)).all()
            if not batch:
                return done
            write(connection, [(row.id, said(*row[1:])) for row in batch])
        done, after = done + len(batch), batch[-1].id
        if progress:
            progress(len(batch))


def count(connection: Connection) -> int:
    """How many cases the index holds (`jiesu doctor` compares it with the cases stored)."""
    return connection.execute(select(func.count()).select_from(
        _VECTORS if connection.dialect.name == "postgresql" else _FTS)).scalar_one()
