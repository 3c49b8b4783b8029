"""建议征集 page: the 人民建议征集 topics with how many suggestions each has (each a link to them in 工单查询);
supervisors and administrators open a topic — the department asking and the matter it is about, so that its
suggestions are classified and dispatched to that department — and close one early (`services/topics.py`, both in
the audit trail)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from jiesu.api.deps import RecordId, jiesu_app
from jiesu.domain.enums import Role, UnitKind
from jiesu.domain.errors import DomainError, NotFound
from jiesu.services import topics
from jiesu.web.rendering import error_text, flash, login_required, posted_form, render, workbook_response

router = APIRouter(include_in_schema=False)
READERS = (Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN, Role.HANDLER)  # a handler:
# the topics its unit asks, and of their suggestions those the unit has
KEEPERS = (Role.SUPERVISOR, Role.ADMIN)
SHOWN = 100  # groups on a topic's page; the 征集报告 holds them all
EXPORTERS = (Role.DISPATCHER, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN, Role.HANDLER)


def _page(request: Request, status_code: int = 200, form: dict | None = None, error: str | None = None) -> Response:
    principal = login_required(request, *READERS)
    app = jiesu_app(request)
    config = app.current_config()
    units = sorted((code, u.name) for code, u in config.directory.units.items() if u.kind != UnitKind.CENTRE)
    unit = _unit_of(principal)
    listed = topics.listed(app, unit=unit)
    return render(request, "topics.html", status_code, topics=listed, today=app.today(), unit=unit,
                  words=topics.common_words(app, [x.id for x in listed], unit=unit),
                  may_keep=principal.role in KEEPERS, units=units, names=config.unit_names, form=form or {},
                  categories=config.directory.leaf_choices(), category_names=config.category_names, error=error)


@router.get("/topics")
def topics_page(request: Request) -> Response:
    return _page(request)


@router.get("/topics/{topic_id}.xlsx")
def topic_report(request: Request, topic_id: RecordId) -> Response:
    """征集报告: the topic's groups and suggestions as an Excel workbook (recorded in the audit trail). Not for
    agents, who work case by case; a handler's holds the suggestions its unit has."""
    from jiesu.services.topic_report import report_xlsx

    principal = login_required(request, *EXPORTERS)
    app = jiesu_app(request)
    try:
        data, topic = report_xlsx(app, topic_id, principal.name, _unit_of(principal))
    except NotFound:
        return _missing(request)
    return workbook_response(data, f"征集报告-{topic.title}-{app.today():%Y%m%d}.xlsx", "topic.xlsx")


@router.get("/topics/{topic_id}")
def topic_page(request: Request, topic_id: RecordId) -> Response:
    """One topic: its suggestions grouped by what they say (建议归类), the groups with the most people first."""
    principal = login_required(request, *READERS)
    unit = _unit_of(principal)
    app = jiesu_app(request)
    try:
        topic = topics.get(app, topic_id, unit)
    except NotFound:
        return _missing(request)
    config = app.current_config()
    opinions = topics.opinions(app, topic_id, unit, labelled=SHOWN)
    return render(request, "topic.html", topic=topic, opinions=opinions[:SHOWN], more=len(opinions) - SHOWN,
                  tally=topics.tally(opinions), groups=len(opinions),
                  may_export=principal.role in EXPORTERS, today=app.today(), names=config.unit_names,
                  category_names=config.category_names, unit=unit)


def _missing(request: Request) -> Response:
    return render(request, "message.html", 404, title="征集主题不存在", message="没有这个征集主题。请从「建议征集」页面进入。")


def _unit_of(principal) -> str | None:
    """A handler's unit (what it sees of the topics is narrowed to it); None for the centre's staff."""
    return principal.unit if principal.role == Role.HANDLER else None


@router.post("/topics")
async def add_topic(request: Request) -> Response:
    principal = login_required(request, *KEEPERS)
    form = {k: str(v).strip() for k, v in (await posted_form(request)).items() if k != "csrf_token"}
    try:
        topics.add(jiesu_app(request), principal.name, form.get("title", ""), form.get("description", ""),
                   form.get("closes_on", ""), form.get("unit") or None, form.get("category") or None)
    except DomainError as error:
        return _page(request, 400, form=form, error=error_text(error))
    flash(request, f"已发布征集主题「{form.get('title', '')}」：市民可在「我要反映」页面提出建议")
    return RedirectResponse("/topics", status_code=303)


@router.post("/topics/{topic_id}/close")
async def close_topic(request: Request, topic_id: RecordId) -> Response:
    principal = login_required(request, *KEEPERS)
    await posted_form(request)
    try:
        topics.close(jiesu_app(request), principal.name, topic_id)
    except DomainError as error:
        return _page(request, 404, error=error_text(error))
    flash(request, "已结束征集：不再接收新的建议，已收到的照常办理")
    return RedirectResponse("/topics", status_code=303)
