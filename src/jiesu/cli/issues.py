"""jiesu issues: hot issues from the database or from a CSV of messages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.table import Table

from jiesu.cli.common import console, escape, progress_bar, ready_app, reports_errors

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


def _local(moment: datetime | None) -> datetime | None:
    """Times on the command line are Beijing time."""
    from jiesu.domain.calendar import SHANGHAI

    return moment.replace(tzinfo=SHANGHAI) if moment and moment.tzinfo is None else moment


@app.command()
@reports_errors
def build(since: datetime = typer.Option(None, help="起始受理时间（北京时间）"),
          until: datetime = typer.Option(None, help="截止受理时间（北京时间，不含）"),
          threshold: float = typer.Option(0.3, help="文本相似度阈值（0–1）")) -> None:
    """Grow the stored issues (一类事) with the cases not in one yet: each joins the issue of its most similar case,
    the rest are clustered and every group of two or more becomes a new issue. Run it again any time."""
    if not 0 < threshold < 1:
        raise typer.BadParameter("阈值应在 0 与 1 之间", param_hint="--threshold")
    result = grow_with_progress(ready_app(), _local(since), _local(until), threshold)
    console.print(result.summary())


def grow_with_progress(app, since=None, until=None, threshold: float = 0.3):
    """`issues.registry.build` with a progress bar (stage, cases done of all)."""
    from jiesu.issues.registry import build

    with progress_bar() as bar:
        task = bar.add_task("读取工单", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total or None)

        return build(app, since, until, threshold, progress=progress)


@app.command("list")
@reports_errors
def list_issues(top: int = typer.Option(20, help="前 N 个（按热度）")) -> None:
    """The stored issues, hottest first, with their root-cause task's state."""
    from jiesu.issues.registry import ranked

    table = Table("问题", "热度", "件数", "人数", "时间范围", "地点/人群", "描述", "状态", title="一类事")
    for x in ranked(ready_app(), top):
        table.add_row(str(x.id), f"{x.heat:.2f}", str(x.size), str(x.requesters),
                      f"{x.first_at:%Y-%m-%d}–{x.last_at:%Y-%m-%d}", escape(f"{x.place} {x.population}".strip()),
                      escape(x.description), x.state)
    console.print(table)


@app.command()
@reports_errors
def dispatch(issue: int = typer.Argument(..., help="问题编号"),
             unit: str = typer.Option(..., "--unit", help="主办单位代码"),
             note: str = typer.Option("", help="派发说明"),
             actor: str = typer.Option("派单台", help="操作人"),
             role: str = typer.Option("dispatcher", help="操作人角色")) -> None:
    """Dispatch a whole issue to one lead unit as one root-cause task (主动治理) linked to its member cases."""
    from jiesu.cli.common import actor_from
    from jiesu.issues.registry import dispatch as send

    task = send(ready_app(), actor_from(actor, role, None), issue, unit, note)
    console.print(f"问题 {issue} 已派发：治理工单 {task}（jiesu case show {task} 跟踪进度）")


@app.command()
@reports_errors
def topics(months: int = typer.Option(3, help="连续几个月都有诉求"),
           top: int = typer.Option(5, help="候选个数")) -> None:
    """Candidates for the month's topic (每月一题): the biggest issues with requests in each of the last months."""
    from jiesu.issues.registry import topic_candidates

    table = Table("问题", f"近 {months} 个月件数", "热度", "描述", "地点/人群", "状态", title="每月一题候选")
    for x, count in topic_candidates(ready_app(), months, top):
        table.add_row(str(x.id), str(count), f"{x.heat:.2f}", escape(x.description),
                      escape(f"{x.place} {x.population}".strip()), x.state)
    console.print(table)
