"""The requester's view of one case (查询进度), reached with the ticket and code or from 我的诉求: its progress, the
reply, their photos and the unit's with the reply, and the 补充, 催办 and 评价 forms when they apply."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from jiesu.api.deps import jiesu_app
from jiesu.domain.enums import Adoption, Satisfaction
from jiesu.domain.request import CitizenRequest
from jiesu.domain.workflow import Action
from jiesu.services import photos, publication
from jiesu.services.intake import SUPPLEMENTABLE, URGEABLE, handling
from jiesu.web.rendering import render


def render_track(request: Request, status_code: int = 200, *, ticket: str, case: CitizenRequest | None = None,
                 code: str = "", **context) -> Response:
    """The track page; without a case, its form asking for the ticket and code."""
    app = jiesu_app(request)
    pictures: dict[str, list[str]] = {}  # heading → the photos' links
    for step, link in photos.for_requester(app, case) if case is not None else ():
        pictures.setdefault("办理结果照片" if step == Action.RESOLVE else "您提交的照片", []).append(link)
    consent = None
    if case is not None:
        with app.uow(read_only=True) as uow:
            consent = publication.of_case(uow.connection, case.stored_id)
    return render(request, "track.html", status_code, ticket=ticket, code=code if case else "", case=case,
                  consent=consent,
                  photos=pictures, satisfactions=list(Satisfaction), urgeable=URGEABLE, supplementable=SUPPLEMENTABLE,
                  adoption=Adoption.label_of(case.adoption) if case is not None else "",
                  handling=handling(app, case) if case is not None else None, **context)
