"""jiesu audit: read the audit trail (accounts, keys, the 知识库, 信访 steps, backups, personal data shown in full)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from jiesu.cli.common import console, escape, parse_day, ready_app, reports_errors
from jiesu.domain.calendar import beijing_minute

app = typer.Typer(help="审计日志：账号、密钥、知识库、信访件、备份恢复、完整个人信息的查看。", no_args_is_help=True)


@app.command("list")
@reports_errors
def list_entries(actor: str = typer.Option("", "--actor", help="操作人"),
                 action: str = typer.Option("", "--action", help="动作，或一类动作，例如 user、user.add、personal_data"),
                 target: str = typer.Option("", "--target", help="对象包含的文字"),
                 since: str = typer.Option(None, "--since", help="起始日期 YYYY-MM-DD（北京时间）"),
                 until: str = typer.Option(None, "--until", help="截止日期 YYYY-MM-DD（含当日）"),
                 limit: int = typer.Option(50, "--limit", help="最多显示条数"),
                 csv_out: Path = typer.Option(None, "--csv", help="把全部符合条件的记录写成 CSV 文件"),
                 by: str = typer.Option("admin", "--by", help="导出人（导出记入审计日志）")) -> None:
    """The newest matching lines of the audit trail (or all of them as CSV)."""
    from jiesu.services import audit

    jiesu = ready_app()
    query = audit.AuditQuery(actor=actor, action=action, target=target, since=parse_day(since, "since"),
                             until=parse_day(until, "until"), limit=limit)
    if csv_out:
        csv_out.write_text("\ufeff" + audit.export_csv(jiesu, query, by), encoding="utf-8")
        console.print(f"已导出到 {escape(csv_out)}")
        return
    found, total = audit.entries(jiesu, query)
    table = Table("时间", "操作人", "操作", "对象", "详情")
    for e in found:
        table.add_row(beijing_minute(e.at), escape(e.actor), escape(e.label), escape(e.target),
                      escape(e.details))
    console.print(table)
    console.print(f"共 {total} 条，显示最新的 {len(found)} 条")
