"""征集报告: a topic's suggestions as an Excel workbook for the department that asked — the groups of what they
say (建议归类, as the topic's page shows them) on one sheet, every suggestion with its group, state, 采纳情况 and
reply on the other. No name or phone, personal data in the texts masked, cells never run as formulas; each export in
the audit trail (`topic.export`)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import select

from jiesu.bootstrap import App
from jiesu.domain.calendar import beijing_minute
from jiesu.domain.enums import Adoption
from jiesu.domain.workflow import Status
from jiesu.nlp import pii
from jiesu.services import topics
from jiesu.services.audit import record
from jiesu.spreadsheet import safe_cell
from jiesu.storage import tables as t

GROUP_COLUMNS = ["类别", "要点", "代表性建议", "涉及地点", "提出人数", "建议件数", "采纳情况"]
SUGGESTION_COLUMNS = ["类别", "工单号", "受理时间", "标题", "内容", "状态", "主办单位", "采纳情况", "答复"]


def report_xlsx(app: App, topic_id: int, by: str, unit: str | None = None) -> tuple[bytes, topics.Topic]:
    """(the workbook's bytes, the topic); `unit`: a handler's — of the suggestions its unit has, as its page."""
    topic = topics.get(app, topic_id, unit)
    opinions = topics.opinions(app, topic_id, unit)
    group_of = {case_id: number for number, o in enumerate(opinions, start=1) for case_id, _ in o.cases}
    r = t.requests
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(select(r.c.id, r.c.ticket, r.c.received_at, r.c.title, r.c.content, r.c.status,
                                             r.c.lead_unit, r.c.adoption, r.c.reply)
                                      .where(r.c.id.in_(list(group_of)))).all()
    names = app.current_config().unit_names
    workbook = Workbook(write_only=True)
    groups = workbook.create_sheet("建议归类")
    groups.append(GROUP_COLUMNS)
    for number, o in enumerate(opinions, start=1):
        groups.append([safe_cell(v) for v in (
            number, "、".join(o.keywords), pii.mask(o.description), pii.mask(o.place), o.proposers, len(o.cases),
            "；".join(f"{label or '尚未答复'} {n}" for label, n in o.adoptions.items()))])
    each = workbook.create_sheet("建议")
    each.append(SUGGESTION_COLUMNS)
    for x in sorted(rows, key=lambda x: (group_of[x.id], x.id)):
        each.append([safe_cell(v) for v in (
            group_of[x.id], x.ticket, beijing_minute(x.received_at), pii.mask(x.title or ""),
            pii.mask(x.content or ""), Status(x.status).label, names.get(x.lead_unit or "", x.lead_unit or ""),
            Adoption.label_of(x.adoption), pii.mask(x.reply or ""))])
    out = io.BytesIO()
    workbook.save(out)
    with app.uow() as uow:
        record(uow.connection, app.now(), by, "topic.export", f"征集主题 {topic_id}",
               {"suggestions": len(rows), "groups": len(opinions), "unit": unit or ""})
        uow.commit()
    return out.getvalue(), topic
