"""Writing hot issues as the TipDM task-2 tables: hot_issues.csv, hot_issue_messages.csv and an Excel workbook."""

from __future__ import annotations

import csv
from pathlib import Path

from jiesu.issues.hot import Issue
from jiesu.spreadsheet import safe_cell

ISSUE_COLUMNS = ["热度排名", "问题ID", "热度指数", "时间范围", "地点/人群", "问题描述", "留言数", "诉求人数", "点赞数", "关键词"]
MESSAGE_COLUMNS = ["问题ID", "留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数"]


def _span(issue: Issue) -> str:
    if issue.start is None:
        return ""
    return f"{issue.start:%Y/%m/%d} 至 {issue.end:%Y/%m/%d}"


def issue_rows(issues: list[Issue]) -> list[list]:
    return [[rank, i.id, i.heat, _span(i), " ".join(p for p in (i.place, i.population) if p), i.description,
             len(i.messages), i.requesters, sum(m.likes for m in i.messages), " ".join(i.keywords)]
            for rank, i in enumerate(issues, start=1)]


def message_rows(issues: list[Issue]) -> list[list]:
    return [[i.id, m.id, m.user, m.title, f"{m.time:%Y/%m/%d %H:%M:%S}" if m.time else "", m.text, m.likes,
             m.dislikes] for i in issues for m in i.messages]


def write(issues: list[Issue], out: Path) -> list[Path]:
    from openpyxl import Workbook

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, header, rows in (("hot_issues.csv", ISSUE_COLUMNS, issue_rows(issues)),
                               ("hot_issue_messages.csv", MESSAGE_COLUMNS, message_rows(issues))):
        with (out / name).open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        written.append(out / name)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "热点问题"
    for row in [ISSUE_COLUMNS, *issue_rows(issues)]:
        sheet.append(row)
    details = workbook.create_sheet("留言明细")
    for row in [MESSAGE_COLUMNS, *message_rows(issues)]:
        details.append([safe_cell(v) for v in row])
    workbook.save(out / "hot_issues.xlsx")
    written.append(out / "hot_issues.xlsx")
    return written

