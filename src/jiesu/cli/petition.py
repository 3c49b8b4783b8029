"""jiesu petition: cases also handled as 信访 petitions, on their statutory clock."""

from __future__ import annotations

import getpass

import typer

from jiesu.cli.common import console, parse_day, ready_app, reports_errors

app = typer.Typer(help="信访件：受理、办理、复查、复核的法定期限。", no_args_is_help=True)


def _show(view) -> None:
    p = view.petition
    due = f"；下一步：{view.next_step} {view.due_on}" if view.next_step else ""
    late = "  [red]已超期[/]" if view.overdue else ""
    console.print(f"{view.ticket}  {p.stage.label}（{p.received_on} 收到{'，已延期' if p.extended else ''}）{due}{late}",
                  highlight=False)


@app.command("open")
@reports_errors
def open_(request_id: int = typer.Argument(..., help="诉求 id"),
          received: str = typer.Option(None, "--received", help="收到日期 YYYY-MM-DD（默认今天）")) -> None:
    """Register case REQUEST_ID as a petition received on --received; its clock starts the day after."""
    from jiesu.services import petitions

    jiesu = ready_app()
    on = parse_day(received, "received") or jiesu.today()
    petitions.open_petition(jiesu, getpass.getuser(), request_id, on)
    _show(petitions.views(jiesu, [request_id])[0])


@app.command("act")
@reports_errors
def act(request_id: int = typer.Argument(..., help="诉求 id"),
        action: str = typer.Argument(..., help="accept/受理、refuse/不予受理、extend/延长办理期限、answer/出具处理意见、"
                                               "ask_review/申请复查、answer_review/出具复查意见、ask_re_review/申请复核、"
                                               "answer_re_review/出具复核意见"),
        on: str = typer.Option(None, "--on", help="日期 YYYY-MM-DD（默认今天）"),
        reason: str = typer.Option("", "--reason", help="理由（不予受理时必填）")) -> None:
    """Take one step of the petition on --on."""
    from jiesu.domain.petition import PetitionAction
    from jiesu.services import petitions

    jiesu = ready_app()
    day = parse_day(on, "on") or jiesu.today()
    petitions.act(jiesu, getpass.getuser(), request_id, PetitionAction.parse(action), day, reason)
    _show(petitions.views(jiesu, [request_id])[0])


@app.command("due")
@reports_errors
def due(days: int = typer.Option(7, "--days", help="列出这么多天内到期的")) -> None:
    """The petitions whose next statutory deadline is within --days, or already passed, soonest first."""
    from datetime import timedelta

    from jiesu.services import petitions

    jiesu = ready_app()
    horizon = jiesu.today() + timedelta(days=days)
    pending = sorted((v for v in petitions.views(jiesu) if v.due_on and v.due_on <= horizon),
                     key=lambda v: v.due_on or horizon)
    if not pending:
        console.print(f"{days} 天内没有到期的信访件")
    for view in pending:
        _show(view)
