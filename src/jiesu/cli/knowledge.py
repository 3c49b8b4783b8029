"""jiesu knowledge: the 知识库 of answers agents give without dispatching."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from jiesu.cli.common import console, ready_app, reports_errors

app = typer.Typer(help="知识库：坐席可直接答复办结的标准答复。", no_args_is_help=True)


@app.command()
@reports_errors
def load(path: Path = typer.Argument(..., help="CSV（UTF-8）：标题,答复[,分类,关键词,来源,有效期至]"),
         replace: bool = typer.Option(False, "--replace", help="文件中没有的条目停用")) -> None:
    """Load articles from a CSV file: new titles are added, known titles updated; nothing is written if a row is
    wrong (the message names its line and field)."""
    from jiesu.services import knowledge

    jiesu = ready_app()
    summary = knowledge.load(jiesu, getpass.getuser(), knowledge.read_csv(path), replace=replace)
    console.print(f"知识库已载入：新增 {summary['added']} 条，更新 {summary['updated']} 条，停用 {summary['retired']} 条")


@app.command()
@reports_errors
def export(path: Path = typer.Argument(..., help="写出的 CSV 文件"),
           all_: bool = typer.Option(False, "--all", help="包括已停用的条目")) -> None:
    """Write the articles to a CSV file (the columns `load` reads): edit it, then load it back."""
    from jiesu.services import knowledge

    articles = knowledge.list_articles(ready_app(), include_inactive=all_)
    knowledge.write_csv(articles, path)
    console.print(f"已写出 {len(articles)} 条到 {path}；修改后可用 jiesu knowledge load 载入")


@app.command("list")
@reports_errors
def list_(all_: bool = typer.Option(False, "--all", help="包括已停用的条目")) -> None:
    """List the articles by title."""
    from jiesu.services import knowledge

    for article in knowledge.list_articles(ready_app(), include_inactive=all_):
        state = "" if article.active else "（已停用）"
        until = f"，有效期至 {article.valid_until}" if article.valid_until else ""
        console.print(f"{article.id:>4}  {article.title}{state}  [{article.category or '—'}{until}]", highlight=False)


@app.command()
@reports_errors
def search(text: str = typer.Argument(..., help="诉求内容"),
           category: str = typer.Option(None, "--category", help="事项分类代码（同类条目优先）")) -> None:
    """The articles an agent would be shown for TEXT, best first."""
    jiesu = ready_app()
    hits = jiesu.knowledge.search(text, jiesu.today(), category)
    if not hits:
        console.print("知识库中没有相符的答复")
    for hit in hits:
        console.print(f"{hit.score:.2f}  {hit.article.title}\n      {hit.article.answer}", highlight=False)
