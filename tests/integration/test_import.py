"""Importing another system's export through a column mapping."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from jiesu.domain.errors import ConfigError
from jiesu.services import cases
from jiesu.services.importer import import_csv, load_mapping
from jiesu.storage import tables as t
from tests.support import FIXTURES, local


def count(app) -> int:
    with app.engine.connect() as c:
        return c.execute(select(func.count()).select_from(t.requests)).scalar()


def test_good_rows_are_imported_and_bad_rows_reported_with_their_lines(app):
    result = import_csv(app, FIXTURES / "import_small.csv", load_mapping(FIXTURES / "import_small.yaml"))
    assert (result.read, result.imported) == (4, 2)
    assert [(line, field) for line, field, _ in result.problems] == [(3, "received_at"), (4, "requester.phone")]
    imported = [cases.show(app, row.id) for row in cases.list_cases(app, cases.CaseFilter())]
    first = next(r for r in imported if r.category == "WY1")
    assert first.received_at == local(2026, 11, 2, 9, 15) and first.content == "Dirty Alley：小区楼道垃圾没人清理"
    assert first.location.division == "WJ01" and first.requester.phone == "13812345678"
    assert first.source_ref == "1" and first.events[0].changes["source_ref"] == [None, "1"]  # the old system's id
    assert [row.id for row in cases.list_cases(app, cases.CaseFilter(text="1"))] == [first.id]  # 工单查询 finds it
    assert {r.category for r in imported} == {"WY1", "ZS1"}


def test_with_reject_one_bad_row_refuses_the_whole_file(app):
    result = import_csv(app, FIXTURES / "import_small.csv", load_mapping(FIXTURES / "import_small.yaml"), reject=True)
    assert result.rejected and result.imported == 0 and len(result.problems) == 2
    assert count(app) == 0


def test_a_mapping_without_an_explicit_time_format_is_refused(tmp_path):
    bad = tmp_path / "m.yaml"
    bad.write_text("columns:\n  content: text\n  received_at: when\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_mapping(bad)
    assert "formats" in caught.value.reason
    bad.write_text("columns:\n  content: text\n  colour: x\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_mapping(bad)
