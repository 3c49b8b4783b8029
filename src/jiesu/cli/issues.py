"""jiesu issues: hot issues from the database or from a CSV of messages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.table import Table

from jiesu.cli.common import console, escape, ready_app, reports_errors

app = typer.Typer(help="一类事：聚类成问题，热点排名。", no_args_is_help=True)


@app.command()
@reports_errors
def hot(csv: Path = typer.Option(None, "--csv", help="留言 CSV 文件（不给则用数据库中的工单）"),
        title_col: str = typer.Option(None, "--title-col", help="标题列（可选）"),
        text_col: str = typer.Option("text", "--text-col", help="内容列"),
        time_col: str = typer.Option(None, "--time-col", help="时间列（可选）"),
        user_col: str = typer.Option(None, "--user-col", help="用户列（可选）"),
        votes_col: str = typer.Option(None, "--votes-col", help="点赞数列（可选）"),
        since: datetime = typer.Option(None, help="数据库：起始时间"),
        until: datetime = typer.Option(None, help="数据库：截止时间"),
        top: int = typer.Option(5, help="前 N 个热点"),
        threshold: float = typer.Option(0.3, help="文本相似度阈值（0–1），越高问题分得越细"),
        out: Path = typer.Option(Path("hot"), "--out", help="输出目录")) -> None:
    """Cluster messages into issues and write the top ones: hot_issues.csv, hot_issue_messages.csv, hot_issues.xlsx."""
    from jiesu.issues import export
    from jiesu.issues.hot import top_issues
    from jiesu.issues.sources import messages_from_csv, messages_from_db

    if csv is not None:
        messages = messages_from_csv(csv, title_col=title_col, text_col=text_col, time_col=time_col,
                                     user_col=user_col, votes_col=votes_col)
    else:
        from jiesu.domain.calendar import SHANGHAI

        def local(moment: datetime | None) -> datetime | None:  # times on the command line are Beijing time
            return moment.replace(tzinfo=SHANGHAI) if moment and moment.tzinfo is None else moment

        messages = messages_from_db(ready_app(), local(since), local(until))
    with console.status(f"聚类 {len(messages)} 条留言……"):
        issues = top_issues(messages, top=top, threshold=threshold)
    table = Table("排名", "问题ID", "热度", "时间范围", "地点/人群", "问题描述", "留言", "人数", title="热点问题")
    for row in export.issue_rows(issues):
        table.add_row(*[escape(v) for v in row[:8]])
    console.print(table)
    for path in export.write(issues, out):
        console.print(f"已写出 {escape(path)}")
