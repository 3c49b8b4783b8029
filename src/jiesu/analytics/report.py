"""The monthly report (月度接诉即办分析报告): an Excel workbook of the tables and a printable HTML report in Chinese
with charts (plotly, its JavaScript embedded in the file: no CDN, opens offline)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, timedelta
from pathlib import Path

from jiesu.analytics import metrics, store
from jiesu.bootstrap import App
from jiesu.domain.enums import Channel, RequestKind

WEEKDAYS = "一二三四五六日"


@dataclass
class MonthlyReport:
    month: str
    tables: list[metrics.MetricTable]
    sanlv: object
    issues: list
    total: int
    previous_total: int


def month_range(month: str) -> tuple[date, date]:
    from jiesu.services.assessment import month_bounds

    month_bounds(month)  # validates
    first = date.fromisoformat(month + "-01")
    return first, date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def build(app: App, month: str, path: Path | None = None, district: str | None = None,
          with_issues: bool = True) -> MonthlyReport:
    from jiesu.issues.hot import top_issues
    from jiesu.issues.sources import messages_from_db
    from jiesu.services.assessment import month_bounds, sanlv

    start, end = month_range(month)
    store.refresh(app, path)
    connection = store.connect(path or store.default_path(app))
    try:
        with app.uow(read_only=True) as uow:
            config = app.config(uow)
        names = {**config.unit_names, **{c.code: c.name for c in config.directory.categories.values()},
                 **{c.value: c.label for c in Channel}, **{k.value: k.label for k in RequestKind}}
        f = metrics.Filters(start=start, end=end, district=district,
                            now=app.now().astimezone(UTC).replace(tzinfo=None))
        tables = [metrics.run(connection, "volume", f, period="day"),
                  metrics.run(connection, "by_channel", f), metrics.run(connection, "by_kind", f),
                  metrics.run(connection, "by_category", f, level=1),
                  metrics.run(connection, "by_category", f, level=2),
                  metrics.run(connection, "by_area", f, level="district"),
                  metrics.run(connection, "by_area", f, level="subdistrict"),
                  metrics.run(connection, "deadlines", f),
                  metrics.run(connection, "returns_by_unit", f),
                  metrics.run(connection, "hour_weekday", f),
                  metrics.run(connection, "satisfaction", metrics.Filters(start=start - timedelta(days=180), end=end,
                                                                          district=district)),
                  metrics.run(connection, "repeats", metrics.Filters(start=start - timedelta(days=180), end=end,
                                                                     district=district))]
        previous_start = (start - timedelta(days=1)).replace(day=1)
        previous = connection.execute("SELECT count(*) FROM cases WHERE received_local >= ? AND received_local < ?",
                                      [previous_start, start]).fetchone()[0]
    finally:
        connection.close()
    for table in tables:  # codes to names for people
        for row in table.rows:
            if row and isinstance(row[0], str):
                row[0] = names.get(row[0], row[0])
    begin, finish = month_bounds(month)
    issues = top_issues(messages_from_db(app, begin, finish), top=5) if with_issues else []
    total = sum(r[1] for r in tables[1].rows)
    return MonthlyReport(month, tables, sanlv(app, month), issues, total, previous)


def write(report: MonthlyReport, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    return [_excel(report, out / f"月度分析报告-{report.month}.xlsx"), _html(report, out / f"月度分析报告-{report.month}.html")]


def _excel(report: MonthlyReport, path: Path) -> Path:
    from openpyxl import Workbook

    from jiesu.issues.export import _safe
    from jiesu.services.assessment import pct

    workbook = Workbook()
    summary = workbook.active
    summary.title = "概览"
    summary.append(["月份", report.month])
    summary.append(["诉求量", report.total])
    summary.append(["上月诉求量", report.previous_total])
    ranking = workbook.create_sheet("三率排名")
    ranking.append(["排名", "单位", "应响应", "响应率", "回访", "解决率", "满意率", "综合得分"])
    for s in report.sanlv.scores:
        ranking.append([s.rank, report.sanlv.unit_names.get(s.unit, s.unit), s.due, pct(s.response_rate), s.callbacks,
                        pct(s.resolution_rate), pct(s.satisfaction_rate), round(s.score, 2) if s.score is not None else None])
    for table in report.tables:
        sheet = workbook.create_sheet(table.title[:28].replace("/", "、").replace("（", "(").replace("）", ")"))
        sheet.append(table.columns)
        for row in table.rows:
            sheet.append([_safe(v) for v in row])
    hot = workbook.create_sheet("热点问题")
    hot.append(["排名", "问题", "热度", "件数", "人数", "地点/人群", "关键词"])
    for rank, issue in enumerate(report.issues, start=1):
        hot.append([rank, _safe(issue.description), issue.heat, len(issue.messages), issue.requesters,
                    _safe(f"{issue.place} {issue.population}".strip()), " ".join(issue.keywords)])
    workbook.save(path)
    return path


def charts_for(tables: list[metrics.MetricTable]) -> list[str]:
    """The report's charts as HTML fragments (the plotly script itself is included once by the page)."""
    import plotly.graph_objects as go

    report_tables = tables
    volume = report_tables[0]
    charts: list[str] = []

    def chart(figure, title: str) -> None:
        figure.update_layout(title=title, height=340, margin=dict(l=40, r=20, t=50, b=40),
                             font=dict(family="Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"))
        charts.append(figure.to_html(full_html=False, include_plotlyjs=False))

    chart(go.Figure(go.Scatter(x=[r[0] for r in volume.rows], y=[r[1] for r in volume.rows], mode="lines+markers")),
          "每日诉求量")
    channel = report_tables[1]
    chart(go.Figure(go.Pie(labels=[r[0] for r in channel.rows], values=[r[1] for r in channel.rows], hole=0.4)),
          "受理渠道")
    category = report_tables[3]
    chart(go.Figure(go.Bar(x=[r[1] for r in category.rows][::-1], y=[r[0] for r in category.rows][::-1],
                           orientation="h")), "一级分类")
    area = report_tables[6]
    chart(go.Figure(go.Bar(x=[r[0] for r in area.rows[:15]], y=[r[1] for r in area.rows[:15]])), "诉求量前 15 的街道/乡镇")
    heat = report_tables[9]
    grid = [[0] * 24 for _ in range(7)]
    for weekday, hour, count in heat.rows:
        grid[int(weekday) - 1][int(hour)] = count
    chart(go.Figure(go.Heatmap(z=grid, x=list(range(24)), y=[f"周{d}" for d in WEEKDAYS], colorscale="Reds")),
          "来电时段（星期 × 小时）")
    trend = report_tables[10]
    chart(go.Figure([go.Scatter(x=[r[0] for r in trend.rows], y=[r[2] for r in trend.rows], name="解决率%"),
                     go.Scatter(x=[r[0] for r in trend.rows], y=[r[3] for r in trend.rows], name="满意率%")]),
          "近半年解决率与满意率")
    return charts


def _html(report: MonthlyReport, path: Path) -> Path:
    from jinja2 import Environment, PackageLoader, select_autoescape
    from plotly.offline import get_plotlyjs

    from jiesu.services.assessment import pct

    tables = {t.title: t for t in report.tables}
    charts = charts_for(report.tables)
    environment = Environment(loader=PackageLoader("jiesu.analytics", "templates"), autoescape=select_autoescape())
    html = environment.get_template("monthly.html").render(
        report=report, charts=charts, plotly_js=get_plotlyjs(), tables=tables, pct=pct,
        change=(report.total - report.previous_total) * 100 / report.previous_total if report.previous_total else None)
    path.write_text(html, encoding="utf-8")
    return path
