"""The audit trail (审计日志) of everything that is not a step of a case (those are the case's own events):
accounts and their sign-ins, tokens and keys, the 知识库, 信访 steps, the classifier used at intake, backups and
restores, personal data shown in full, personal data removed after its keeping period, the units' 值班表.
Written by `record` inside the action's own transaction; read by administrators on /admin/audit and with
`jiesu audit list`, filtered and newest first."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, insert, select

from jiesu.bootstrap import App
from jiesu.domain.calendar import SHANGHAI
from jiesu.domain.errors import InvalidInput
from jiesu.domain.petition import PetitionAction
from jiesu.spreadsheet import safe_cell
from jiesu.storage import tables as t

ACTIONS = {  # the recorded actions, as an administrator reads them
    "user.add": "添加账号", "user.disable": "停用账号", "user.enable": "启用账号", "user.password": "设置密码",
    "user.reset_demo_password": "重置演示密码", "user.login": "登录", "user.login_failed": "登录失败（密码错误）",
    "user.login_refused": "登录被拒（账号锁定中）", "user.unlock": "解锁账号",
    "token.create": "创建 API 令牌", "token.revoke": "吊销 API 令牌",
    "open311_key.create": "创建 Open311 密钥", "open311_key.revoke": "吊销 Open311 密钥",
    "knowledge.load": "导入知识库", "knowledge.add": "新增知识条目", "knowledge.change": "修改知识条目",
    "knowledge.propose": "建议收入知识库", "knowledge.accept": "采纳知识建议", "knowledge.decline": "不采纳知识建议",
    "petition.open": "登记信访件", "db.backup": "备份数据库", "db.restore": "恢复数据库",
    "personal_data.reveal": "查看完整个人信息", "audit.export": "导出审计日志", "model.activate": "启用分类模型",
    "retention.anonymise": "清除过期个人信息", "secret.rotate": "密钥轮换（重新加密个人信息）",
    "cases.export": "导出工单", "topic.add": "发布征集主题", "topic.close": "结束征集", "citizen.login": "诉求人短信验证后查看本人诉求",
    "sms_reply.handled": "处理短信回复", "duty.add": "新增值班班次", "duty.remove": "删除值班班次",
    "duty.load": "导入值班表", "db.reindex": "重建工单查询索引", "calls.receive": "接收话务记录", "calls.call_back": "呼损回拨（显示来电号码）",
}
PAGE_SIZE = 50
EXPORT_PAGE = 10_000  # lines read at a time by an export


def label(action: str) -> str:
    step = action.removeprefix("petition.")
    if action.startswith("petition.") and step in PetitionAction.__members__.values():
        return f"信访件：{PetitionAction(step).label}"
    return ACTIONS.get(action, action)


def record(connection, at: datetime, actor: str, action: str, target: str, detail: dict | None = None) -> None:
    """One line of the audit trail, in the caller's transaction (so it exists exactly when the change does)."""
    connection.execute(insert(t.audit_log).values(at=at, actor=actor, action=action, target=target,
                                                  detail=detail or {}))


@dataclass
class AuditQuery:
    actor: str = ""  # exactly this account
    action: str = ""  # this action, or every action under a prefix ("user" or "user." = every account action)
    target: str = ""  # words in the target
    since: date | None = None  # first Beijing day
    until: date | None = None  # last Beijing day
    limit: int = PAGE_SIZE
    offset: int = 0

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise InvalidInput(f"起始日期 {self.since} 晚于截止日期 {self.until}", field="since")
        if not 1 <= self.limit <= 10_000:
            raise InvalidInput("每页条数应在 1 到 10000 之间", field="limit")
        if self.offset < 0:
            raise InvalidInput("偏移不能为负", field="offset")


@dataclass
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    label: str
    target: str
    detail: dict

    @property
    def details(self) -> str:
        """The detail as one line, empty values left out: `revision 0007 · counts {"requests": 3}`."""
        import json

        return " · ".join(f"{key} {value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}"
                          for key, value in self.detail.items() if value not in (None, "", [], {}))


