"""jiesu import: load another system's export."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from jiesu.cli.common import console, err_console, escape, progress_bar, ready_app, reports_errors

app = typer.Typer(help="导入：把其他系统导出的诉求按列映射载入。", no_args_is_help=True)


@app.command("csv")
@reports_errors
def import_csv(file: Path = typer.Argument(..., help="CSV 文件"),
               mapping: Path = typer.Option(..., "--mapping", help="列映射 YAML（见 docs/examples/）"),
               reject: bool = typer.Option(False, "--reject", help="有任何坏行就整批拒绝（默认跳过坏行）"),
               limit: int = typer.Option(None, help="只读前 N 行"),
               show: int = typer.Option(20, help="最多列出多少条坏行")) -> None:
    """Import requests from a CSV through a column mapping; bad rows are reported with their line numbers."""
    from jiesu.services.importer import import_csv as run
    from jiesu.services.importer import load_mapping

    plan = load_mapping(mapping)
    jiesu = ready_app()
    with progress_bar() as bar:
        task = bar.add_task("导入", total=limit)
        result = run(jiesu, file, plan, reject=reject, limit=limit, by=getpass.getuser(),
                     progress=lambda n: bar.update(task, advance=n))
    for line, field, reason in result.problems[:show]:
        err_console.print(f"第 {line} 行 [{escape(field)}]：{escape(reason)}", highlight=False)
    if len(result.problems) > show:
        err_console.print(f"……另有 {len(result.problems) - show} 条坏行")
    if result.rejected:
        err_console.print(f"[bold red]已整批拒绝[/]：{len(result.problems)} 行有误，未写入任何数据。请修正后重试，或去掉 --reject 跳过坏行。")
        raise typer.Exit(2)
    console.print(f"读入 {result.read} 行：导入 {result.imported} 件，跳过 {len(result.problems)} 行")
