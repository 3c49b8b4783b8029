"""jiesu — 接诉即办 command line. `jiesu --help` lists the command groups."""

from __future__ import annotations

import typer

from jiesu.cli import (
    analytics,
    audit,
    calendar,
    calls,
    case,
    config,
    db,
    demo,
    doctor,
    duty,
    importing,
    issues,
    knowledge,
    model,
    notify,
    petition,
    privacy,
    report,
    secret,
    serve,
    sla,
    users,
)

app = typer.Typer(help="jiesu 接诉即办：市民服务热线平台命令行。", no_args_is_help=True,
                  pretty_exceptions_enable=False, rich_markup_mode=None)
app.add_typer(db.app, name="db")
app.add_typer(config.app, name="config")
app.add_typer(demo.app, name="demo")
app.add_typer(case.app, name="case")
app.add_typer(sla.app, name="sla")
app.add_typer(report.app, name="report")
app.add_typer(calendar.app, name="calendar")
app.add_typer(duty.app, name="duty")
app.add_typer(calls.app, name="calls")
app.add_typer(model.app, name="model")
app.add_typer(issues.app, name="issues")
app.add_typer(knowledge.app, name="knowledge")
app.add_typer(petition.app, name="petition")
app.add_typer(analytics.app, name="analytics")
app.add_typer(importing.app, name="import")
app.add_typer(users.user_app, name="user")
app.add_typer(audit.app, name="audit")
app.add_typer(privacy.app, name="privacy")
app.add_typer(secret.app, name="secret")
app.add_typer(notify.app, name="notify")
app.add_typer(users.token_app, name="token")
app.add_typer(users.open311_app, name="open311")
app.command("serve")(serve.serve)
app.command("doctor")(doctor.doctor)


@app.command()
def version() -> None:
    """Print the version."""
    from jiesu import __version__

    typer.echo(__version__)
