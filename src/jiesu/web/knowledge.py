"""知识库 page: agents and dispatchers look answers up and propose new ones (知识采编, also from a case's reply);
supervisors and administrators keep them and decide the proposals (the same service as `jiesu knowledge load`,
every change in the audit trail)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from jiesu.api.deps import OptionalRecordId, RecordId, jiesu_app
from jiesu.domain.enums import Role
from jiesu.domain.errors import DomainError, InvalidInput
from jiesu.services import knowledge, knowledge_proposals
from jiesu.web.rendering import error_text, flash, login_required, posted_form, posted_id, render

router = APIRouter(include_in_schema=False)
READERS = (Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
EDITORS = (Role.SUPERVISOR, Role.ADMIN)


def _page(request: Request, principal, status_code: int = 200, q: str = "", editing=None, **context) -> Response:
    app = jiesu_app(request)
    config = app.current_config()
    hits = None
    if q.strip():
        hits = app.knowledge.search(q, app.today(), k=10)
    categories = config.directory.leaf_choices()
    can_edit = principal.role in EDITORS
    accepting = context.get("accepting")
    if can_edit and accepting is not None:  # the proposal beside the form, and the articles it may belong in
        proposed = knowledge_proposals.get(app, accepting)
        context["proposed"] = proposed
        context["near"] = [h.article for h in app.knowledge.search(f"{proposed.title} {proposed.answer}",
                                                                   app.today(), proposed.category, k=3)]
    return render(request, "knowledge.html", status_code, q=q, hits=hits, editing=editing,
                  articles=knowledge.list_articles(app, include_inactive=can_edit),
                  categories=categories, paths=dict(categories), can_edit=can_edit, today=app.today(),
                  proposals=knowledge_proposals.pending(app) if can_edit else [],
                  mine=[] if can_edit else knowledge_proposals.mine(app, principal.name), **context)


@router.get("/knowledge")
def knowledge_page(request: Request, q: str = "", edit: OptionalRecordId = None,
                   proposal: OptionalRecordId = None) -> Response:
    """The 知识库; `edit`: an article in the editing form; `proposal`: a proposal there, to accept (editors) as a
    new article, or with `edit` into that article (合并到已有条目: its answer brought up to date)."""
    principal = login_required(request, *READERS)
    editing, accepting = None, None
    try:
        if proposal is not None and principal.role in EDITORS:  # accepted as a new article, or into article `edit`
            found = knowledge_proposals.get(jiesu_app(request), proposal)
            editing, accepting = knowledge.Article(found.title, found.answer, found.category), found.id
        if edit is not None and principal.role in EDITORS:
            editing = knowledge.get(jiesu_app(request), edit)
    except DomainError as error:
        flash(request, error_text(error), "error")
    return _page(request, principal, q=q, editing=editing, accepting=accepting)


@router.post("/knowledge")
async def knowledge_save(request: Request) -> Response:
    principal = login_required(request, *EDITORS)
    form = await posted_form(request)
    fields = {k: str(form.get(k) or "") for k in ("id", "title", "answer", "category", "keywords", "source",
                                                   "valid_until")}
    article = knowledge.Article(fields["title"], fields["answer"], fields["category"] or None, fields["keywords"],
                                fields["source"], None, form.get("active") is not None)
    accepting = None
    try:
        article = replace(article, id=posted_id(fields["id"], "id"))
        accepting = posted_id(form.get("proposal"), "proposal")
        until = fields["valid_until"].strip()
        try:
            article = replace(article, valid_until=date.fromisoformat(until) if until else None)
        except ValueError:
            raise InvalidInput(f"有效期至 {until!r} 应为 YYYY-MM-DD", field="valid_until") from None
        if accepting is not None:
            article_id = knowledge_proposals.accept(jiesu_app(request), principal.name, accepting, article)
        else:
            article_id = knowledge.save(jiesu_app(request), principal.name, article)
    except DomainError as error:  # the form comes back as it was sent, with the reason
        return _page(request, principal, 400, error=error_text(error), error_field=error.field, editing=article,
                     accepting=accepting)
    flash(request, f"知识条目 {article_id}「{article.title.strip()}」已保存"
                   + (f"（采纳知识建议 {accepting}）" if accepting is not None else ""))
    return RedirectResponse("/knowledge", status_code=303)


@router.post("/knowledge/proposals")
async def propose(request: Request) -> Response:
    """建议收入知识库: from the 知识库 page, or from a case's reply (`request_id`: back to the case)."""
    principal = login_required(request, *READERS)
    form = await posted_form(request)
    fields = {k: str(form.get(k) or "") for k in ("title", "answer", "category", "request_id")}
    request_id = None
    try:
        request_id = posted_id(fields["request_id"], "request_id")
        proposal_id = knowledge_proposals.propose(jiesu_app(request), principal.name, fields["title"],
                                                  fields["answer"], fields["category"] or None, request_id)
    except DomainError as error:  # the form comes back on the 知识库 page as it was sent, with the reason
        return _page(request, principal, 400, error=error_text(error), error_field=error.field, proposing=fields)
    flash(request, f"已提交知识建议 {proposal_id}「{fields['title'].strip()}」：督办审核采纳后，坐席即可查到")
    return RedirectResponse(f"/cases/{request_id}" if request_id else "/knowledge", status_code=303)


@router.post("/knowledge/proposals/{proposal_id}/decline")
async def decline(request: Request, proposal_id: RecordId) -> Response:
    """不采纳 a proposal, with the reason its proposer will read."""
    principal = login_required(request, *EDITORS)
    form = await posted_form(request)
    try:
        knowledge_proposals.decline(jiesu_app(request), principal.name, proposal_id, str(form.get("reason") or ""))
    except DomainError as error:
        return _page(request, principal, 400, error=error_text(error))
    flash(request, f"知识建议 {proposal_id} 未采纳")
    return RedirectResponse("/knowledge", status_code=303)