def _where(query: AuditQuery) -> list:
    log = t.audit_log.c
    conditions = []
    if query.actor.strip():
        conditions.append(log.actor == query.actor.strip())
    if query.action.strip():
        wanted = query.action.strip()
        prefix = wanted if wanted.endswith(".") else wanted + "."
        conditions.append((log.action == wanted) | log.action.startswith(prefix, autoescape=True))
    if query.target.strip():
        conditions.append(log.target.contains(query.target.strip(), autoescape=True))
    if query.since:
        conditions.append(log.at >= datetime.combine(query.since, time(), SHANGHAI))
    if query.until:
        conditions.append(log.at < datetime.combine(query.until + timedelta(days=1), time(), SHANGHAI))
    return conditions


def entries(app: App, query: AuditQuery) -> tuple[list[AuditEntry], int]:
    """One page of the matching lines, newest first, and how many match in all."""
    conditions = _where(query)
    with app.uow(read_only=True) as uow:
        total = uow.connection.execute(select(func.count()).select_from(t.audit_log).where(*conditions)).scalar_one()
        rows = uow.connection.execute(select(t.audit_log).where(*conditions)
                                      .order_by(t.audit_log.c.at.desc(), t.audit_log.c.id.desc())
                                      .limit(query.limit).offset(query.offset)).all()
    return [AuditEntry(r.id, r.at, r.actor, r.action, label(r.action), r.target, r.detail or {}) for r in rows], total


@dataclass
class RevealCount:
    actor: str
    reveals: int
    cases: int
    unusual: bool  # far above what the other accounts did in the same days


UNUSUAL_FLOOR = 50  # reveals in the window below which nobody is flagged
UNUSUAL_FACTOR = 3  # … and above which an account is flagged when it is this many times the median account


def reveals_by_account(app: App, days: int = 7) -> list[RevealCount]:
    """Who looked at personal data in full in the last `days` Beijing days, most first; an account is `unusual`
    when it did so at least UNUSUAL_FLOOR times and UNUSUAL_FACTOR times the median of the other accounts that did
    (someone copying citizens' numbers looks like this)."""
    import statistics

    log = t.audit_log.c
    since = datetime.combine(app.today() - timedelta(days=days - 1), time(), SHANGHAI)
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(
            select(log.actor, func.count(), func.count(log.target.distinct()))
            .where(log.action == "personal_data.reveal", log.at >= since)
            .group_by(log.actor).order_by(func.count().desc(), log.actor)).all()
    counts = [count for _, count, _ in rows]
    result = []
    for i, (actor, count, distinct) in enumerate(rows):
        others = counts[:i] + counts[i + 1:]
        typical = statistics.median(others) if others else 0
        result.append(RevealCount(actor, count, distinct,
                                  count >= UNUSUAL_FLOOR and count >= UNUSUAL_FACTOR * typical))
    return result


def export_csv(app: App, query: AuditQuery, by: str) -> str:
    """Every matching line (not only one page) as CSV for a spreadsheet; the export itself is recorded."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["时间（北京）", "操作人", "操作", "动作代码", "对象", "详情"])
    written, page = 0, AuditQuery(query.actor, query.action, query.target, query.since, query.until,
                                      limit=EXPORT_PAGE)
    while True:
        found, total = entries(app, page)
        for e in found:
            writer.writerow([f"{e.at.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}", safe_cell(e.actor), e.label, e.action,
                             safe_cell(e.target), safe_cell(e.details)])
        written += len(found)
        if not found or written >= total:
            break
        page.offset += page.limit
    with app.uow() as uow:
        record(uow.connection, app.now(), by, "audit.export", f"{written} 条",
               {"actor": query.actor, "action": query.action, "target": query.target,
                "since": query.since.isoformat() if query.since else None,
                "until": query.until.isoformat() if query.until else None})
        uow.commit()
    return out.getvalue()

