"""The real data the benchmarks read from ../shared/data (never copied into the repository)."""

from __future__ import annotations

import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
VOTES = SHARED / "tipdm2020c" / "messages_with_votes_4326.csv"


def require(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"the real data is not at {path}: this benchmark needs ../shared/data (see its README)")
    return path


def votes_messages():
    """The 4,326 messages with votes, as issue-clustering messages."""
    from jiesu.issues.sources import messages_from_csv

    return messages_from_csv(require(VOTES), title_col="留言主题", text_col="留言详情", time_col="留言时间",
                             user_col="留言用户", votes_col="点赞数")
