"""requests.notes: the units' 办理进展 and 协办反馈 (their steps' notes, one a line), kept on the case for 工单查询 as
the 补充诉求 are; filled for the cases stored before from their steps, and those cases indexed again with them

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-02 01:40:00

The pairing is `nlp.search_terms`'s and the writing `storage.text_index`'s as they were when this was written, with
this migration's own copy of both (as 0026 and 0029 have): a migration keeps doing what it did when the code moves on.
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0031'
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


def _index_noted(with_notes: bool) -> None:
    """Fill `notes` from the steps (upgrade) and index again every case with notes, with them or without them."""
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        remove = sa.text("DELETE FROM request_words WHERE request_id = :id")
        write = sa.text("INSERT INTO request_words (request_id, terms) VALUES (:id, CAST(:terms AS tsvector))")
    else:
        remove = sa.text("DELETE FROM request_words WHERE rowid = :id")
        write = sa.text("INSERT INTO request_words (rowid, terms) VALUES (:id, :terms)")
    noted = sa.text("SELECT request_id, note FROM events WHERE action IN ('note_progress', 'report_back') "
                    "AND note <> '' AND request_id > :after AND request_id <= :upto ORDER BY request_id, seq")
    after = 0
    while True:
        ids = [row[0] for row in connection.execute(sa.text(
            "SELECT DISTINCT request_id FROM events WHERE action IN ('note_progress', 'report_back') AND note <> '' "
            "AND request_id > :after ORDER BY request_id LIMIT :n"), {"after": after, "n": _BATCH})]
        if not ids:
            break
        notes: dict[int, list[str]] = {}
        for request_id, note in connection.execute(noted, {"after": after, "upto": ids[-1]}):
            notes.setdefault(request_id, []).append(note)
        if with_notes:
            connection.execute(sa.text("UPDATE requests SET notes = :notes WHERE id = :id"),
                               [{"id": i, "notes": "\n".join(lines)} for i, lines in notes.items()])
        rows = connection.execute(sa.text(
            "SELECT id, title, content, keywords, supplements, reply FROM requests WHERE id IN :ids")
            .bindparams(sa.bindparam("ids", expanding=True)), {"ids": ids}).all()
        values = []
        for row in rows:
            groups = _groups(row.title, row.content, row.keywords, row.supplements, row.reply,
                             "\n".join(notes.get(row.id, [])) if with_notes else "")
            values.append({"id": row.id, "terms": _vector(groups) if postgres
                           else " ".join(p for group in groups for p in group)})
        if values:
            connection.execute(remove, [{"id": v["id"]} for v in values])
            connection.execute(write, values)
        after = ids[-1]
    if postgres:
        op.execute("ANALYZE request_words")


def upgrade() -> None:
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notes', sa.Text(), server_default='', nullable=False))
    _index_noted(with_notes=True)


def downgrade() -> None:
    _index_noted(with_notes=False)
    # not through a batch: on SQLite that copies `requests` and drops the old table, which its events refer to
    op.execute("ALTER TABLE requests DROP COLUMN notes")  # SQLite 3.35+ and PostgreSQL alike
