"""Reading labelled texts from a CSV file, with clear errors and de-duplication by text."""

from __future__ import annotations

import csv
from pathlib import Path

from jiesu.domain.errors import ConfigError


def read_labelled(path: Path, text_cols: list[str], label_col: str | None, dedupe: bool = True
                  ) -> tuple[list[str], list[str]]:
    """Texts (several columns are joined with a newline, e.g. title and body) and labels ('' without label_col)."""
    if not path.exists():
        raise ConfigError(str(path), None, "文件不存在")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        for column in [*text_cols, *([label_col] if label_col else [])]:
            if column not in columns:
                raise ConfigError(path.name, 1, f"没有列 {column!r}（有：{', '.join(columns)}）")
        texts, labels, seen = [], [], set()
        for row in reader:
            text = "\n".join((row[c] or "").strip() for c in text_cols).strip()
            label = (row[label_col] or "").strip() if label_col else ""
            if not text or (label_col and not label):
                continue
            if dedupe:
                if text in seen:
                    continue
                seen.add(text)
            texts.append(text)
            labels.append(label)
    if not texts:
        raise ConfigError(path.name, None, "没有可用的数据行")
    return texts, labels
