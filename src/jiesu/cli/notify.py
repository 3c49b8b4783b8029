"""jiesu notify: the text messages to requesters (短信通知): send the due ones through the gateway, see the outbox."""

from __future__ import annotations

import typer

from jiesu.cli.common import console, err_console, ready_app, reports_errors

app = typer.Typer(help="短信通知：受理、办结短信的发送与积压情况。", no_args_is_help=True)


@app.command()
@reports_errors
def send(loop: bool = typer.Option(False, "--loop", help="持续运行：每隔 --every 秒发送一次到期短信（与服务一同常驻）"),
         every: float = typer.Option(5.0, "--every", help="两次发送之间的秒数（--loop 时）"),
         limit: int = typer.Option(200, "--limit", help="每次最多发送的条数")) -> None:
    """Send the due text messages (new ones, and failed ones whose wait is over) through JIESU_SMS_GATEWAY_URL."""
    from jiesu.services import notifications

    jiesu = ready_app()
    gateway = notifications.gateway_from_settings(jiesu)

    def report(done) -> None:  # the worker says something only when something happened
        if done.sent or done.retrying or done.failed or done.cancelled or not loop:
            console.print(f"发送成功 {done.sent} 条，失败待重试 {done.retrying} 条，放弃 {done.failed} 条，"
                          f"取消 {done.cancelled} 条（诉求人已无手机号）")

    if loop:
        notifications.keep_delivering(jiesu, gateway, every, report, limit)
    else:
        report(notifications.deliver_due(jiesu, gateway, limit))


@app.command()
@reports_errors
def status() -> None:
    """How many messages wait, were sent, failed; the oldest waiting one; the last ones given up."""
    from jiesu.domain.calendar import beijing_minute
    from jiesu.domain.notices import NoticeStatus
    from jiesu.services import notifications

    jiesu = ready_app()
    box = notifications.outbox(jiesu)
    console.print("，".join(f"{s.label} {box.counts.get(s, 0)} 条" for s in NoticeStatus))
    if box.oldest_waiting is not None:
        console.print(f"最早的待发送短信生成于 {beijing_minute(box.oldest_waiting)}")
        if not jiesu.settings.sms_gateway_url:
            err_console.print("未配置短信网关（JIESU_SMS_GATEWAY_URL）：短信在等待，不会丢失；配置后运行 jiesu notify send --loop。")
    for failure in box.recent_failures:
        console.print(f"发送失败：{failure.kind.label} {failure.notice_id}（工单 {failure.ticket}）：{failure.reason}")
