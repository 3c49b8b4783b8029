"""jiesu serve: the web site, the API and Open311 on one port."""

from __future__ import annotations

import typer

from jiesu.cli.common import console, err_console, ready_app, reports_errors


@reports_errors
def serve(host: str = typer.Option("127.0.0.1", help="监听地址"),
          port: int = typer.Option(8000, help="端口"),
          workers: int = typer.Option(1, help="进程数")) -> None:
    """Serve the pages, /api/v1 (OpenAPI at /docs) and /open311/v2."""
    jiesu = ready_app()
    if jiesu.settings.uses_demo_secret and not jiesu.settings.demo_mode:
        err_console.print("[bold red]错误[/]：JIESU_SECRET_KEY 仍是默认值。生产环境请设置自己的密钥"
                          "（如 export JIESU_SECRET_KEY=$(python -c 'import secrets;print(secrets.token_hex(32))')）；"
                          "仅演示时可设 JIESU_DEMO_MODE=1。")
        raise typer.Exit(2)
    from jiesu.services.secret_rotation import unreadable_recent

    if unreadable := unreadable_recent(jiesu):
        err_console.print(f"[bold red]错误[/]：JIESU_SECRET_KEY 打不开本数据库中的个人信息（如诉求 {unreadable[0]}）："
                          "请使用加密这些数据的密钥；更换密钥时把原密钥放入 JIESU_OLD_SECRET_KEYS（见 jiesu secret --help）。")
        raise typer.Exit(2)
    run(jiesu, host, port, workers)


def run(jiesu, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from jiesu.api.app import create_app

    console.print(f"jiesu 已启动：http://{host}:{port}/  （API 文档 http://{host}:{port}/docs，按 Ctrl+C 停止）")
    if workers > 1:
        uvicorn.run("jiesu.api.factory:app", host=host, port=port, workers=workers, log_level="warning",
                    factory=False)
    else:
        uvicorn.run(create_app(jiesu), host=host, port=port, log_level="warning")
