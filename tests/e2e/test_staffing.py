"""坐席排班建议 on the dashboard: the calls of each weekday and hour over the weeks before, turned into agents."""

from __future__ import annotations

from datetime import timedelta

from jiesu.domain.calendar import SHANGHAI
from tests.e2e import test_api
from tests.e2e.test_api import create, login

api = test_api.api  # the staff API with a user of each role


def test_the_dashboard_advises_how_many_agents_to_roster_each_hour(api, clock):
    week_ago = (clock.now - timedelta(days=7)).astimezone(SHANGHAI).replace(hour=10, minute=0, second=0, microsecond=0)
    for minute in range(8):  # 8 calls that hour a week ago: 2 an hour over four weeks
        create(api, channel="phone", received_at=(week_ago + timedelta(minutes=minute)).isoformat())
    create(api, channel="web", received_at=week_ago.isoformat())  # not a call
    login(api, "supervisor")
    page = api.get("/dashboard").text
    section = page.split('id="staffing"')[1].split("</section>")[0]
    weekday = "一二三四五六日"[week_ago.weekday()]
    assert f"高峰：周{weekday} 10:00，每小时约 2 通，排 2 人" in section
    assert section.count('<span class="muted">（1）</span>') == 1  # one hour of the week needs anyone
    assert "按电话受理件（未接入话务记录" in section and 'data-chart="calls_by_hour"' not in page  # no telephony
