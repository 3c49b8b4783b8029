"""request_words: 工单查询's word index, what each case says (title, content, keywords, 补充诉求) as character pairs
(SQLite FTS5; PostgreSQL tsvector + GIN), filled here for the cases already stored; requests.supplements: what the
requester added, kept with the case for the search

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 16:20:00

The filling pairs the text as `nlp.search_terms` and writes it as `storage.text_index` did when this was written,
with its own copy of both: a migration keeps doing what it did when the code moves on.
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
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


def upgrade() -> None:
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supplements', sa.Text(), nullable=False, server_default=''))
    added: dict[int, list[str]] = {}  # what the requesters added (补充诉求), kept with the case from now on
    for case_id, note in connection.execute(sa.text(
            "SELECT request_id, note FROM events WHERE action = 'supplement' ORDER BY request_id, seq")):
        added.setdefault(case_id, []).append(note or "")
    if added:
        connection.execute(sa.text("UPDATE requests SET supplements = :said WHERE id = :id"),
                           [{"id": case_id, "said": "\n".join(notes)} for case_id, notes in added.items()])
    if postgres:
        op.execute("CREATE TABLE request_words (request_id INTEGER NOT NULL, terms TSVECTOR NOT NULL, "
                   "CONSTRAINT pk_request_words PRIMARY KEY (request_id), CONSTRAINT fk_request_words_request_id_requests "
                   "FOREIGN KEY (request_id) REFERENCES requests (id))")
        op.execute("CREATE INDEX ix_request_words_terms ON request_words USING gin (terms)")
        write = sa.text("INSERT INTO request_words (request_id, terms) VALUES (:id, CAST(:terms AS tsvector))")
    else:
        op.execute("CREATE VIRTUAL TABLE request_words USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0')")
        write = sa.text("INSERT INTO request_words (rowid, terms) VALUES (:id, :terms)")
    after = 0
    while True:
        rows = connection.execute(sa.text("SELECT id, title, content, keywords, supplements FROM requests "
                                          "WHERE id > :after ORDER BY id LIMIT :n"), {"after": after, "n": _BATCH}).all()
        if not rows:
            break
        values = []
        for row in rows:
            groups = _groups(row.title, row.content, row.keywords, row.supplements)
            values.append({"id": row.id, "terms": _vector(groups) if postgres
                           else " ".join(p for group in groups for p in group)})
        connection.execute(write, values)
        after = rows[-1].id
    if postgres:  # the planner's statistics now, not when autovacuum comes round: without them it joins the index
        op.execute("ANALYZE request_words")  # to every case for a common word


def downgrade() -> None:
    op.execute("DROP TABLE request_words")
    op.execute("ALTER TABLE requests DROP COLUMN supplements")
