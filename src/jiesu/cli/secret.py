"""jiesu secret: replace the secret that encrypts personal data (密钥轮换)."""

from __future__ import annotations

import typer

from jiesu.cli.common import console, err_console, progress_bar, ready_app, reports_errors

app = typer.Typer(help="密钥：更换加密个人信息的密钥（JIESU_SECRET_KEY）。", no_args_is_help=True)

STEPS = ("步骤：① 以新密钥 JIESU_SECRET_KEY、旧密钥 JIESU_OLD_SECRET_KEYS 重启服务；② jiesu secret rotate；"
         "③ jiesu secret check 显示没有旧密钥加密的工单后，去掉 JIESU_OLD_SECRET_KEYS 再重启。")


@app.command()
@reports_errors
def check() -> None:
    """How many encrypted records (cases' requester data, text messages) are under the current secret, under an
    old one (JIESU_OLD_SECRET_KEYS), or under none that is configured. Exit code 1 while any is not current."""
    from jiesu.services import secret_rotation

    jiesu = ready_app()
    with progress_bar() as bar:
        task = bar.add_task("检查个人信息的加密密钥", total=secret_rotation.count_encrypted(jiesu))
        found = secret_rotation.survey(jiesu, progress=lambda n: bar.update(task, advance=n))
    console.print(f"加密的记录（工单的诉求人信息、短信）{found.rows} 条：当前密钥 {found.current} 条，旧密钥 {found.old} 条，"
                  f"无法解密 {len(found.unreadable)}{'+' if len(found.unreadable) >= 10 else ''} 条")
    if found.unreadable:
        err_console.print(f"[bold red]无法解密[/]：{'、'.join(found.unreadable)}："
                          "加密它们的密钥既不是 JIESU_SECRET_KEY 也不在 JIESU_OLD_SECRET_KEYS 中。")
    if found.old:
        console.print("仍有旧密钥加密的记录：请运行 jiesu secret rotate。" + STEPS)
    if found.old or found.unreadable:
        raise typer.Exit(1)
    if jiesu.settings.old_secrets:
        console.print("全部记录已使用当前密钥：可以去掉 JIESU_OLD_SECRET_KEYS 后重启服务。")


@app.command()
@reports_errors
def rotate(by: str = typer.Option("admin", "--by", help="操作人（记入审计日志）")) -> None:
    """Re-encrypt with JIESU_SECRET_KEY every record still encrypted with a secret of JIESU_OLD_SECRET_KEYS, in
    batches (one transaction and one audit line each); the service may keep running."""
    from jiesu.services import secret_rotation

    jiesu = ready_app()
    if jiesu.settings.uses_demo_secret and not jiesu.settings.demo_mode:
        err_console.print("[bold red]错误[/]：JIESU_SECRET_KEY 仍是默认值，不能作为新密钥。" + STEPS)
        raise typer.Exit(2)
    if not jiesu.settings.old_secrets:
        err_console.print("[bold red]错误[/]：没有设置 JIESU_OLD_SECRET_KEYS（旧密钥，多个用逗号分隔）。" + STEPS)
        raise typer.Exit(2)
    with progress_bar() as bar:
        task = bar.add_task("用新密钥重新加密", total=secret_rotation.count_encrypted(jiesu))
        done = secret_rotation.rotate(jiesu, by, progress=lambda n: bar.update(task, advance=n))
    console.print(f"已检查 {done.scanned} 条，重新加密 {done.rotated} 条（{done.batches} 批，每批一条审计记录）。"
                  "确认请运行 jiesu secret check。")
