"""导出查询结果: the cases a search finds, every one of them (not only the page shown), as an Excel workbook for
analysts and supervisors. No name or phone; personal data in the texts masked; cells never run as formulas;
each export recorded in the audit trail (who, how many, which search)."""

from __future__ import annotations

import io
from dataclasses import replace

from openpyxl import Workbook
from sqlalchemy import select

from jiesu.bootstrap import App
from jiesu.domain.calendar import beijing_minute
from jiesu.domain.enums import Channel, RequestKind, Urgency
from jiesu.domain.errors import InvalidInput
from jiesu.domain.workflow import Status
from jiesu.nlp import pii
from jiesu.services.audit import record
from jiesu.services.cases import CaseFilter, count_cases, list_cases
from jiesu.spreadsheet import safe_cell
from jiesu.storage import tables as t

MAX_ROWS = 200_000  # an Excel sheet holds a million; a search this wide is better answered by the analytics
PAGE = 1_000
COLUMNS = ["工单号", "受理时间", "渠道", "类型", "紧急程度", "状态", "分类", "所在区域", "主办单位", "承办人员", "标题",
           "内容", "办结时限", "关键词", "敏感诉求", "来源单号"]


def export_xlsx(app: App, wanted: CaseFilter, by: str, described: dict[str, str]) -> tuple[bytes, int]:
    """(the workbook's bytes, how many cases) for every case `wanted` finds, newest first. `described`: the
    search as people read it, for the audit trail."""
    total = count_cases(app, wanted)
    if total > MAX_ROWS:
        raise InvalidInput(f"符合条件的工单有 {total} 件，超过一次导出的上限 {MAX_ROWS} 件：请缩小查询条件（如按月份或区域）",
                           field="filters")
    config = app.current_config()
    units, directory = config.unit_names, config.directory
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("工单")
    sheet.append(COLUMNS)
    page, written = replace(wanted, limit=PAGE, before_id=None, by_deadline=False), 0
    while True:
        rows = list_cases(app, page)
        if not rows:
            break
        more = _more(app, [r.id for r in rows])
        for r in rows:
            content, division, channel, keywords, source_ref = more[r.id]
            sheet.append([safe_cell(v) for v in (
                r.ticket, beijing_minute(r.received_at), Channel.label_of(channel), RequestKind.label_of(r.kind),
                Urgency.label_of(r.urgency), Status(r.status).label,
                directory.category_path(r.category) if r.category in directory.categories else (r.category or ""),
                units.get(division or "", division or ""), units.get(r.lead_unit or "", r.lead_unit or ""),
                r.owner or "", pii.mask(r.title or ""), pii.mask(content or ""),
                beijing_minute(r.resolve_due) if r.resolve_due else "", keywords or "", pii.mask(r.sensitive or ""),
                source_ref or "")])
        written += len(rows)
        if len(rows) < PAGE:
            break
        page.before_id = rows[-1].id
    out = io.BytesIO()
    workbook.save(out)
    with app.uow() as uow:
        record(uow.connection, app.now(), by, "cases.export", f"{written} 件", {k: v for k, v in described.items() if v})
        uow.commit()
    return out.getvalue(), written


def _more(app: App, ids: list[int]) -> dict[int, tuple[str, str | None, str, str, str | None]]:
    """(content, division, channel, keywords, 来源单号) of each case: what the list rows do not carry."""
    r = t.requests
    with app.uow(read_only=True) as uow:
        return {x.id: (x.content, x.division, x.channel, x.keywords, x.source_ref) for x in uow.connection.execute(
            select(r.c.id, r.c.content, r.c.division, r.c.channel, r.c.keywords, r.c.source_ref)
            .where(r.c.id.in_(ids)))}

