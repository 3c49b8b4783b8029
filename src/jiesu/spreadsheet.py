"""Cells written to CSV and Excel files for people to open in a spreadsheet: text that starts like a formula
(= + - @, a tab or a carriage return) is written as text, never run (CSV/formula injection)."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value, with a leading ' when it is text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value
