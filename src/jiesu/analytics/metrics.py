"""Named metrics, one query each, over the analytics store. Every metric takes the same filters and returns a
table (title, columns, rows), so that the report, the command line and the dashboards show the same numbers.
Times are Beijing local (`received_local`); a period is [start, end)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from jiesu.domain.calendar import SHANGHAI
from jiesu.domain.enums import EmergencyLine
from jiesu.domain.errors import InvalidInput


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    district: str | None = None
    category1: str | None = None
    channel: str | None = None
    now: datetime | None = None  # naive UTC "now" for the overdue count

    def where(self, alias: str = "c") -> tuple[str, list]:
        clauses, params = ["1 = 1"], []
        for column, value in (("received_local >= ?", self.start), ("received_local < ?", self.end),
                              ("district = ?", self.district), ("category1 = ?", self.category1),
                              ("channel = ?", self.channel)):
            if value is not None:
                clauses.append(f"{alias}.{column}")
                params.append(value)
        return " AND ".join(clauses), params

    def of_steps(self, moment: str, request_id: str) -> tuple[str, list]:
        """For rows of something done to cases (a callback, an event): the period on its own Beijing time
        (`moment`), the other filters through its case (`request_id`)."""
        clauses, params = ["1 = 1"], []
        for clause, value in ((f"{moment} >= ?", self.start), (f"{moment} < ?", self.end)):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        case_where, case_params = Filters(district=self.district, category1=self.category1,
                                          channel=self.channel).where()
        if case_where != "1 = 1":
            clauses.append(f"{request_id} IN (SELECT id FROM cases c WHERE {case_where})")
            params += case_params
        return " AND ".join(clauses), params


@dataclass
class MetricTable:
    name: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    keys: list = field(default_factory=list)  # the codes behind the first column, once it is shown as names
    note: str = ""  # what the figures rest on, where a reader needs to know (the staffing advice's source)


METRICS: dict[str, tuple[str, Callable]] = {}


def count(connection, f: Filters) -> int:
    """How many cases the filters hold (the period's total, another period's to compare with)."""
    where, params = f.where()
    return connection.execute(f"SELECT count(*) FROM cases c WHERE {where}", params).fetchone()[0]


def metric(name: str, title: str):
    def register(function: Callable) -> Callable:
        METRICS[name] = (title, function)
        return function

    return register


def run(connection, name: str, filters: Filters, **options) -> MetricTable:
    if name not in METRICS:
        raise InvalidInput(f"未知指标 {name!r}，可选：{'、'.join(METRICS)}", field="metric")
    title, function = METRICS[name]
    columns, rows, *note = function(connection, filters, **options)
    return MetricTable(name, title, columns, [list(r) for r in rows], note="".join(note))


@metric("volume", "诉求量")
def volume(connection, f: Filters, period: str = "day"):
    if period not in ("day", "week", "month"):
        raise InvalidInput("period 应为 day、week 或 month", field="period")
    where, params = f.where()
    shifted = Filters(start=_year_before(f.start), end=_year_before(f.end), district=f.district,
                      category1=f.category1, channel=f.channel)
    last_where, last_params = shifted.where()
    params = params + last_params
    rows = connection.execute(f"""
        WITH now_ AS (SELECT date_trunc('{period}', received_local) AS p, count(*) AS n FROM cases c
                      WHERE {where} GROUP BY 1),
             last AS (SELECT date_trunc('{period}', received_local + INTERVAL 1 YEAR) AS p, count(*) AS n
                      FROM cases c WHERE {last_where} GROUP BY 1)
        SELECT strftime(now_.p, '%Y-%m-%d'), now_.n, last.n,
               CASE WHEN last.n > 0 THEN round((now_.n - last.n) * 100.0 / last.n, 1) END
        FROM now_ LEFT JOIN last ON now_.p = last.p ORDER BY now_.p""", params).fetchall()
    return ["时间", "诉求量", "去年同期", "同比%"], rows


def _year_before(day: date | None) -> date | None:
    if day is None:
        return None
    return day.replace(year=day.year - 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year - 1)


def _group(connection, f: Filters, column: str):
    where, params = f.where()
    return connection.execute(f"""SELECT coalesce({column}, '（未填）') AS k, count(*) AS n,
                                  round(count(*) * 100.0 / sum(count(*)) OVER (), 1)
                                  FROM cases c WHERE {where} GROUP BY 1 ORDER BY n DESC, k""", params).fetchall()


@metric("by_channel", "按渠道")
def by_channel(connection, f: Filters):
    return ["渠道", "诉求量", "占比%"], _group(connection, f, "channel")


@metric("by_kind", "按诉求类型")
def by_kind(connection, f: Filters):
    return ["类型", "诉求量", "占比%"], _group(connection, f, "kind")


@metric("by_category", "按事项分类")
def by_category(connection, f: Filters, level: int = 1):
    column = {1: "category1", 2: "category2", 3: "category"}.get(level)
    if column is None:
        raise InvalidInput("level 应为 1、2 或 3", field="level")
    return ["分类", "诉求量", "占比%"], _group(connection, f, column)


@metric("by_area", "按区域")
def by_area(connection, f: Filters, level: str = "district"):
    if level not in ("district", "subdistrict", "community"):
        raise InvalidInput("level 应为 district、subdistrict 或 community", field="level")
    return ["区域", "诉求量", "占比%"], _group(connection, f, level)


@metric("sensitive", "敏感诉求")
def sensitive(connection, f: Filters, by: str = "kind"):
    """敏感诉求 of the period: by kind (群体性, 舆情, 越级上访, 极端言行, 人工标记: a case of two kinds counts in
    each), or by district or 街道 (each case once)."""
    where, params = f.where()
    if by == "kind":
        rows = connection.execute(f"""
            SELECT kind, count(*) AS n FROM (SELECT unnest(sensitive_kinds) AS kind FROM cases c WHERE {where})
            GROUP BY 1 ORDER BY n DESC, kind""", params).fetchall()
        return ["类型", "诉求量"], rows
    if by not in ("district", "subdistrict"):
        raise InvalidInput("by 应为 kind、district 或 subdistrict", field="by")
    rows = connection.execute(f"""
        SELECT coalesce({by}, '（未填）') AS k, count(*) AS n FROM cases c
        WHERE {where} AND len(sensitive_kinds) > 0 GROUP BY 1 ORDER BY n DESC, k""", params).fetchall()
    return ["区域", "诉求量"], rows


@metric("emergency_lines", "紧急热线联动")
def emergency_lines(connection, f: Filters):
    """紧急热线联动 of the period (Beijing time of the step): per line (110, 119, 120, 122), the cases handed over to it
    (转紧急热线: theirs alone, ended at the centre) and those told to it while a unit handles them (通报紧急热线)."""
    where, params = f.of_steps("e.at + INTERVAL 8 HOUR", "e.request_id")
    rows = connection.execute(f"""
        SELECT e.line, count(DISTINCT e.request_id) FILTER (WHERE e.action = 'hand_over'),
               count(DISTINCT e.request_id) FILTER (WHERE e.action = 'alert_line')
        FROM events e WHERE e.line IS NOT NULL AND {where} GROUP BY 1 ORDER BY 1""", params).fetchall()
    return ["紧急热线", "转紧急热线", "通报紧急热线"], [(EmergencyLine.label_of(line), *rest) for line, *rest in rows]


@metric("keywords", "热词")
def top_keywords(connection, f: Filters, top: int = 30):
    """The keywords most requests carry (a case's keywords are distinct: the store keeps each once)."""
    where, params = f.where()
    rows = connection.execute(f"""
        SELECT word, count(*) AS n, round(count(*) * 100.0 / (SELECT count(*) FROM cases c WHERE {where}), 1)
        FROM (SELECT unnest(c.keywords) AS word FROM cases c WHERE {where})
        GROUP BY word ORDER BY n DESC, word LIMIT ?""", [*params, *params, max(1, min(int(top), 200))]).fetchall()
    return ["关键词", "诉求量", "占诉求%"], rows


@metric("deadlines", "时限执行")
def deadlines(connection, f: Filters):
    where, params = f.where()
    now = f.now or datetime.utcnow()
    row = connection.execute(f"""
        SELECT count(*) FILTER (WHERE a.acknowledged_at IS NOT NULL AND a.acknowledged_at <= a.acknowledge_due),
               count(*) FILTER (WHERE a.acknowledge_due <= ?),
               (SELECT count(*) FILTER (WHERE resolved_at IS NOT NULL AND resolved_at <= resolve_due)
                FROM cases c WHERE {where} AND resolve_due IS NOT NULL),
               (SELECT count(*) FILTER (WHERE resolved_at IS NOT NULL) FROM cases c WHERE {where}
                AND resolve_due IS NOT NULL),
               (SELECT count(*) FROM cases c WHERE {where} AND resolve_due < ?
                AND status IN ('dispatched', 'in_progress', 'extension_pending', 'return_pending'))
        FROM assignments a JOIN cases c ON c.id = a.request_id WHERE a.role = 'lead' AND {where}""",
        [now, *params, *params, *params, now, *params]).fetchone()
    signed, due, resolved_on_time, resolved = row[0], row[1], row[2], row[3]
    return ["指标", "数值"], [
        ["按时签收率%", round(signed * 100 / due, 1) if due else None],
        ["按时办结率%", round(resolved_on_time * 100 / resolved, 1) if resolved else None],
        ["当前超期件", row[4]],
    ]


@metric("satisfaction", "回访满意度趋势")
def satisfaction(connection, f: Filters):
    """By the month of the callback (the period filters the callback's own time); the rates over the callbacks
    that reached the requester, those concluded as unreachable (回访无法联系) counted apart."""
    where, params = f.of_steps("fu.at_local", "fu.request_id")
    rows = connection.execute(f"""
        SELECT strftime(m, '%Y-%m'), n, solved, satisfied, unreached FROM (
            SELECT fu.month_local AS m, count(fu.satisfaction) AS n,
                   round(avg(CASE WHEN fu.satisfaction IS NULL THEN NULL WHEN fu.solved THEN 100.0 ELSE 0 END), 1)
                       AS solved,
                   round(avg(CASE fu.satisfaction WHEN 'satisfied' THEN 100.0 WHEN 'basic' THEN 80.0
                                                  WHEN 'unsatisfied' THEN 0 END), 1) AS satisfied,
                   count(*) - count(fu.satisfaction) AS unreached
            FROM follow_ups fu
            WHERE {where} AND NOT fu.excluded
            GROUP BY 1) ORDER BY m""", params).fetchall()
    return ["月份", "回访数", "解决率%", "满意率%（基本满意按 80%）", "无法联系（不计入）"], rows


@metric("returns_by_unit", "退单与改派（派单准确度）")
def returns_by_unit(connection, f: Filters):
    where, params = f.where()
    rows = connection.execute(f"""
        SELECT a.unit, count(*) AS dispatched, count(*) FILTER (WHERE a.end_reason = 'returned') AS returned,
               count(*) FILTER (WHERE a.end_reason = 'redispatched') AS redispatched,
               round(count(*) FILTER (WHERE a.end_reason IN ('returned', 'redispatched')) * 100.0 / count(*), 1)
        FROM assignments a JOIN cases c ON c.id = a.request_id
        WHERE a.role = 'lead' AND {where} GROUP BY 1 ORDER BY 5 DESC, 2 DESC LIMIT 30""", params).fetchall()
    return ["单位", "派单", "退单", "改派", "退改率%"], rows


@metric("handling_by_unit", "承办单位办理时长")
def handling_by_unit(connection, f: Filters):
    """Per lead unit, the cases it resolved: hours from its dispatch to the resolution (median and the 90th
    percentile, calendar hours), the share resolved by the deadline, and how often the centre sent a reply back
    (退回重办). The units with most resolved cases first."""
    where, params = f.where()
    rows = connection.execute(f"""
        WITH lead AS (SELECT a.request_id, min(a.dispatched_at) AS dispatched_at
                      FROM assignments a JOIN cases c ON c.id = a.request_id
                      WHERE a.role = 'lead' AND a.unit = c.lead_unit GROUP BY 1),
             sent_back AS (SELECT request_id, count(*) AS n FROM events WHERE action = 'send_back' GROUP BY 1)
        SELECT c.lead_unit, count(*),
               round(median(date_diff('minute', l.dispatched_at, c.resolved_at)) / 60.0, 1),
               round(quantile_cont(date_diff('minute', l.dispatched_at, c.resolved_at), 0.9) / 60.0, 1),
               round(count(*) FILTER (WHERE c.resolved_at <= c.resolve_due) * 100.0 / count(*), 1),
               coalesce(sum(sb.n), 0)
        FROM cases c JOIN lead l ON l.request_id = c.id LEFT JOIN sent_back sb ON sb.request_id = c.id
        WHERE {where} AND c.resolved_at IS NOT NULL
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 30""", params).fetchall()
    return ["单位", "办结件", "办理时长中位数（小时）", "90% 在（小时）内", "按时办结率%", "退回重办次数"], rows


@metric("first_contact", "热线一次办结（直接办结）")
def first_contact(connection, f: Filters):
    """Per kind of request: how many the agent answered on the spot (直接办结, mostly inquiries from the 知识库)
    instead of dispatching them, and the share; the last row is every kind together."""
    where, params = f.where()
    rows = connection.execute(f"""
        SELECT c.kind, count(*),
               count(*) FILTER (WHERE c.id IN (SELECT request_id FROM events WHERE action = 'answer_directly'))
        FROM cases c WHERE {where} GROUP BY 1 ORDER BY 2 DESC, 1""", params).fetchall()
    total, answered = sum(r[1] for r in rows), sum(r[2] for r in rows)
    rows = [list(r) for r in rows]
    if rows:
        rows.append(["合计", total, answered])
    return ["类型", "诉求量", "直接办结", "一次办结率%"], [[*r, round(r[2] * 100 / r[1], 1) if r[1] else None]
                                                      for r in rows]


AGENT_WORK = (("register", "受理"), ("answer_directly", "直接办结"), ("dispatch", "派单"), ("hand_over", "转紧急热线"),
              ("urge", "催办登记"),
              ("supplement", "补充登记"), ("follow_up", "回访"), ("callback_unanswered", "回访未接通"), ("callback_unreachable", "回访无法联系"))


@metric("agent_workload", "坐席工作量")
def agent_workload(connection, f: Filters):
    """Per agent (坐席), what they recorded in the period (Beijing time of the step, not of the case's receipt):
    cases registered, answered on the spot, dispatched, handed over to an emergency line, urges and additions (补充诉求) taken, callbacks made, calls nobody answered, requesters
    given up on; the busiest first. The other filters narrow by the case. Then the calls each answered in the period
    and their mean talk time, from the telephony's records (where it reports them: 0 and empty otherwise); an
    agent who answered calls and recorded nothing is listed last."""
    where, params = f.of_steps("e.at + INTERVAL 8 HOUR", "e.request_id")
    listed = ", ".join(f"'{action}'" for action, _ in AGENT_WORK)  # our own constants, not user input
    counts = ", ".join(f"count(*) FILTER (WHERE e.action = '{action}')" for action, _ in AGENT_WORK)
    rows = connection.execute(f"""
        SELECT e.actor, {counts}, count(*) FROM events e
        WHERE e.role = 'agent' AND e.action IN ({listed}) AND {where}
        GROUP BY 1 ORDER BY {len(AGENT_WORK) + 2} DESC, 1""", params).fetchall()
    period, moments = _call_period(f)
    answered = {agent: (n, talk) for agent, n, talk in connection.execute(f"""
        SELECT agent, count(*), round(avg(talk_s)) FROM calls WHERE answered AND agent IS NOT NULL AND {period}
        GROUP BY 1""", moments).fetchall()}
    table = [[*row, *answered.pop(row[0], (0, None))] for row in rows]
    table += [[agent, *[0] * (len(AGENT_WORK) + 1), n, talk] for agent, (n, talk) in sorted(answered.items())]
    return ["坐席", *[label for _, label in AGENT_WORK], "合计", "接听来电", "平均通话（秒）"], table


@metric("hour_weekday", "来电时段分布（星期 × 小时）")
def hour_weekday(connection, f: Filters):
    where, params = f.where()
    rows = connection.execute(f"""SELECT isodow(received_local), hour(received_local), count(*) FROM cases c
                                  WHERE {where} GROUP BY 1, 2 ORDER BY 1, 2""", params).fetchall()
    return ["星期", "小时", "诉求量"], rows


@metric("repeats", "重复诉求（并单）")
def repeats(connection, f: Filters):
    where, params = f.where()
    rows = connection.execute(f"""
        SELECT strftime(m, '%Y-%m'), n, merged, round(merged * 100.0 / n, 1) FROM (
            SELECT date_trunc('month', received_local) AS m, count(*) AS n,
                   count(*) FILTER (WHERE master_id IS NOT NULL) AS merged
            FROM cases c WHERE {where} GROUP BY 1) ORDER BY m""", params).fetchall()
    return ["月份", "诉求量", "并单件", "并单率%"], rows


def as_of(f: Filters) -> datetime:
    """The end (exclusive, Beijing local) of the time a warning looks back from: the period's end, but not later
    than the end of today."""
    now_local = (f.now.replace(tzinfo=UTC) if f.now else datetime.now(UTC)).astimezone(SHANGHAI)
    end_of_today = datetime.combine(now_local.date() + timedelta(days=1), time())
    return min(datetime.combine(f.end, time()), end_of_today) if f.end else end_of_today


def _call_period(f: Filters) -> tuple[str, list]:
    """The period's condition on the calls (Beijing time of the call); the other filters do not apply to a call."""
    clauses, params = ["1 = 1"], []
    for clause, value in (("offered_local >= ?", f.start), ("offered_local < ?", f.end)):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    return " AND ".join(clauses), params


@metric("calls", "话务（接通率）")
def calls(connection, f: Filters, by: str = "day"):
    """话务, per Beijing day of the period (`by` hour: per hour of the day, where the phones are short of agents)
    from the telephony's call records (`domain/calls.py`): calls offered,
    answered, abandoned (呼损, without those who hung up within SHORT_ABANDON seconds, counted apart), 接通率 and
    20 秒接通率 over the calls counted, the mean wait of the answered and their mean talk time; a 合计 row. Only the
    period applies: a call has no district, category or channel."""
    from jiesu.domain.calls import ANSWER_WITHIN, SHORT_ABANDON

    if by not in ("day", "hour"):
        raise InvalidInput("by 应为 day 或 hour", field="by")
    period, params = _call_period(f)
    key = "CAST(offered_local AS DATE)" if by == "day" else "hour(offered_local)"
    days = connection.execute(f"""
        SELECT {key}, count(*), count(*) FILTER (WHERE answered),
               count(*) FILTER (WHERE NOT answered AND wait_s <= {SHORT_ABANDON}),
               count(*) FILTER (WHERE answered AND wait_s <= {ANSWER_WITHIN}), sum(wait_s) FILTER (WHERE answered),
               sum(talk_s)
        FROM calls WHERE {period} GROUP BY 1 ORDER BY 1""", params).fetchall()

    def figures(offered, answered, short, in_time, waited, talked) -> list:
        counted = offered - short  # the hang-ups within seconds are no agent's to answer

        def percent(part):
            return round(part * 100.0 / counted, 1) if counted else None

        return [offered, answered, counted - answered, short, percent(answered), percent(in_time),
                round(waited / answered, 1) if answered else None, round(talked / answered, 1) if answered else None]

    rows = [[f"{day:%Y-%m-%d}" if by == "day" else f"{day:02d}:00", *figures(*(x or 0 for x in sums))]
            for day, *sums in days]
    if days:  # the whole period from the days' sums: one scan of the calls, not two
        rows.append(["合计", *figures(*(sum(x[i] or 0 for x in days) for i in range(1, 7)))])
    return ["日期" if by == "day" else "时段", "来电", "接通", "呼损", f"{SHORT_ABANDON} 秒内挂机", "接通率%",
            f"{ANSWER_WITHIN} 秒接通率%",
            "平均等待（秒）", "平均通话（秒）"], rows


@metric("staffing", "坐席排班建议（按近几周来电）")
def staffing(connection, f: Filters, weeks: int = 4, handling: float | None = None, answer_within: float = 20,
             share: float = 0.8, shrinkage: float = 0.3):
    """坐席排班: for each weekday and hour, the calls on average over the `weeks` whole weeks before the period's end
    (or before today), and the agents it takes (Erlang C, `domain/staffing.py`) to answer `share` of them within
    `answer_within` seconds when a call takes `handling` seconds — on the phones, and on the roster with `shrinkage`
    away. The calls are the telephony's records where it reports them (those offered, without the hang-ups no agent
    could have answered), and `handling` defaults to their measured mean talk time; without records, the cases
    received by phone (the district and category filters narrow those: a district's own line) and five minutes a
    call. The note says which."""
    from jiesu.domain.calls import SHORT_ABANDON
    from jiesu.domain.staffing import Target, agents_needed, scheduled

    if not 1 <= int(weeks) <= 26:
        raise InvalidInput("weeks 应为 1–26", field="weeks")
    end = min(as_of(f), as_of(Filters(now=f.now)) - timedelta(days=1))  # whole days: not today's first hours
    window = [end - timedelta(weeks=int(weeks)), end]
    recorded, talk, handled = connection.execute(f"""SELECT count(*), avg(talk_s), avg(talk_s + wrap_s) FROM calls
        WHERE offered_local >= ? AND offered_local < ? AND (answered OR wait_s > {SHORT_ABANDON})""",
                                                 window).fetchone()
    if recorded:
        wrapped = handled is not None  # the telephony reports the after-call work: talk and work, else talk alone
        talk = handled if wrapped else talk
        measured = handling is None and talk is not None
        if measured:
            seconds = float(min(max(round(talk), 10), 7200))  # within what a Target takes
        else:
            seconds = float(handling) if handling is not None else 300.0
        counted_rows = connection.execute(f"""SELECT isodow(offered_local), hour(offered_local), count(*) FROM calls
            WHERE offered_local >= ? AND offered_local < ? AND (answered OR wait_s > {SHORT_ABANDON})
            GROUP BY 1, 2""", window).fetchall()
        note = (f"按话务记录：近 {int(weeks)} 周来电 {recorded} 通（不含 {SHORT_ABANDON} 秒内挂机）；每通处理 {seconds:g} 秒"
                + (("（实测平均处理时长：通话与话后整理）" if wrapped else "（实测平均通话时长，未含话后整理）")
                   if measured else ""))
    else:
        seconds = float(handling if handling is not None else 300)
        where, params = Filters(district=f.district, category1=f.category1).where()
        counted_rows = connection.execute(f"""
            SELECT isodow(received_local), hour(received_local), count(*) FROM cases c
            WHERE {where} AND channel = 'phone' AND received_local >= ? AND received_local < ? GROUP BY 1, 2""",
                                          [*params, *window]).fetchall()
        note = (f"按电话受理件（未接入话务记录，未成工单的来电不在内）；每通处理 {seconds:g} 秒")
    target = Target(seconds, float(answer_within), float(share), float(shrinkage))
    counted = {(weekday, hour): n for weekday, hour, n in counted_rows}
    rows = []
    for weekday in range(1, 8):
        for hour in range(24):
            arriving = counted.get((weekday, hour), 0) / int(weeks)
            needed = agents_needed(arriving, target)
            rows.append((weekday, hour, round(arriving, 1), needed, scheduled(needed, target)))
    return ["星期", "小时", "每小时来电（均值）", "在线坐席", "排班人数"], rows, note


@metric("day_matters", "主要事项（与此前 28 天日均比）")
def day_matters(connection, f: Filters, top: int = 15, days: int = 28):
    """每日要情: the period's second-level matters, most first, each against its usual share of `days` days before
    the period's start (the mean per day times the period's days) and how many times that it is (None when the days
    before had none)."""
    if f.start is None or f.end is None:
        raise InvalidInput("需要起止日期", field="day")
    span = max(1, (f.end - f.start).days)
    where, params = Filters(district=f.district, category1=f.category1, channel=f.channel).where()
    rows = connection.execute(f"""
        WITH agg AS (
            SELECT category2 AS matter, count(*) FILTER (WHERE received_local >= ?) AS n,
                   count(*) FILTER (WHERE received_local < ?) * 1.0 / ? AS usual
            FROM cases c WHERE {where} AND received_local >= ? AND received_local < ? AND category2 IS NOT NULL
            GROUP BY 1)
        SELECT matter, n, round(usual, 1), CASE WHEN usual > 0 THEN round(n / usual, 1) END
        FROM agg WHERE n > 0 ORDER BY n DESC, matter LIMIT ?""",
        [f.start, f.start, days / span, *params, f.start - timedelta(days=days), f.end,
         max(1, min(int(top), 200))]).fetchall()
    return ["事项", "诉求量", f"此前 {days} 天日均", "倍数"], rows


@metric("rising", "上升预警（街道 × 事项）")
def rising(connection, f: Filters, top: int = 10, least: int = 5):
    """未诉先办: the 街道 × second-level matters whose last 7 days are well above their usual week (the 8 weeks
    before): at least `least` requests, at least twice the weekly mean, and 3 Poisson standard deviations above it.
    The period's start is not used: the window ends where the period (or today) ends."""
    end = as_of(f)
    recent, since = end - timedelta(days=7), end - timedelta(days=63)
    where, params = Filters(district=f.district, category1=f.category1, channel=f.channel).where()
    rows = connection.execute(f"""
        WITH agg AS (
            SELECT subdistrict AS area, category2 AS matter,
                   count(*) FILTER (WHERE received_local >= ?) AS recent,
                   count(*) FILTER (WHERE received_local < ?) / 8.0 AS weekly
            FROM cases c WHERE {where} AND received_local >= ? AND received_local < ?
                 AND subdistrict IS NOT NULL AND category2 IS NOT NULL
            GROUP BY 1, 2)
        SELECT area, matter, recent, round(weekly, 1), round(recent / greatest(weekly, 0.5), 1),
               round((recent - weekly) / sqrt(greatest(weekly, 0.5)), 1) AS z
        FROM agg WHERE recent >= ? AND recent >= 2 * weekly AND (recent - weekly) / sqrt(greatest(weekly, 0.5)) >= 3
        ORDER BY z DESC, area, matter LIMIT ?""",
        [recent, recent, *params, since, end, max(1, int(least)), max(1, min(int(top), 200))]).fetchall()
    return ["街道", "事项", "近 7 天", "此前 8 周周均", "倍数", "偏离（标准差）"], rows


@metric("seasonal", "季节提示（去年此时起增多的事项）")
def seasonal(connection, f: Filters, top: int = 10, least: int = 10):
    """未诉先办: the second-level matters that rose last year in the 4 weeks from this date (52 weeks earlier, so
    the weekdays match) against the 4 weeks before: at least `least` requests then and 1.5 times as many — the
    problems to get ahead of now (heating before winter, flooding before the rains). Nothing until the stored
    requests reach back into the first week of those 8 (a rise from no data is no rise)."""
    then = as_of(f) - timedelta(weeks=52, days=1)  # the start of the last day, a year (52 weeks) earlier
    where, params = Filters(district=f.district, category1=f.category1, channel=f.channel).where()
    rows = connection.execute(f"""
        WITH agg AS (
            SELECT category2 AS matter, count(*) FILTER (WHERE received_local >= ?) AS after_,
                   count(*) FILTER (WHERE received_local < ?) AS before_
            FROM cases c WHERE {where} AND received_local >= ? AND received_local < ? AND category2 IS NOT NULL
            GROUP BY 1)
        SELECT matter, after_, before_, round(after_ / greatest(before_, 1), 1) AS ratio
        FROM agg WHERE after_ >= ? AND after_ >= 1.5 * before_
          AND (SELECT min(received_local) FROM cases) <= ?  -- last year's data reaches into the weeks before
        ORDER BY ratio DESC, after_ DESC, matter LIMIT ?""",
        [then, then, *params, then - timedelta(weeks=4), then + timedelta(weeks=4), max(1, int(least)),
         then - timedelta(weeks=3), max(1, min(int(top), 200))]).fetchall()
    return ["事项", "去年此后 4 周", "去年此前 4 周", "倍数"], rows
