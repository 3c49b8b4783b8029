"""办件公开: the public list of the cases whose requesters agreed to publication (`services/publication.py`; a
supervisor's 不予公开 / 恢复公开 is on the case page, `pages.py`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from jiesu.api.deps import jiesu_app
from jiesu.api.limits import client_key
from jiesu.domain.enums import UnitKind
from jiesu.domain.errors import DomainError
from jiesu.services import publication
from jiesu.web.rendering import error_text, posted_id, render

router = APIRouter(include_in_schema=False)


@router.get("/portal/public")
def public_cases(request: Request, q: str = "", category: str = "", area: str = "", before: str = "") -> Response:
    request.app.state.track_limiter.check(client_key(request))
    app = jiesu_app(request)
    directory = app.current_config().directory
    top = sorted((c.code, c.name) for c in directory.categories.values() if c.parent is None)
    areas = sorted((u.code, u.name) for u in directory.units.values() if u.kind == UnitKind.DISTRICT)
    try:
        found, error, status = publication.listed(app, q, category, area, posted_id(before, "before")), None, 200
    except DomainError as refused:
        found, error, status = [], error_text(refused), 400
    more = ({k: v for k, v in (("q", q), ("category", category), ("area", area)) if v} | {"before": found[-1].id}
            if len(found) == publication.PAGE else None)
    return render(request, "public_cases.html", status, cases=found, more=more, error=error, q=q, category=category,
                  area=area, categories=top, areas=areas)

