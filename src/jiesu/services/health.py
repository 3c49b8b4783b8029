"""体检 (`jiesu doctor`): what an administrator should look at in an installation, each finding with what to do.

Read-only: it changes nothing (not even the schema). Errors stop the service from working right (a secret that
opens nothing, an old schema); warnings are work that will be missed (next year's holidays not loaded in
December, no backup for a day, the deadline scan not scheduled, text messages stuck, no trained classifier)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from jiesu.bootstrap import App
from jiesu.domain.calendar import beijing_minute
from jiesu.storage import tables as t

BACKUP_EVERY = timedelta(days=1)
SCAN_EVERY = timedelta(minutes=15)  # `jiesu sla scan` is expected every 5 minutes: three missed runs are a warning
NEXT_YEAR_FROM_MONTH = 11  # the State Council publishes next year's holidays in November or December


@dataclass(frozen=True)
class Finding:
    level: str  # "error", "warning" or "ok"
    topic: str
    message: str
    todo: str = ""

    @property
    def label(self) -> str:
        return {"error": "错误", "warning": "注意", "ok": "正常"}[self.level]


def check(app: App) -> list[Finding]:
    from jiesu.storage.migrate import current_revision, known_revisions

    found: list[Finding] = []
    current, head = current_revision(app.engine), max(known_revisions())
    if current != head:
        found.append(Finding("error", "数据库", f"数据库结构版本 {current or '无'}，程序需要 {head}",
                             "停止服务后运行 jiesu db upgrade（先 jiesu db backup）"))
        return found  # the other checks read tables this schema may not have
    found.append(Finding("ok", "数据库", f"结构版本 {head}"))
    found += _secret(app) + _calendar(app) + _model(app) + _backups(app) + _scan(app) + _messages(app) + _replies(app)
    found += _publication(app) + _duty(app) + _sensitive_reports(app) + _word_index(app) + _calls(app)
    return found


def _secret(app: App) -> list[Finding]:
    from jiesu.services.secret_rotation import unreadable_recent

    if app.settings.uses_demo_secret and not app.settings.demo_mode:
        return [Finding("error", "密钥", "JIESU_SECRET_KEY 仍是默认值", "设置自己的密钥后再启动服务")]
    unreadable = unreadable_recent(app)
    if unreadable:
        return [Finding("error", "密钥", f"JIESU_SECRET_KEY 打不开最近工单的个人信息（如诉求 {unreadable[0]}）",
                        "使用加密这些数据的密钥；更换密钥见 jiesu secret --help")]
    if app.settings.old_secrets:
        return [Finding("warning", "密钥", "仍配置着旧密钥 JIESU_OLD_SECRET_KEYS",
                        "jiesu secret check 显示没有旧密钥加密的记录后，去掉它并重启")]
    return [Finding("ok", "密钥", "个人信息可以解密")]


def _calendar(app: App) -> list[Finding]:
    today = app.today()
    covered = app.current_config().calendar().covered_years
    missing = [year for year in (today.year, today.year + 1) if year not in covered
               and (year == today.year or today.month >= NEXT_YEAR_FROM_MONTH)]
    if missing:
        return [Finding("warning", "节假日", f"{'、'.join(map(str, missing))} 年的节假日安排未载入：期限按周一至周五计算",
                        "国务院办公厅通知发布后运行 jiesu calendar load 通知.txt")]
    return [Finding("ok", "节假日", f"已覆盖 {today.year}{'、' + str(today.year + 1) if today.year + 1 in covered else ''} 年")]


def _model(app: App) -> list[Finding]:
    from jiesu.services.models import active_model

    config = app.current_config()
    if active_model(app, config.model_path) is None:
        return [Finding("warning", "分类模型", "没有可用的分类模型：受理时只按规则建议分类",
                        "jiesu model train --from-db --out model/ --activate")]
    return [Finding("ok", "分类模型", f"使用 {config.model_path}")]


def _backups(app: App) -> list[Finding]:
    with app.uow(read_only=True) as uow:
        last = uow.connection.execute(select(func.max(t.audit_log.c.at)).where(
            t.audit_log.c.action == "db.backup")).scalar()
    if last is None:
        return [Finding("warning", "备份", "没有备份记录", "jiesu db backup FILE，并用 cron 每天运行")]
    if app.now() - last > BACKUP_EVERY:
        return [Finding("warning", "备份", f"最近一次备份在 {beijing_minute(last)}，已超过一天",
                        "检查每天运行 jiesu db backup 的定时任务")]
    return [Finding("ok", "备份", f"最近一次备份在 {beijing_minute(last)}")]


def _scan(app: App) -> list[Finding]:
    from jiesu.services.sla_scan import last_run

    last = last_run(app)
    todo = "用 cron 每 5 分钟运行 jiesu sla scan"
    if last is None:
        return [Finding("warning", "时限扫描", "jiesu sla scan 从未运行：超期不会记录，紧急件超时未签收不会再发短信提醒", todo)]
    if app.now() - last > SCAN_EVERY:
        return [Finding("warning", "时限扫描", f"jiesu sla scan 最近一次运行在 {beijing_minute(last)}，已超过 15 分钟",
                        "检查" + todo + "的定时任务")]
    return [Finding("ok", "时限扫描", f"最近一次运行在 {beijing_minute(last)}")]


def _messages(app: App) -> list[Finding]:
    from jiesu.services.notifications import outbox

    if not app.settings.notify_citizens:
        return [Finding("ok", "短信", "已关闭（JIESU_NOTIFY_CITIZENS=false）")]
    box = outbox(app, failures=0)
    found = []
    if not app.settings.sms_gateway_url:
        found.append(Finding("warning", "短信", "未配置短信网关：受理、办结短信在等待",
                             "设置 JIESU_SMS_GATEWAY_URL 并运行 jiesu notify send --loop"))
    elif box.stalled(app.now()):
        found.append(Finding("warning", "短信", f"有短信等待超过 15 分钟（最早 {beijing_minute(box.oldest_waiting)}）",
                             "检查 jiesu notify send --loop 是否在运行、网关是否可用"))
    if box.failed:
        found.append(Finding("warning", "短信", f"{box.failed} 条短信多次发送失败", "jiesu notify status 查看原因；督办台列出工单"))
    return found or [Finding("ok", "短信", "正常发送")]


REPLY_WAIT = timedelta(days=2)  # a reply for an agent left this long is a desk nobody reads


def _replies(app: App) -> list[Finding]:
    from jiesu.services.sms_replies import waiting

    if not app.settings.sms_inbound_token:
        return [Finding("ok", "短信评价", "未启用：诉求人回复办结短信不会被接收（需要时设置 JIESU_SMS_INBOUND_TOKEN，"
                                       "并让短信网关把回复推送到 /api/v1/sms/inbound）")]
    unread = [x for x in waiting(app) if x.received_at < app.now() - REPLY_WAIT]
    if unread:
        return [Finding("warning", "短信评价", f"{len(unread)} 条短信回复超过 {REPLY_WAIT.days} 天无人处理",
                        "坐席在回访台「短信回复待处理」阅读并处理")]
    return [Finding("ok", "短信评价", "已启用")]


CALLS_QUIET = timedelta(hours=12)  # a hotline answers day and night: this long without a call record, the feed stopped


def _calls(app: App) -> list[Finding]:
    """话务记录: whether the telephony's records arrive (only where it is connected, JIESU_TELEPHONY_TOKEN)."""
    with app.uow(read_only=True) as uow:
        last = uow.connection.execute(select(func.max(t.calls.c.received_at))).scalar()
    if not app.settings.telephony_token:
        return [Finding("ok", "话务记录", "未接入话务系统：接通率、呼损不可统计，排班建议按电话受理件估算" if last is None
                        else f"未接入话务系统（最近一次导入在 {beijing_minute(last)}）",
                        "" if last else "需要时设置 JIESU_TELEPHONY_TOKEN，让话务系统把通话记录推送到 /api/v1/calls")]
    if last is None:
        return [Finding("warning", "话务记录", "已设置 JIESU_TELEPHONY_TOKEN，但还没有收到任何话务记录",
                        "检查话务系统是否按接口说明推送到 /api/v1/calls（docs/api.md）")]
    if app.now() - last > CALLS_QUIET:
        return [Finding("warning", "话务记录", f"最近一次收到话务记录在 {beijing_minute(last)}，已超过 12 小时",
                        "检查话务系统的推送是否中断；中断期间的记录可从交换机导出后 jiesu calls import")]
    return [Finding("ok", "话务记录", f"最近一次收到在 {beijing_minute(last)}")]


