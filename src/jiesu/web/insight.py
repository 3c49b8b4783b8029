"""Pages for seeing the whole: the dashboard (数据看板) and hot issues (热点问题)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from jiesu.api.deps import jiesu_app
from jiesu.domain.calendar import SHANGHAI
from jiesu.domain.enums import Channel, Role
from jiesu.domain.errors import DomainError
from jiesu.web.rendering import error_text, login_required, render

router = APIRouter(include_in_schema=False)


@router.get("/dashboard")
def dashboard(request: Request, month: str = "", district: str = "", category1: str = "",
              channel: str = "") -> Response:
    """数据看板: the month's volume, channels, categories, areas (with a map where boundaries are configured),
    hot words, time of day, deadlines and 三率, with filters; every chart element opens its list of cases."""
    principal = login_required(request, Role.SUPERVISOR, Role.ANALYST)
    if isinstance(principal, Response):
        return principal
    from jiesu.analytics.report import build, charts_for

    app = jiesu_app(request)
    month = month or f"{app.now().astimezone(SHANGHAI):%Y-%m}"
    with app.uow(read_only=True) as uow:
        directory = app.config(uow).directory
    districts = sorted((u.code, u.name) for u in directory.units.values() if u.kind.value == "district")
    firsts = sorted((c.code, c.name) for c in directory.categories.values() if c.parent is None)
    try:
        report = build(app, month, district=district or None, category1=category1 or None,
                       channel=channel or None, with_issues=False)
    except DomainError as error:
        return render(request, "message.html", 400, title="看板参数有误", message=error_text(error))
    base = {"month": month, "area": district, "category": category1, "channel": channel}

    def link(**narrower: str) -> str:
        """The list of cases behind one chart element: the dashboard's filters narrowed by the element's."""
        if "day" in narrower:
            narrower = {"day": narrower["day"], "month": ""}
        return "/cases?" + urlencode({k: v for k, v in {**base, **narrower}.items() if v})

    return render(request, "dashboard.html", report=report, charts=charts_for(report, link=link), month=month,
                  district=district, districts=districts, category1=category1, firsts=firsts, channel=channel,
                  channels=[(c.value, c.label) for c in Channel], tables=report.tables, link=link)


@router.get("/static-plotly.js", include_in_schema=False)
def plotly_js() -> Response:
    """The charting library, from the installed plotly package (no CDN)."""
    from plotly.offline import get_plotlyjs

    return Response(get_plotlyjs(), media_type="application/javascript",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/issues/hot")
def hot_issues(request: Request, days: int = 30, top: int = 10) -> Response:
    """热点问题: the requests of the last `days` days clustered into issues, the hottest first."""
    principal = login_required(request, Role.SUPERVISOR, Role.ANALYST, Role.DISPATCHER)
    if isinstance(principal, Response):
        return principal
    from jiesu.issues.hot import top_issues
    from jiesu.issues.sources import messages_from_db

    app = jiesu_app(request)
    days = max(1, min(days, 90))
    messages = messages_from_db(app, since=app.now() - timedelta(days=days))
    issues = top_issues(messages, top=max(1, min(top, 50))) if messages else []
    tickets = {}
    with app.uow(read_only=True) as uow:
        from sqlalchemy import select

        from jiesu.storage import tables as t

        wanted = [m.id for i in issues for m in i.messages]
        if wanted:
            tickets = dict(uow.connection.execute(select(t.requests.c.ticket, t.requests.c.id)
                                                  .where(t.requests.c.ticket.in_(wanted))).all())
    return render(request, "hot.html", issues=issues, days=days, total=len(messages), ids=tickets)


