"""Pages for seeing the whole: the dashboard (数据看板) and hot issues (热点问题)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from jiesu.api.deps import RecordId, jiesu_app
from jiesu.domain.calendar import SHANGHAI, WEEKDAYS, add_months, months_around
from jiesu.domain.enums import Channel, Role
from jiesu.domain.errors import DomainError
from jiesu.domain.workflow import Status
from jiesu.web.rendering import error_text, flash, login_required, posted_form, render

router = APIRouter(include_in_schema=False)


EARLY_DAYS = 5  # on the 1st to the 5th the dashboard opens on last month (this month one click away)


@router.get("/dashboard")
def dashboard(request: Request, month: str = "", district: str = "", category1: str = "",
              channel: str = "") -> Response:
    """数据看板: the month's volume, channels, categories, areas (with a map where boundaries are configured),
    hot words, time of day, deadlines and 三率, with filters; every chart element opens its list of cases. Without a
    month: this month, or in its first EARLY_DAYS days last month, whose figures are whole."""
    login_required(request, Role.SUPERVISOR, Role.ANALYST)
    from jiesu.analytics.report import build, charts_for

    app = jiesu_app(request)
    today = app.now().astimezone(SHANGHAI).date()
    current = f"{today:%Y-%m}"
    early = not month and today.day <= EARLY_DAYS  # the month has hardly begun: last month, whole, by default
    month = month or (f"{add_months(today.replace(day=1), -1):%Y-%m}" if early else current)
    directory = app.current_config().directory
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

    previous = months_around(month)[0]

    def of_month(other: str) -> str:
        """This dashboard, filters kept, for another month."""
        return "/dashboard?" + urlencode({k: v for k, v in {"month": other, "district": district,
                                                            "category1": category1, "channel": channel}.items() if v})
    return render(request, "dashboard.html", report=report, charts=charts_for(report, link=link), month=month,
                  so_far=month == current, previous=previous, previous_link=of_month(previous),
                  early=early, current=current, current_link=of_month(current),
                  district=district, districts=districts, category1=category1, firsts=firsts, channel=channel,
                  channels=[(c.value, c.label) for c in Channel], tables=report.tables, link=link,
                  roster=roster_grid(report.tables["staffing"]))


def roster_grid(table) -> dict:
    """The staffing metric as the dashboard lays it out: a row per hour, a column per weekday, each cell (agents on the
    roster, of them on the phones), and the busiest hour in words."""
    cells = {(weekday, hour): (rostered, online) for weekday, hour, _, online, rostered in table.rows}
    busiest = max(table.rows, key=lambda row: (row[4], -row[0], -row[1]), default=None)
    return {"days": ["周" + d for d in WEEKDAYS],
            "hours": [(hour, [cells.get((weekday, hour), (0, 0)) for weekday in range(1, 8)]) for hour in range(24)],
            "peak": (f"周{WEEKDAYS[busiest[0] - 1]} {busiest[1]:02d}:00，每小时约 {busiest[2]:g} 通，排 {busiest[4]} 人"
                     if busiest and busiest[4] else "")}


@router.get("/brief")
def brief_page(request: Request, day: str = "") -> Response:
    """每日要情: one day's brief (yesterday unless asked), printable: its requests against the day before and a week
    before, the emergencies and 敏感诉求 received, the main matters against their usual day, channels and districts,
    what is overdue now and the early warnings."""
    login_required(request, Role.SUPERVISOR, Role.ANALYST)
    from jiesu.analytics import daily

    app = jiesu_app(request)
    today = app.today()
    try:
        brief = daily.build(app, daily.day_of(day, today))
    except DomainError as error:
        return render(request, "message.html", 400, title="日期有误", message=error_text(error))
    following = brief.day + timedelta(days=1)
    return render(request, "brief.html", brief=brief, today=today.isoformat(), made_at=app.now(),
                  weekday=daily.weekday(brief.day),
                  previous_day=(brief.day - timedelta(days=1)).isoformat(),
                  next_day=following.isoformat() if following <= today else None,
                  day_link="/cases?" + urlencode({"day": brief.day.isoformat()}))


@router.get("/static-plotly.js", include_in_schema=False)
def plotly_js() -> Response:
    """The charting library, from the installed plotly package (no CDN)."""
    from plotly.offline import get_plotlyjs

    return Response(get_plotlyjs(), media_type="application/javascript",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/issues/hot")
def hot_issues(request: Request, days: int = 30, top: int = 10) -> Response:
    """热点问题: the requests of the last `days` days clustered into issues, the hottest first."""
    login_required(request, Role.SUPERVISOR, Role.ANALYST, Role.DISPATCHER)
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




# --- stored issues (一类事) -----------------------------------------------------------------------------------
VIEWERS = (Role.SUPERVISOR, Role.ANALYST, Role.DISPATCHER)
ACTORS = (Role.SUPERVISOR, Role.DISPATCHER)


@router.get("/issues")
def issue_list(request: Request) -> Response:
    """一类事: the stored issues, hottest first, with the candidates for the month's topic."""
    principal = login_required(request, *VIEWERS)
    from jiesu.issues.registry import ranked, topic_candidates
    from jiesu.services import jobs

    app = jiesu_app(request)
    job = jobs.state(app, "issues_build")
    return render(request, "issues.html", issues=ranked(app, 50), topics=topic_candidates(app, 3, 5),
                  units=app.current_config().unit_names, categories=app.current_config().category_names, can_build=principal.role in (*ACTORS, Role.ADMIN),
                  job=job, job_running=jobs.running(app, job))