REVIEW_WAIT = timedelta(days=7)  # a case agreed to publication left unread this long: a queue nobody reviews


def _publication(app: App) -> list[Finding]:
    from jiesu.services.publication import awaiting_review

    if not app.settings.publication_review:
        return [Finding("ok", "办件公开", "不审核：诉求人同意公开的办件办结回访后直接公开（JIESU_PUBLICATION_REVIEW=false）")]
    r = t.requests
    with app.uow(read_only=True) as uow:
        waiting, old = uow.connection.execute(select(
            func.count(), func.count().filter(r.c.updated_at < app.now() - REVIEW_WAIT)).where(awaiting_review())).one()
    if old:
        return [Finding("warning", "办件公开", f"{old} 件诉求人同意公开的办件办结后超过 {REVIEW_WAIT.days} 天未审核",
                        "督办在督办台「办件公开待审核」阅读后公开或不予公开")]
    return [Finding("ok", "办件公开", f"待审核 {waiting} 件")]


def _duty(app: App) -> list[Finding]:
    from jiesu.services.duty_roster import HOLIDAY_AHEAD_DAYS, holiday_coverage

    coverage = holiday_coverage(app)
    if coverage is None:
        return [Finding("ok", "值班表", f"{HOLIDAY_AHEAD_DAYS} 天内没有法定节假日")]
    h = coverage.holiday
    if coverage.gaps:
        return [Finding("warning", "值班表", f"{h.name}（{h.first:%m-%d} 至 {h.last:%m-%d}）{len(coverage.gaps)} 个单位的值班表"
                        f"未排满（共 {coverage.units} 个单位）", "各单位在 /duty 登记班次，或 jiesu duty load 导入收集的值班表")]
    return [Finding("ok", "值班表", f"{h.name}期间 {coverage.units} 个单位均已排班")]


