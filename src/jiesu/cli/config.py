"""jiesu config: load the business configuration (units, catalogue, duty lists, SLA) from files."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from jiesu.cli.common import console, escape, ready_app, reports_errors

app = typer.Typer(help="业务配置：单位、事项分类、派单目录、准入清单、时限策略。", no_args_is_help=True)


@app.command()
@reports_errors
def load(directory: Path = typer.Argument(..., help="含 units.csv、categories.csv、duties.csv、admission.csv、sla.yaml 的目录"),
         by: str = typer.Option(None, "--by", help="操作人，默认当前系统用户")) -> None:
    """Check and load a configuration directory; a broken file is refused with file, line and reason."""
    from jiesu.services.config_loader import load_config
    jiesu = ready_app()
    summary = load_config(jiesu, directory, by or getpass.getuser())
    console.print("配置已载入：" + "，".join(f"{k} {v}" for k, v in summary.items()))


@app.command("check")
@reports_errors
def check(directory: Path = typer.Argument(..., help="配置目录")) -> None:
    """Check a configuration directory without loading it."""
    from jiesu.services.config_loader import read_config

    config = read_config(directory)
    console.print("配置检查通过：" + "，".join(f"{k} {len(v)}" for k, v in config.items() if isinstance(v, list)))


@app.command("export-demo")
def export_demo(directory: Path = typer.Argument(..., help="写出示范城市配置的目录")) -> None:
    """Write the demo city's configuration files, as an example to edit."""
    from jiesu.demo.city import write_config

    write_config(directory)
    console.print(f"示范城市配置已写入 {escape(directory)}")
