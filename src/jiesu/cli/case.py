"""jiesu case: create, show, route and act on a case from the command line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer
from rich.table import Table

from jiesu.cli.common import actor_from, console, err_console, escape, ready_app, reports_errors
from jiesu.domain.calendar import beijing_minute
from jiesu.nlp.pii import mask

app = typer.Typer(help="工单：受理、查看、派单建议与办理操作。", no_args_is_help=True)


@app.command()
@reports_errors
def create(content: str = typer.Option(..., help="诉求内容"),
           kind: str = typer.Option("complaint", help="诉求类型：咨询/求助/投诉/举报/建议/表扬/其他 或英文代码"),
           channel: str = typer.Option("phone", help="渠道：phone/web/app/grid/walk_in/open311/suggestion/email/police"
                                                     "（110 转来）"),
           source_ref: str = typer.Option("", "--source-ref", help="来源单号：110 转来的警情编号等"),
           title: str = typer.Option(None, help="标题，默认取内容前 30 字"),
           name: str = typer.Option("", help="诉求人姓名"),
           phone: str = typer.Option(None, help="诉求人电话"),
           address: str = typer.Option("", help="地址"),
           division: str = typer.Option(None, help="行政区划（社区/街道/区）单位代码"),
           lat: float = typer.Option(None), lon: float = typer.Option(None),
           category: str = typer.Option(None, help="事项分类代码"),
           urgency: str = typer.Option("normal", help="紧急程度：emergency/urgent/normal/complex"),
           actor: str = typer.Option("cli", "--actor", help="操作人"),
           role: str = typer.Option("agent", "--role", help="操作人角色")) -> None:
    """Register a new request (受理), read as at the intake screen: what is left open is filled in from the text
    where it is clear (the category when the model is confident, the place named, 紧急 for an emergency)."""
    from jiesu.services.cases import Intake
    from jiesu.services.intake import submit
    from jiesu.services.users import Principal

    jiesu = ready_app()
    who = actor_from(actor, role, None)
    request, _, code, applied = submit(jiesu, Principal(who.name, who.role, who.unit), Intake(
        content=content, kind=kind, channel=channel, title=title, requester_name=name, requester_phone=phone,
        address=address, division=division, lat=lat, lon=lon, category=category, urgency=urgency,
        source_ref=source_ref))
    console.print(f"已受理：id {request.id}，工单号 {request.ticket}，查询码 {code}（请告知诉求人）")
    if applied.get("urgency_reason"):
        console.print(f"已按紧急件处理：{applied['urgency_reason']}", highlight=False)
    for field, label in (("category", "分类"), ("division", "所在社区/街道")):
        if field in applied:
            console.print(f"{label}取自诉求内容：{applied[field]}", highlight=False)
    if request.category:
        _print_routing(jiesu, request.category, request.location.division)


def _print_routing(jiesu, category: str, division: str | None) -> None:
    from jiesu.services.cases import suggest_routing

    routing = suggest_routing(jiesu, category, division)
    for label, candidates in (("主办建议", routing.leads), ("协办建议", routing.co_handlers)):
        for c in candidates:
            console.print(f"{label}：{c.unit.code} {c.reason}", highlight=False)
    for note in routing.notes:
        console.print(f"说明：{note}", highlight=False)


@app.command()
@reports_errors
def route(category: str = typer.Argument(..., help="事项分类代码"),
          division: str = typer.Argument(None, help="地址所在社区/街道/区的单位代码")) -> None:
    """Suggest the lead and co-handling units for a matter at a place, with the reasons."""
    _print_routing(ready_app(), category, division)


@app.command()
@reports_errors
def lessons() -> None:
    """改派经验: matters that recent re-dispatches show the duty lists send to another lead than the one that settles
    them, for checking the duty lists."""
    from jiesu.domain.dispatch_lessons import RULES, WINDOW_DAYS
    from jiesu.services.dispatch_lessons import lesson_lines

    lines = lesson_lines(ready_app())
    if not lines:
        console.print(f"目前没有达到提示条件的改派经验。{RULES}", highlight=False)
        return
    table = Table("事项", "区", "目录所列主办", "改派后办结", "改派办结/派出", "直接派办结", "占比", "最近一次", "处理",
                  title=f"改派经验（近 {WINDOW_DAYS} 天）")
    for x in lines:
        table.add_row(escape(x.matter), escape(x.district), escape(x.listed), escape(x.moved_to),
                      f"{x.lesson.moved}/{x.lesson.dispatched}", str(x.lesson.followed), f"{x.lesson.share:.0%}",
                      beijing_minute(x.lesson.last_at) if x.lesson.last_at else "—",
                      escape(x.standing + (f"：{x.refusal}" if x.refusal else "")
                             + (f"（duties.csv：{x.catalogue_line}）" if x.catalogue_line else "")))
    console.print(table)
    console.print(RULES, highlight=False)


@app.command("list")
@reports_errors
def list_(status: str = typer.Option(None, help="状态，如 dispatched 或 待签收"),
          unit: str = typer.Option(None, help="主办单位代码"),
          category: str = typer.Option(None, help="事项分类代码"),
          unreasonable: str = typer.Option(None, help="不合理诉求：pending 为待认定的申请，approved 为已认定"),
          text: str = typer.Option(None, "--text", help="查询：标题、内容、关键词或补充诉求含此文字（几个词以空格分开），或工单号、诉求人电话"),
          sensitive: bool = typer.Option(False, "--sensitive", help="只列敏感诉求（群体性、舆情、越级上访、极端言行）"),
          limit: int = typer.Option(30, help="条数"),
          before: int = typer.Option(None, help="只列 id 小于此值的（翻页）")) -> None:
    """List cases, newest first, with filters."""
    from jiesu.domain.workflow import Status
    from jiesu.services.cases import CaseFilter, list_cases

    rows = list_cases(ready_app(), CaseFilter(statuses=[status] if status else [], lead_unit=unit, category=category,
                                              unreasonable=unreasonable, text=text, sensitive=sensitive, limit=limit,
                                              before_id=before))
    table = Table("id", "工单号", "状态", "分类", "主办", "受理", "办结时限", "标题")
    for row in rows:
        table.add_row(str(row.id), row.ticket, Status(row.status).label, row.category or "—", row.lead_unit or "—",
                      beijing_minute(row.received_at), beijing_minute(row.resolve_due),
                      escape(mask(row.title)[:24]) + ("（敏感诉求）" if row.sensitive else ""))
    console.print(table)
    if rows:
        console.print(f"下一页：jiesu case list --before {rows[-1].id}")


@app.command()
@reports_errors
def show(request_id: int = typer.Argument(..., help="诉求 id"),
         reveal: bool = typer.Option(False, "--reveal", help="显示诉求人完整姓名和电话（默认脱敏；记入审计日志）"),
         by: str = typer.Option("", "--by", help="查看人（记入审计日志；默认为操作系统用户名）")) -> None:
    """Show a case with its deadlines and its whole timeline."""
    import getpass

    from jiesu.domain.enums import Role
    from jiesu.services import access
    from jiesu.services.cases import show as load
    from jiesu.services.users import Principal

    jiesu = ready_app()
    if reveal:  # whoever runs the command line has the database: an administrator, recorded by name
        r = access.reveal(jiesu, Principal(by.strip() or f"cli:{getpass.getuser()}", Role.ADMIN), request_id)
    else:
        r = load(jiesu, request_id)

    def shown(text: str | None) -> str | None:  # personal data in the texts, masked as on the pages unless revealed
        return access.text_view(text, reveal)

    console.print(f"[bold]{escape(shown(r.title))}[/]  工单号 {r.ticket}  状态 {r.status.label}  版本 {r.version}")
    requester = access.requester_view(r, reveal)
    source = f"（来源单号 {r.source_ref}）" if r.source_ref else ""
    console.print(f"{r.kind.label} · {r.channel.label}{source} · {r.urgency.label} · 分类 {r.category or '未分类'} · "
                  f"诉求人 {escape(requester['name'] or '匿名')} {requester['phone']}", highlight=False)
    console.print(f"地址：{escape(r.location.address)}（{r.location.division or '未定位'}）", highlight=False)
    console.print(f"内容：{escape(shown(r.content))}", highlight=False)
    if r.sensitive:
        console.print(f"[bold red]敏感诉求[/]：{escape(shown(r.sensitive))}", highlight=False)
    owner = f"（承办人员 {escape(r.owner)}）" if r.owner else ""
    console.print(f"主办 {r.lead_unit or '—'}{owner}  协办 {','.join(r.co_units) or '—'}  "
                  f"受理 {beijing_minute(r.received_at)}  办结时限 {beijing_minute(r.resolve_due)}  "
                  f"回访时限 {beijing_minute(r.follow_up_due)}", highlight=False)
    if r.reply:
        console.print(f"答复：{escape(shown(r.reply))}", highlight=False)
    table = Table("#", "时间", "操作人", "操作", "状态", "说明")
    for e in r.events:
        status = e.to_status.label if e.from_status in (None, e.to_status) else f"{e.from_status.label}→{e.to_status.label}"
        pictures = f"（照片 {e.changes['photos'][1]} 张）" if e.changes.get("photos") else ""
        table.add_row(str(e.seq), beijing_minute(e.at), escape(f"{e.actor}（{e.role.label}）"),
                      e.action.label + pictures, status, escape(shown(e.note)))
    console.print(table)


@app.command()
@reports_errors
def act(request_id: int = typer.Argument(..., help="诉求 id"),
        action: str = typer.Argument(..., help="操作：dispatch、acknowledge、record_contact、return、redispatch、"
                                               "reject_return、request_extension、approve_extension、refuse_extension、"
                                               "note_progress、resolve、accept_reply、send_back、follow_up、"
                                               "callback_unanswered、callback_unreachable、reopen、supervise、merge、"
                                               "withdraw、flag_unreasonable、approve_unreasonable、refuse_unreasonable、"
                                               "archive、answer_directly、reclassify、urge、change_urgency、supplement、"
                                               "ask_supplement、delegate、report_back、recall、assign_owner、change_sensitivity、"
                                               "hand_over、alert_line（或中文名）"),
        actor: str = typer.Option("cli", "--actor", help="操作人"),
        role: str = typer.Option("dispatcher", "--role", help="操作人角色：agent/dispatcher/handler/supervisor/admin"),
        unit: str = typer.Option(None, "--unit", help="派单/改派的目标单位；承办人所在单位"),
        co: list[str] = typer.Option([], "--co", help="协办单位，可多次"),
        reason: str = typer.Option("", help="理由"),
        note: str = typer.Option("", help="说明"),
        reply: str = typer.Option("", help="答复内容（办结、直接办结）"),
        adoption: str = typer.Option(None, help="建议办结时的采纳情况：采纳/部分采纳/留作参考/暂不采纳"),
        duration: str = typer.Option(None, help="延期时长，如 5wd"),
        solved: bool = typer.Option(None, "--solved/--unsolved", help="回访：是否解决"),
        satisfaction: str = typer.Option(None, help="回访：满意/基本满意/不满意"),
        requester_ref: int = typer.Option(None, help="回访并单诉求人时，其原诉求 id"),
        master: int = typer.Option(None, help="并单的主件 id"),
        category: str = typer.Option(None, help="改类的新分类代码"),
        urgency: str = typer.Option(None, help="调整紧急程度的新紧急程度：emergency/urgent/normal/complex（或中文名）"),
        propose: str = typer.Option(None, "--propose", help="退单时建议的承办单位代码"),
        to: str = typer.Option(None, "--to", help="下派（delegate）给、或收回下派（recall）的下辖单位代码"
                                                     "（--unit 为承办人所在单位）"),
        owner: str = typer.Option(None, "--owner", help="分办（assign_owner）给的本单位承办人账号"),
        sensitive: bool = typer.Option(None, "--sensitive/--not-sensitive",
                                       help="调整敏感标记（change_sensitivity）：标记或取消敏感诉求"),
        line: str = typer.Option(None, "--line", help="转紧急热线（hand_over）、通报紧急热线（alert_line）："
                                                       "110、119、120 或 122"),
        reference: str = typer.Option("", "--reference", help="紧急热线的接警员工号或接警单号"),
        photo: list[Path] = typer.Option([], "--photo", help="现场照片（JPEG/PNG，办理进展、协办反馈、办结答复），可多次",
                                         exists=True, dir_okay=False, readable=True),
        expected_version: int = typer.Option(None, "--version", help="你看到的版本；若已被他人修改则拒绝")) -> None:
    """Perform one workflow action on a case."""
    from jiesu.domain.workflow import Action
    from jiesu.services.cases import ActionInput, perform

    the_action = Action.parse(action, "action")
    handler_unit = unit if role in ("handler", "承办人") else None
    jiesu = ready_app()
    who = actor_from(actor, role, handler_unit)
    if handler_unit:  # its 辖区: the units under it, whose cases it may supervise and hand down to
        who = replace(who, area=jiesu.current_config().directory.below(handler_unit))
    if the_action in (Action.DELEGATE, Action.RECALL):
        unit = to
    params = ActionInput(reason=reason, note=note, unit=unit, co_units=list(co), duration=duration, reply=reply,
                         solved=solved, satisfaction=satisfaction, requester_ref=requester_ref, master=master,
                         category=category, urgency=urgency, proposed_unit=propose, adoption=adoption, owner=owner,
                         sensitive=sensitive, line=line, reference=reference)
    request, warnings = perform(jiesu, who, request_id, the_action, params, expected_version,
                                photos=[path.read_bytes() for path in photo])
    console.print(f"{the_action.label}：工单 {request.ticket} 现为「{request.status.label}」（版本 {request.version}）")
    for warning in warnings:
        err_console.print(f"[yellow]警告[/]：{warning}")