def _sensitive_reports(app: App) -> list[Finding]:
    """Whether a 敏感诉求 can be texted to the centre's shift (敏感诉求报告): its standing duty phone, or a shift of
    its 值班表 on now."""
    from jiesu.services.duty_roster import phone_for

    if not app.settings.notify_units:
        return [Finding("ok", "敏感诉求报告", "已关闭（JIESU_NOTIFY_UNITS=false）")]
    directory = app.current_config().directory
    centre = directory.centre
    if centre is None:
        return [Finding("warning", "敏感诉求报告", "单位表中没有热线中心（kind 为 centre）：敏感诉求不会以短信报告",
                        "在 units.csv 中加入热线中心并填写 duty_phone，再 jiesu config load")]
    with app.engine.connect() as c:
        phone = phone_for(app, c, centre.code, app.now(), directory)
    if not phone:
        return [Finding("warning", "敏感诉求报告", f"{centre.name}没有值班手机：敏感诉求不会以短信报告值班领导",
                        f"在 units.csv 中为 {centre.code} 填写 duty_phone（jiesu config load），或在 /duty 为中心排班")]
    return [Finding("ok", "敏感诉求报告", f"发往{centre.name}值班手机")]


def _word_index(app: App) -> list[Finding]:
    from jiesu.storage import text_index

    with app.engine.connect() as c:
        stored = c.execute(select(func.count()).select_from(t.requests)).scalar_one()
        indexed = text_index.count(c)
    if indexed < stored:
        return [Finding("warning", "查询索引", f"{stored - indexed:,} 件工单不在工单查询的索引中：按文字查询找不到它们",
                        "jiesu db reindex（可在服务运行时进行）")]
    return [Finding("ok", "查询索引", f"{indexed:,} 件工单")]
