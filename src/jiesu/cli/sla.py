"""jiesu sla: deadlines due soon and overdue."""

from __future__ import annotations

import typer
from rich.table import Table

from jiesu.cli.common import console, escape, ready_app, reports_errors
from jiesu.domain.calendar import SHANGHAI

app = typer.Typer(help="时限：临期与超期。", no_args_is_help=True)


@app.command()
@reports_errors
def scan(record: bool = typer.Option(True, "--record/--dry-run", help="把新发现的超期记入超期记录（每次超期只记一次）"),
         limit: int = typer.Option(50, help="最多列出多少条")) -> None:
    """List cases due soon and overdue; record each breach once."""
    from jiesu.services.sla_scan import LIMIT_LABELS
    from jiesu.services.sla_scan import scan as run

    items = run(ready_app(), record=record)
    overdue = [i for i in items if i.overdue]
    table = Table("状态", "工单号", "时限", "到期（北京时间）", "单位", "标题")  # 协办反馈: the co-handler that owes it
    for item in items[:limit]:
        state = ("超期" + ("（新）" if item.newly_recorded else "")) if item.overdue else "临期"
        table.add_row(state, item.ticket, LIMIT_LABELS[item.limit], f"{item.due.astimezone(SHANGHAI):%m-%d %H:%M}",
                      item.unit or "—", escape(item.title[:30]))
    console.print(table)
    console.print(f"超期 {len(overdue)} 项（新记录 {sum(i.newly_recorded for i in items)} 项），临期 {len(items) - len(overdue)} 项")
