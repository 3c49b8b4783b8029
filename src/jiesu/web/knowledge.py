"""知识库 page: agents and dispatchers look answers up; supervisors and administrators keep them (the same service
as `jiesu knowledge load`, every change in the audit trail)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from jiesu.api.deps import jiesu_app
from jiesu.domain.enums import Role
from jiesu.domain.errors import DomainError, InvalidInput
from jiesu.services import knowledge
from jiesu.web.rendering import error_text, flash, login_required, posted_form, render

router = APIRouter(include_in_schema=False)
READERS = (Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
EDITORS = (Role.SUPERVISOR, Role.ADMIN)


def _page(request: Request, principal, status_code: int = 200, q: str = "", editing=None, **context) -> Response:
    app = jiesu_app(request)
    config = app.current_config()
    hits = None
    if q.strip():
        hits = app.knowledge.search(q, app.today(), k=10)
    parents = {c.parent for c in config.directory.categories.values() if c.parent}
    categories = sorted((c.code, config.directory.category_path(c.code))
                        for c in config.directory.categories.values() if c.code not in parents)
    return render(request, "knowledge.html", status_code, q=q, hits=hits, editing=editing,
                  articles=knowledge.list_articles(app, include_inactive=principal.role in EDITORS),
                  categories=categories, paths=dict(categories), can_edit=principal.role in EDITORS,
                  today=app.today(), **context)


@router.get("/knowledge")
def knowledge_page(request: Request, q: str = "", edit: int | None = None) -> Response:
    principal = login_required(request, *READERS)
    editing = None
    if edit is not None and principal.role in EDITORS:
        try:
            editing = knowledge.get(jiesu_app(request), edit)
        except DomainError as error:
            flash(request, error_text(error), "error")
    return _page(request, principal, q=q, editing=editing)


@router.post("/knowledge")
async def knowledge_save(request: Request) -> Response:
    principal = login_required(request, *EDITORS)
    form = await posted_form(request)
    fields = {k: str(form.get(k) or "") for k in ("id", "title", "answer", "category", "keywords", "source",
                                                   "valid_until")}
    article = knowledge.Article(fields["title"], fields["answer"], fields["category"] or None, fields["keywords"],
                                fields["source"], None, form.get("active") is not None,
                                int(fields["id"]) if fields["id"].isdigit() else None)
    try:
        until = fields["valid_until"].strip()
        try:
            article = replace(article, valid_until=date.fromisoformat(until) if until else None)
        except ValueError:
            raise InvalidInput(f"有效期至 {until!r} 应为 YYYY-MM-DD", field="valid_until") from None
        article_id = knowledge.save(jiesu_app(request), principal.name, article)
    except DomainError as error:  # the form comes back as it was sent, with the reason
        return _page(request, principal, 400, error=error_text(error), error_field=error.field, editing=article)
    flash(request, f"知识条目 {article_id}「{article.title.strip()}」已保存")
    return RedirectResponse("/knowledge", status_code=303)
