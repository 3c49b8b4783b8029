"""jiesu demo: build the demo city (and, once the web issue lands, serve it); generate large volumes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import typer
from rich.progress import TaskID
from rich.table import Table

from jiesu.cli.common import console, err_console, escape, make_app, progress_bar, reports_errors

app = typer.Typer(help="示范城市：生成云河市的单位、派单目录和历史诉求。", invoke_without_command=True)


@app.callback()
@reports_errors
def demo(ctx: typer.Context,
         serve: bool = typer.Option(True, "--serve/--no-serve", help="建好后启动网页服务"),
         count: int = typer.Option(20_000, help="历史诉求件数"),
         days: int = typer.Option(365, help="历史覆盖的天数（截至现在）"),
         seed: int = typer.Option(2026, help="随机种子，相同种子得到相同的城市"),
         reset: bool = typer.Option(False, "--reset", help="清空已有数据后重建"),
         host: str = typer.Option("127.0.0.1", help="网页服务监听地址"),
         port: int = typer.Option(8000, help="网页服务端口"),
         config_out: Path = typer.Option(None, help="同时把示范城市配置文件写到此目录")) -> None:
    """Build the demo city with its history in the configured database (default: ./jiesu.db) and print
    a summary with last month's 三率 ranking."""
    if ctx.invoked_subcommand is not None:
        return
    from sqlalchemy import func, select

    from jiesu.cli.report import sanlv_tables, unranked_note
    from jiesu.demo.build import (
        TOPIC,
        build_demo,
        busiest_subdistrict,
        lines_alerted,
        seed_area_work,
        seed_arrivals,
        seed_duty,
        seed_emergency_calls,
        seed_owners,
        seed_publications,
        seed_sms_replies,
        seed_topic,
    )
    from jiesu.domain.calls import ANSWER_WITHIN
    from jiesu.services import calls
    from jiesu.services.assessment import sanlv
    from jiesu.storage import tables as t
    from jiesu.storage.migrate import upgrade

    jiesu = make_app()
    jiesu.settings.demo_mode = True
    upgrade(jiesu.engine)
    with jiesu.uow() as uow:
        existing = uow.connection.execute(select(func.count()).select_from(t.requests)).scalar() or 0
    if existing and not reset:
        console.print(f"数据库已有 {existing} 件诉求，不再重复生成（加 --reset 清空重建）")
    else:
        if reset:
            _reset(jiesu)
        started = datetime.now()
        with progress_bar() as bar:
            tasks: dict[str, TaskID] = {}

            def progress(stage: str, advance: int, total: int) -> None:
                if stage not in tasks:
                    label = {"simulate": "模拟办理过程", "store": "写入数据库"}[stage]
                    tasks[stage] = bar.add_task(label, total=total)
                bar.update(tasks[stage], advance=advance, total=total)

            summary = build_demo(jiesu, count=count, days=days, seed=seed, config_dir=config_out, progress=progress)
        elapsed = (datetime.now() - started).total_seconds()
        console.print(f"云河市已建成：{summary.units} 个单位，{summary.categories} 个事项分类，"
                      f"{summary.requests} 件诉求，{summary.events} 条办理记录，用时 {elapsed:.1f} 秒")
        console.print("状态分布：" + "，".join(f"{_status_label(k)} {v}" for k, v in sorted(summary.by_status.items())))
        for warning in summary.warnings:
            err_console.print(f"[yellow]警告[/]：{warning}")
    now = jiesu.now().astimezone(timezone(timedelta(hours=8)))
    last_month = (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    report = sanlv(jiesu, last_month)
    for table in sanlv_tables(report, top=5):
        console.print(table)
    if note := unranked_note(report):
        console.print(note)
    console.print(f"（共 {len(report.scores)} 个单位参与考核，各类单位分别排名；完整排名：jiesu report sanlv --month "
                  f"{last_month}）")
    if serve:
        from jiesu.cli.serve import run

        with jiesu.uow(read_only=True) as uow:  # a demo started before has had its people at work already
            fresh = not uow.connection.execute(select(t.suggestion_topics.c.id)
                                               .where(t.suggestion_topics.c.title == TOPIC[0])).first()
        if fresh:  # the first start: what the demo's people have just done, on top of the year's history
            train_demo_model(jiesu)
            build_demo_issues(jiesu)
            arrivals = seed_arrivals(jiesu)  # after the model: read by intake as a real site would
            tickets = "、".join(str(a.ticket) for a in arrivals)
            console.print(f"刚收到市民网上反映 {len(arrivals)} 件，待派单（派单台）：{tickets}")
            for sensitive in (a for a in arrivals if a.sensitive):
                console.print(f"敏感诉求：{sensitive.ticket} {sensitive.sensitive}（督办台「敏感诉求」）", highlight=False)
            if told := lines_alerted(jiesu):
                console.print("紧急热线联动：坐席三方转接并通报 " + "，".join(f"{line} {n} 件" for line, n in told)
                              + "（工单页「紧急联动」；数据看板「紧急热线联动」）", highlight=False)
            fight, passed_on = seed_emergency_calls(jiesu, f"J110-{jiesu.today():%Y%m%d}-0007")
            console.print(f"刚才的来电：{fight.ticket} 正在打架，已三方转接 110（已转紧急热线，本件结束）；{passed_on.ticket} 为 "
                          f"110 转来（来源单号 {passed_on.source_ref}），待派单", highlight=False)
            month = calls.figures_since(jiesu, jiesu.now() - timedelta(days=30))
            if month.offered:
                console.print(f"话务：近 30 天来电 {month.offered} 通，接通率 {month.answer_rate}%，{ANSWER_WITHIN} 秒接通率 "
                              f"{month.service_level}%，呼损 {month.abandoned} 通，平均通话 {month.mean_talk} 秒"
                              "（工单页「来电」；数据看板「话务」「坐席排班建议」）", highlight=False)
            if waiting := calls.missed(jiesu)[1]:
                console.print(f"呼损回拨：近 24 小时 {waiting} 位来电人在排队中挂断、尚未接通，待坐席回拨（回访台）")
            _, suggestion = seed_topic(jiesu)
            console.print(f"人民建议征集：「{TOPIC[0]}」征集中（/topics，市民在 /portal 提建议），已收到建议 {suggestion.ticket}")
            area = seed_area_work(jiesu, busiest_subdistrict(jiesu))
            if area.supervised or area.handed:
                console.print(f"辖区：区接诉即办办公室督办 {area.supervised or '—'}；街道下派社区 "
                              f"{'、'.join(area.handed) or '—'}，社区已反馈 {area.reported or '—'}"
                              "（区级承办人、承办人、社区承办人）")
            console.print(f"办件公开：诉求人同意公开的已办结诉求 {seed_publications(jiesu)} 件（/portal/public）")
            replied = seed_sms_replies(jiesu)
            console.print(f"短信评价：诉求人回复办结短信 {len(replied)} 条，{replied.count('rated')} 条记为回访，"
                          f"{replied.count('for_agent')} 条待坐席处理（回访台）")
        accounts = demo_accounts(jiesu)  # after the 辖区 work: the 社区承办人 is of the 社区 that owes a report
        if fresh:
            handler = next((name, unit) for _, name, _, unit in accounts if name == "chengban")
            given = seed_owners(jiesu, handler[1] or "", handler[0])
            if given:
                console.print(f"分办：街道接诉即办专班将 {'、'.join(given)} 交给承办人（承办箱「我承办的」，本单位考核「承办人员」）")
            console.print(f"值班表：承办人的街道今明两天的班次已登记，现在在班：{seed_duty(jiesu, handler[1] or '')}"
                          "（/duty；紧急派单短信发给在班者）")
        else:
            console.print("（演示场景已在首次启动时生成：待派单的市民反映、建议征集、辖区督办与下派、办件公开、短信评价、"
                          "分办与值班表）")
        table = Table("角色", "用户名", "密码", "单位", title="演示账号（仅演示模式；每次启动重新生成密码）")
        for role, name, password, unit in accounts:
            table.add_row(role, name, password, unit or "")
        console.print(table)
        console.print("市民入口：/portal（反映诉求、查询进度、评价）")
        if not jiesu.settings.public_url:  # the portal link in the demo's text messages
            jiesu.settings.public_url = f"http://{host}:{port}"
        deliver_demo_messages(jiesu)
        scan_demo_deadlines(jiesu)
        run(jiesu, host, port)


def deliver_demo_messages(jiesu, every: float = 5.0) -> None:
    """Without a gateway configured, the demo's text messages (受理, 办结) go to ./jiesu-sms.jsonl, sent by a
    thread of the demo's server process (a real site runs `jiesu notify send --loop` beside the server)."""
    import threading

    from jiesu.services import notifications

    if jiesu.settings.sms_gateway_url:
        console.print("短信：请另行运行 jiesu notify send --loop")
        return
    path = Path("jiesu-sms.jsonl").resolve()
    gateway = notifications.FileSmsGateway(path)

    def say(error: Exception) -> None:  # a demo helper: say it and keep the server up
        err_console.print(f"[yellow]演示短信发送出错[/]：{error}")

    threading.Thread(target=notifications.keep_delivering, args=(jiesu, gateway, every, lambda done: None),
                     kwargs={"on_error": say}, name="demo-sms", daemon=True).start()
    console.print(f"短信通知（演示）：不发给任何人，写入 {path}")


def scan_demo_deadlines(jiesu, every: float = 300.0) -> None:
    """`jiesu sla scan` every five minutes in a thread of the demo's server process, as a real site's cron runs it
    (breaches recorded; an emergency nobody signed for texts its unit again)."""
    import threading
    import time

    from jiesu.services.sla_scan import scan

    def keep_scanning() -> None:
        while True:
            try:
                scan(jiesu)
            except Exception as error:  # a demo helper: say it and keep the server up
                err_console.print(f"[yellow]演示时限扫描出错[/]：{error}")
            time.sleep(every)

    threading.Thread(target=keep_scanning, name="demo-sla-scan", daemon=True).start()


def build_demo_issues(jiesu) -> None:
    """Group the demo's cases into issues (一类事) so that /issues has something to show."""
    from jiesu.cli.issues import grow_with_progress

    result = grow_with_progress(jiesu)
    if result.new_issues or result.joined:
        console.print(f"一类事：{result.new_issues} 个新问题，{result.joined} 件并入已有问题（/issues）")


def train_demo_model(jiesu, directory: Path = Path("jiesu-model")) -> None:
    """Train the intake classifier on the demo's own cases (the 8,000 most recent), once, and activate it."""
    from jiesu.nlp.classifier import TextClassifier
    from jiesu.services import models

    with jiesu.uow(read_only=True) as uow:
        if jiesu.config(uow).model_path:
            return
    texts, labels = models.training_data_from_db(jiesu, limit=8000)
    with console.status(f"用 {len(texts)} 件已派单工单训练分类模型……"):
        # no held-out check: the demo's composed texts would score 100 % and the second fit would double the wait
        TextClassifier.train(texts, labels, source="demo database", holdout=0).save(directory)
    models.activate(jiesu, directory, "demo")
    console.print(f"分类模型已训练并启用：{directory}（{len(set(labels))} 类）")


def demo_accounts(jiesu) -> list[tuple[str, str, str, str | None]]:
    """The demo's accounts; the handler belongs to the 街道 with the most open cases, the district office's
    handler (区级承办人, who reads its 街道's cases and 三率 too) to its district, the 社区承办人 to the 社区 under
    that 街道 which owes it a report on a case handed down (协办反馈)."""
    from jiesu.demo.build import busiest_subdistrict, community_owing
    from jiesu.services.users import reset_demo_account

    busiest = busiest_subdistrict(jiesu)
    district = jiesu.current_config().directory.units[busiest].parent or "YH"
    community = community_owing(jiesu, busiest)
    wanted = [("坐席", "zuoxi", "agent", None), ("派单员", "paidan", "dispatcher", None),
              ("承办人", "chengban", "handler", busiest), ("区级承办人", "quji", "handler", district),
              *([("社区承办人", "shequ", "handler", community)] if community else []),
              ("督办", "duban", "supervisor", None),
              ("分析员", "fenxi", "analyst", None), ("管理员", "admin", "admin", None)]
    return [(label, name, reset_demo_account(jiesu, name, role, unit), unit) for label, name, role, unit in wanted]


def _status_label(value: str) -> str:
    from jiesu.domain.workflow import Status

    return Status(value).label


def _reset(jiesu) -> None:
    from jiesu.storage.migrate import upgrade
    from jiesu.storage.tables import metadata

    with jiesu.engine.begin() as connection:
        metadata.drop_all(connection)
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade(jiesu.engine)


@app.command()
@reports_errors
def generate(rows: int = typer.Option(1_000_000, help="行数"),
             out: Path = typer.Option(Path("demo_requests.parquet"), help="输出的 Parquet 文件"),
             year: int = typer.Option(None, help="覆盖的年份（默认截至现在的一年）"),
             seed: int = typer.Option(2026, help="随机种子")) -> None:
    """Write ROWS demo requests to a Parquet file, fast (vectorised), for analytics and benchmarks."""
    import tempfile

    from jiesu.demo.city import write_config
    from jiesu.demo.columnar import generate as run
    from jiesu.domain.routing import Router
    from jiesu.services.config_loader import read_config

    with tempfile.TemporaryDirectory() as scratch:
        config = read_config(write_config(Path(scratch)))
    from jiesu.domain.routing import Directory

    router = Router(Directory(config["units"], config["categories"]), config["duties"], config["admissions"])
    if year:
        start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    else:
        end = make_app().now()
        start = end - timedelta(days=365)
    with progress_bar() as bar:
        task = bar.add_task("生成诉求", total=rows)
        result = run(router, rows, out, start, end, seed=seed, progress=lambda n: bar.update(task, advance=n))
    console.print(f"已写出 {result.rows} 件诉求到 {escape(out)}，用时 {result.seconds:.1f} 秒（{result.rows / result.seconds:,.0f} 件/秒）")