@router.post("/issues/build")
async def issue_build(request: Request) -> Response:
    """Start grouping the new cases into issues in the background; the issues page shows how far it got."""
    login_required(request, *ACTORS)
    from jiesu.issues.registry import build
    from jiesu.services import jobs

    await posted_form(request)
    app = jiesu_app(request)

    if not jobs.start(app, "issues_build", lambda progress: build(app, progress=progress).summary()):
        flash(request, "已有一次归并正在进行，请等它完成")
    return RedirectResponse("/issues", status_code=303)


@router.get("/issues/build/status")
def issue_build_status(request: Request) -> Response:
    """How far the last grouping got (the issues page polls it while one runs)."""
    login_required(request, *VIEWERS)
    from jiesu.services import jobs

    app = jiesu_app(request)
    job = jobs.state(app, "issues_build")
    return JSONResponse({"running": jobs.running(app, job), **(job or {})})


@router.get("/issues/{issue_id}")
def issue_page(request: Request, issue_id: RecordId) -> Response:
    """One issue: its numbers, a timeline, where its requests come from, its members, merge and dispatch."""
    principal = login_required(request, *VIEWERS)
    import plotly.graph_objects as go

    from jiesu.issues.registry import get

    app = jiesu_app(request)
    try:
        issue, members = get(app, issue_id)
    except DomainError as error:
        return render(request, "message.html", 404, title="问题不存在", message=error_text(error))
    names = app.current_config().unit_names
    days = Counter(f"{m.received_at.astimezone(SHANGHAI):%Y-%m-%d}" for m in members)
    figure = go.Figure(go.Bar(x=list(days), y=list(days.values()), hovertemplate="%{x}：%{y} 件<extra></extra>"))
    figure.update_layout(title="诉求时间分布", height=300, margin=dict(l=40, r=20, t=50, b=40), xaxis_type="date",
                         font=dict(family="Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"))
    areas = Counter(m.division for m in members)
    suggested = None
    with app.uow(read_only=True) as uow:
        config = app.config(uow)
        if issue.category in config.directory.categories:
            top_area = areas.most_common(1)[0][0] if areas else None
            best = app.router(uow).route(issue.category, top_area).best
            suggested = (best.unit.code, best.reason) if best else None
        units = sorted((u.code, u.name) for u in config.directory.units.values() if u.kind.value != "centre")
        category_path = config.directory.category_path(issue.category) if issue.category in \
            config.directory.categories else issue.category
    return render(request, "issue.html", issue=issue, members=members, names=names, areas=areas.most_common(),
                  chart=figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}),
                  suggested=suggested, units=units, category_path=category_path,
                  can_act=principal.role in (*ACTORS, Role.ADMIN), Status=Status)


@router.post("/issues/{issue_id}/dispatch")
async def issue_dispatch(request: Request, issue_id: RecordId) -> Response:
    principal = login_required(request, *ACTORS)
    from jiesu.issues.registry import dispatch

    form = await posted_form(request)
    try:
        task = dispatch(jiesu_app(request), principal.actor, issue_id, str(form.get("unit") or ""),
                        str(form.get("note") or ""))
    except DomainError as error:
        flash(request, error_text(error), "error")
        return RedirectResponse(f"/issues/{issue_id}", status_code=303)
    flash(request, f"已派发为治理工单 {task}，在工单页跟踪办理进度")
    return RedirectResponse(f"/issues/{issue_id}", status_code=303)


@router.post("/issues/{issue_id}/merge")
async def issue_merge(request: Request, issue_id: RecordId) -> Response:
    principal = login_required(request, *ACTORS)
    from jiesu.issues.registry import merge

    form = await posted_form(request)
    try:
        master = int(str(form.get("master") or "0"))
        chosen = [int(str(x)) for x in form.getlist("members")]
        count = merge(jiesu_app(request), principal.actor, issue_id, master, chosen, str(form.get("reason") or ""))
    except ValueError:
        flash(request, "请选择主件和要并入的工单", "error")
    except DomainError as error:
        flash(request, error_text(error), "error")
    else:
        flash(request, f"已将 {count} 件并入主件 {master}；每位诉求人都会随主件回访")
    return RedirectResponse(f"/issues/{issue_id}", status_code=303)

