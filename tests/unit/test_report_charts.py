"""The dashboard's and the monthly report's charts from given tables: an empty chart says so, and a month whose
rates rest on a few callbacks is drawn apart."""

from __future__ import annotations

import re

from jiesu.analytics.metrics import MetricTable
from jiesu.analytics.report import FEW_CALLBACKS, MonthlyReport, charts_for


def report(hour_weekday: list, satisfaction: list) -> MonthlyReport:
    def table(name: str, rows: list | None = None) -> MetricTable:
        return MetricTable(name, name, [], rows or [])

    tables = {name: table(name) for name in ("volume", "by_channel", "by_category1", "by_district",
                                              "by_subdistrict", "keywords", "calls_by_hour")}
    tables["hour_weekday"] = table("hour_weekday", hour_weekday)
    tables["satisfaction"] = table("satisfaction", satisfaction)
    return MonthlyReport("2026-12", tables, sanlv=None, issues=[], total=0, previous_total=0)  # type: ignore[arg-type]


def chart(name: str, hour_weekday: list, satisfaction: list) -> str:
    """The chart's HTML as read (plotly writes the text in its JSON as \\u escapes)."""
    html = charts_for(report(hour_weekday, satisfaction))[name]
    return re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), html)


def test_a_time_slot_chart_without_calls_says_there_is_no_data_instead_of_one_coloured_block():
    empty = chart("hour_weekday", [], [])
    assert "暂无数据" in empty
    some = chart("hour_weekday", [[1, 9, 4]], [])
    assert "暂无数据" not in some


def test_a_month_with_few_callbacks_is_an_open_point_with_the_count_in_the_hover():
    rows = [["2026-11", 120, 90.0, 88.5, 2], ["2026-12", FEW_CALLBACKS - 7, 66.7, 60.0, 0]]
    html = chart("satisfaction", [], rows)
    assert '"symbol":["circle","circle-open"]' in html.replace(" ", "")
    assert f"回访不足 {FEW_CALLBACKS} 件" in html and "回访 %{customdata} 件" in html
    steady = chart("satisfaction", [], rows[:1])
    assert "回访不足" not in steady and "circle-open" not in steady


def test_the_hourly_calls_chart_is_drawn_only_where_the_telephony_reports_calls_and_shows_every_hour():
    assert "calls_by_hour" not in charts_for(report([], []))  # no telephony: no empty chart in the way
    with_calls = report([], [])
    with_calls.tables["calls_by_hour"].rows = [["09:00", 40, 36, 3, 1, 92.3, 70.0, 12.0, 200.0],
                                               ["10:00", 60, 50, 9, 1, 84.7, 55.0, 20.0, 210.0],
                                               ["合计", 100, 86, 12, 2, 87.8, 61.2, 16.5, 206.0]]
    html = re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), charts_for(with_calls)["calls_by_hour"])
    assert "各时段来电与接通率" in html and "合计" not in html
    assert html.count('"00:00"') >= 1 and '"23:00"' in html and "84.7" in html  # all 24 hours on the axis
