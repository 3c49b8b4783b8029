"""request_words: the unit's answer (requests.reply) joins what 工单查询's word index keeps of a case; the cases
answered already are indexed again here

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 22:40:00

The pairing is `nlp.search_terms`'s and the writing `storage.text_index`'s as they were when this was written, with
this migration's own copy of both (as 0026 has): a migration keeps doing what it did when the code moves on.
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

_RUN = re.compile(r"[^\W_]+")
_BATCH = 2000


def _groups(*texts):
    runs = [run for text in texts if text for run in _RUN.findall(unicodedata.normalize("NFKC", text).casefold())]
    return [[run[i:i + 2] for i in range(len(run) - 1)] for run in runs if len(run) > 1]


def _vector(groups):
    positions, at = {}, 1
    for group in groups:
        for p in group:
            positions.setdefault(p, []).append(min(at, 16383))
            at += 1
        at += 1
    return " ".join(f"'{p}':{','.join(map(str, sorted(set(places))))}" for p, places in positions.items())


def _index_answered(with_reply: bool) -> None:
    """Index again every case that has a reply: with it (upgrade) or without it (downgrade)."""
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        remove = sa.text("DELETE FROM request_words WHERE request_id = :id")
        write = sa.text("INSERT INTO request_words (request_id, terms) VALUES (:id, CAST(:terms AS tsvector))")
    else:
        remove = sa.text("DELETE FROM request_words WHERE rowid = :id")
        write = sa.text("INSERT INTO request_words (rowid, terms) VALUES (:id, :terms)")
    after = 0
    while True:
        rows = connection.execute(sa.text(
            "SELECT id, title, content, keywords, supplements, reply FROM requests "
            "WHERE id > :after AND reply IS NOT NULL AND reply <> '' ORDER BY id LIMIT :n"),
            {"after": after, "n": _BATCH}).all()
        if not rows:
            break
        values = []
        for row in rows:
            groups = _groups(row.title, row.content, row.keywords, row.supplements, row.reply if with_reply else "")
            values.append({"id": row.id, "terms": _vector(groups) if postgres
                           else " ".join(p for group in groups for p in group)})
        connection.execute(remove, [{"id": v["id"]} for v in values])
        connection.execute(write, values)
        after = rows[-1].id
    if postgres:
        op.execute("ANALYZE request_words")


def upgrade() -> None:
    _index_answered(with_reply=True)


def downgrade() -> None:
    _index_answered(with_reply=False)
