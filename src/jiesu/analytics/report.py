"""The monthly report (月度接诉即办分析报告): an Excel workbook of the tables and a printable HTML report in Chinese
with charts (plotly, its JavaScript embedded in the file: no CDN, opens offline)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from jiesu.analytics import metrics, store
from jiesu.bootstrap import App
from jiesu.domain.calendar import WEEKDAYS, add_months
from jiesu.domain.enums import Channel, RequestKind, UnitKind
from jiesu.domain.errors import InvalidInput

if TYPE_CHECKING:
    from jiesu.services.assessment import MonthReport
    from jiesu.services.calls import GivenUp

FEW_CALLBACKS = 30  # a month's 解决率 and 满意率 over fewer callbacks are drawn as open points (±8 points or more)


@dataclass
class MonthlyReport:
    month: str
    tables: dict[str, metrics.MetricTable]  # by a stable name: "volume", "by_channel", …
    sanlv: MonthReport
    issues: list
    total: int
    previous_total: int
    boundaries: dict[str, list] = field(default_factory=dict)  # unit code → outer rings, when configured
    names: dict[str, str] = field(default_factory=dict)  # unit codes to names (the map's areas)
    filters: dict[str, str] = field(default_factory=dict)  # the filters chosen, for drill-down links
    warnings_since: str = ""  # the first and last day of the early warnings' 7 days (YYYY-MM-DD), for their links
    warnings_until: str = ""
    given_up: GivenUp | None = None  # 呼损 of the month and what became of each call (the operational database's)


def month_range(month: str) -> tuple[date, date]:
    from jiesu.services.assessment import month_bounds

    month_bounds(month)  # validates
    first = date.fromisoformat(month + "-01")
    return first, add_months(first, 1)


def build(app: App, month: str, path: Path | None = None, district: str | None = None, category1: str | None = None,
          channel: str | None = None, with_issues: bool = True) -> MonthlyReport:
    from jiesu.issues.hot import top_issues
    from jiesu.issues.sources import messages_from_db
    from jiesu.services.assessment import month_bounds, sanlv

    start, end = month_range(month)
    with app.uow(read_only=True) as uow:
        config = app.config(uow)
    directory, boundaries = config.directory, config.boundaries
    if district is not None and (district not in directory.units or directory.units[district].kind.value != "district"):
        raise InvalidInput(f"未知的区代码 {district!r}", field="district")
    if category1 is not None:
        directory.category(category1, field="category1")
    if channel is not None:
        channel = Channel.parse(channel, "channel").value
    store.refresh(app, path)
    connection = store.connect(path or store.default_path(app))
    try:
        f = metrics.Filters(start=start, end=end, district=district, category1=category1, channel=channel,
                            now=app.now().astimezone(UTC).replace(tzinfo=None))
        half_year = replace(f, start=start - timedelta(days=180))
        tables = {
            "volume": metrics.run(connection, "volume", f, period="day"),
            "by_channel": metrics.run(connection, "by_channel", f),
            "by_kind": metrics.run(connection, "by_kind", f),
            "by_category1": metrics.run(connection, "by_category", f, level=1),
            "by_category2": metrics.run(connection, "by_category", f, level=2),
            "by_district": metrics.run(connection, "by_area", f, level="district"),
            "by_subdistrict": metrics.run(connection, "by_area", f, level="subdistrict"),
            "keywords": metrics.run(connection, "keywords", f, top=20),
            "deadlines": metrics.run(connection, "deadlines", f),
            "returns_by_unit": metrics.run(connection, "returns_by_unit", f),
            "handling_by_unit": metrics.run(connection, "handling_by_unit", f),
            "first_contact": metrics.run(connection, "first_contact", f),
            "hour_weekday": metrics.run(connection, "hour_weekday", f),
            "satisfaction": metrics.run(connection, "satisfaction", replace(half_year, now=None)),
            "repeats": metrics.run(connection, "repeats", half_year),
            "rising": metrics.run(connection, "rising", f),  # 未诉先办: the last 7 days of the period
            "seasonal": metrics.run(connection, "seasonal", f),
            "agent_workload": metrics.run(connection, "agent_workload", f),
            "sensitive_kinds": metrics.run(connection, "sensitive", f, by="kind"),
            "sensitive_areas": metrics.run(connection, "sensitive", f, by="subdistrict" if district else "district"),
            "emergency_lines": metrics.run(connection, "emergency_lines", f),
            "calls": metrics.run(connection, "calls", f),  # 话务: the telephony's records, where it reports them
            "calls_by_hour": metrics.run(connection, "calls", f, by="hour"),
            "staffing": metrics.run(connection, "staffing", f),  # the four whole weeks before the period's end
        }
        tables["sensitive_kinds"].title, tables["sensitive_areas"].title = "敏感诉求（按类型）", "敏感诉求（按区域）"
        tables["calls_by_hour"].title = "话务（按时段）"
        warnings_end = metrics.as_of(f)
        warnings_since, warnings_until = f"{warnings_end - timedelta(days=7):%Y-%m-%d}", \
            f"{warnings_end - timedelta(days=1):%Y-%m-%d}"
        previous = metrics.count(connection, replace(f, start=(start - timedelta(days=1)).replace(day=1), end=start))
    finally:
        connection.close()
    units, categories = config.unit_names, config.category_names
    named = {"by_channel": {c.value: c.label for c in Channel}, "by_kind": {k.value: k.label for k in RequestKind},
             "by_category1": categories, "by_category2": categories, "seasonal": categories,
             "by_district": units, "by_subdistrict": units, "returns_by_unit": units, "rising": units,
             "sensitive_areas": units,
             "handling_by_unit": units, "first_contact": {k.value: k.label for k in RequestKind}}
    for name, table in tables.items():  # codes to names for people; the codes stay in `keys` for links and maps
        for row in table.rows:
            if row and isinstance(row[0], str):
                table.keys.append(row[0])
                row[0] = named.get(name, {}).get(row[0], row[0])
    rising = tables["rising"]  # two codes: the 街道 and the matter
    rising.keys = [(area, row[1]) for area, row in zip(rising.keys, rising.rows, strict=True)]
    for row in rising.rows:
        row[1] = categories.get(row[1], row[1])
    begin, finish = month_bounds(month)
    from jiesu.services.calls import given_up

    abandoned = given_up(app, begin, finish)
    issues = top_issues(messages_from_db(app, begin, finish), top=5) if with_issues else []
    total = sum(r[1] for r in tables["by_channel"].rows)
    level = [u.code for u in directory.units.values()
             if (u.parent == district and u.kind == UnitKind.SUBDISTRICT if district else u.kind == UnitKind.DISTRICT)]
    shapes = {code: boundaries[code] for code in level if code in boundaries}  # the map: districts, or the 街道 of one
    chosen = {"month": month, "district": district or "", "category1": category1 or "", "channel": channel or ""}
    return MonthlyReport(month, tables, sanlv(app, month), issues, total, previous, shapes, units, chosen,
                         warnings_since, warnings_until, abandoned)


def write(report: MonthlyReport, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    return [_excel(report, out / f"月度分析报告-{report.month}.xlsx"), _html(report, out / f"月度分析报告-{report.month}.html")]


def _excel(report: MonthlyReport, path: Path) -> Path:
    from openpyxl import Workbook

    from jiesu.services.assessment import pct
    from jiesu.spreadsheet import safe_cell

    workbook = Workbook()
    summary = workbook.active
    summary.title = "概览"
    summary.append(["月份", report.month])
    summary.append(["诉求量", report.total])
    summary.append(["上月诉求量", report.previous_total])
    ranking = workbook.create_sheet("三率排名")
    ranking.append(["类别", "类内排名", "单位", "应响应", "响应率", "回访", "解决率", "满意率", "综合得分"])
    for s in (s for _, scores in report.sanlv.groups() for s in scores):  # with the districts' whole 辖区
        ranking.append([s.group, s.rank, report.sanlv.unit_names.get(s.unit, s.unit), s.due, pct(s.response_rate), s.callbacks,
                        pct(s.resolution_rate), pct(s.satisfaction_rate), round(s.score, 2) if s.score is not None else None])
    for table in report.tables.values():
        sheet = workbook.create_sheet(table.title[:28].replace("/", "、").replace("（", "(").replace("）", ")"))
        sheet.append(table.columns)
        for row in table.rows:
            sheet.append([safe_cell(v) for v in row])
    hot = workbook.create_sheet("热点问题")
    hot.append(["排名", "问题", "热度", "件数", "人数", "地点/人群", "关键词"])
    for rank, issue in enumerate(report.issues, start=1):
        hot.append([rank, safe_cell(issue.description), issue.heat, len(issue.messages), issue.requesters,
                    safe_cell(f"{issue.place} {issue.population}".strip()), " ".join(issue.keywords)])
    workbook.save(path)
    return path


def charts_for(report: MonthlyReport, link: Callable[..., str] | None = None) -> dict[str, str]:
    """The report's charts as HTML fragments by name (the plotly script itself is included once by the page).
    With `link`, every bar, slice, point and area carries the address of its list of cases (drill-down):
    `link(area=…)`, `link(category=…)`, `link(channel=…)`, `link(day=…)`, `link(keyword=…)`, `link(slot=…)`."""
    import plotly.graph_objects as go

    from jiesu.analytics.maps import area_map

    tables = report.tables
    charts: dict[str, str] = {}

    def links(key: str, values: list) -> list | None:
        return [link(**{key: v}) if v != "（未填）" else None for v in values] if link else None

    def chart(name: str, figure, title: str) -> None:
        figure.update_layout(title=title, height=340, margin=dict(l=40, r=20, t=50, b=40),
                             font=dict(family="Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"))
        if not any(len(getattr(trace, "z", None) or getattr(trace, "x", None) or getattr(trace, "values", None) or [])
                   for trace in figure.data):  # an empty chart says so instead of showing bare axes
            figure.add_annotation(text="暂无数据", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                                  font=dict(size=16, color="#888"))
            figure.update_xaxes(visible=False)
            figure.update_yaxes(visible=False)
        charts[name] = figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})

    volume = tables["volume"]
    daily = go.Figure(go.Scatter(x=[r[0] for r in volume.rows], y=[r[1] for r in volume.rows],
                                 mode="lines+markers", customdata=links("day", [r[0] for r in volume.rows]),
                                 hovertemplate="%{x}：%{y} 件<extra></extra>"))
    daily.update_xaxes(tickformat="%m-%d")
    if 0 < len(volume.rows) < 7:  # a few days: one tick a day, half a day either side (not a millisecond scale)
        first, last = date.fromisoformat(volume.rows[0][0]), date.fromisoformat(volume.rows[-1][0])
        daily.update_xaxes(dtick=86_400_000, range=[f"{first - timedelta(days=1)} 12:00", f"{last} 12:00"])
    chart("volume", daily, "每日诉求量")
    channel = tables["by_channel"]
    chart("channel", go.Figure(go.Pie(labels=[r[0] for r in channel.rows], values=[r[1] for r in channel.rows],
                                      hole=0.4, customdata=links("channel", channel.keys), sort=False)), "受理渠道")
    category = tables["by_category1"]
    chart("category", go.Figure(go.Bar(x=[r[1] for r in category.rows][::-1], y=[r[0] for r in category.rows][::-1],
                                       customdata=(links("category", category.keys) or [None])[::-1] if link else None,
                                       orientation="h", hovertemplate="%{y}：%{x} 件<extra></extra>")), "一级分类")
    by_district = not report.filters.get("district")
    area = tables["by_district" if by_district else "by_subdistrict"]
    counts = {key: row[1] for key, row in zip(area.keys, area.rows, strict=True)}
    if report.boundaries:
        figure = area_map(report.boundaries, counts, report.names, link=(lambda code: link(area=code)) if link else None)
        chart("map", figure, "诉求量分布（按区）" if by_district else "诉求量分布（按街道/乡镇）")
    top = tables["by_subdistrict"].rows[:15]
    chart("area", go.Figure(go.Bar(x=[r[0] for r in top], y=[r[1] for r in top],
                                   customdata=links("area", tables["by_subdistrict"].keys[:15]))),
          "诉求量前 15 的街道/乡镇")
    words = tables["keywords"]
    chart("keywords", go.Figure(go.Bar(x=[r[1] for r in words.rows][::-1], y=[r[0] for r in words.rows][::-1],
                                       customdata=(links("keyword", words.keys) or [None])[::-1] if link else None,
                                       orientation="h", hovertemplate="%{y}：%{x} 件<extra></extra>")), "热词")
    grid = [[0] * 24 for _ in range(7)]
    for weekday, hour, count in tables["hour_weekday"].rows:
        grid[int(weekday) - 1][int(hour)] = count
    cells = [[link(slot=f"{day}-{hour:02d}") for hour in range(24)] for day in range(1, 8)] if link else None
    calls = bool(tables["hour_weekday"].rows)  # none: 暂无数据, not one block of the lowest colour
    chart("hour_weekday", go.Figure(go.Heatmap(z=grid if calls else [], x=list(range(24)) if calls else [],
                                               y=[f"周{d}" for d in WEEKDAYS] if calls else [],
                                               customdata=cells, colorscale="Reds",
                                               hovertemplate="%{y} %{x} 时：%{z} 件<extra></extra>")),
          "来电时段（星期 × 小时）")
    trend = tables["satisfaction"]
    months, callbacks = [r[0] for r in trend.rows], [r[1] for r in trend.rows]
    few = [n < FEW_CALLBACKS for n in callbacks]  # a month just begun, or a small filter: its rates say little
    symbols = ["circle-open" if thin else "circle" for thin in few]
    figure = go.Figure([go.Scatter(x=months, y=[r[column] for r in trend.rows], name=name, mode="lines+markers",
                                   marker=dict(symbol=symbols, size=8), customdata=callbacks,
                                   hovertemplate=f"%{{x|%Y-%m}}：{name} %{{y}}（回访 %{{customdata}} 件）<extra></extra>")
                        for column, name in ((2, "解决率%"), (3, "满意率%"))])
    figure.update_xaxes(tickformat="%-m月", dtick="M1")  # not "Jul 2026"; the hover gives the year
    if any(few):
        figure.add_annotation(text=f"空心点：该月回访不足 {FEW_CALLBACKS} 件，比率仅供参考", showarrow=False,
                              xref="paper", yref="paper", x=0, y=-0.18, xanchor="left",
                              font=dict(size=11, color="#888"))
    chart("satisfaction", figure, "近半年解决率与满意率")
    by_hour = {r[0]: r for r in tables["calls_by_hour"].rows[:-1]}  # without the 合计
    if by_hour:  # 话务 by the hour: where callers give up (only where the telephony reports its calls)
        slots = [f"{hour:02d}:00" for hour in range(24)]  # every hour, those without a call too
        answered = go.Figure([go.Bar(x=slots, y=[by_hour[s][1] if s in by_hour else 0 for s in slots], name="来电",
                                     marker_color="#c9d6e3", hovertemplate="%{x}：来电 %{y} 通<extra></extra>"),
                              go.Scatter(x=slots, y=[by_hour[s][5] if s in by_hour else None for s in slots],
                                         name="接通率%", yaxis="y2", mode="lines+markers", connectgaps=True,
                                         hovertemplate="%{x}：接通率 %{y}%<extra></extra>")])
        answered.update_layout(yaxis2=dict(overlaying="y", side="right", range=[0, 105], tickmode="linear", tick0=0,
                                           dtick=20, ticksuffix="%", showgrid=False),
                               legend=dict(orientation="h", y=-0.25))
        chart("calls_by_hour", answered, "各时段来电与接通率")
    return charts


def _html(report: MonthlyReport, path: Path) -> Path:
    from jinja2 import Environment, PackageLoader, select_autoescape
    from plotly.offline import get_plotlyjs

    from jiesu.services.assessment import pct

    tables = report.tables
    charts = charts_for(report)
    environment = Environment(loader=PackageLoader("jiesu.analytics", "templates"), autoescape=select_autoescape())
    html = environment.get_template("monthly.html").render(
        report=report, charts=charts, plotly_js=get_plotlyjs(), tables=tables, pct=pct,
        change=(report.total - report.previous_total) * 100 / report.previous_total if report.previous_total else None)
    path.write_text(html, encoding="utf-8")
    return path
