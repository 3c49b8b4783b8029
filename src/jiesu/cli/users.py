"""jiesu user / token / open311: accounts, API tokens and Open311 keys."""

from __future__ import annotations

import getpass
import sys

import typer

from jiesu.cli.common import console, ready_app, reports_errors

user_app = typer.Typer(help="用户：坐席、派单员、承办人、督办、分析员、管理员。", no_args_is_help=True)
token_app = typer.Typer(help="API 令牌。", no_args_is_help=True)
open311_app = typer.Typer(help="Open311 接口。", no_args_is_help=True)
key_app = typer.Typer(help="Open311 api_key。", no_args_is_help=True)
open311_app.add_typer(key_app, name="key")


@user_app.command("add")
@reports_errors
def add(name: str = typer.Argument(..., help="用户名"),
        role: str = typer.Option(..., "--role", help="agent/dispatcher/handler/supervisor/analyst/admin"),
        unit: str = typer.Option(None, "--unit", help="承办人所在单位代码")) -> None:
    """Add a user; the password is read from standard input (twice when typed at a terminal)."""
    from jiesu.services.users import add_user

    if sys.stdin.isatty():
        password = getpass.getpass("密码：")
        if getpass.getpass("再输一次：") != password:
            from jiesu.domain.errors import InvalidInput

            raise InvalidInput("两次输入的密码不一致", field="password")
    else:
        password = sys.stdin.readline().rstrip("\n")
    principal = add_user(ready_app(), name, role, password, unit, by=getpass.getuser())
    console.print(f"已添加用户 {principal.name}（{principal.role.label}{'，' + unit if unit else ''}）")


@token_app.command("create")
@reports_errors
def create_token(user: str = typer.Option(..., "--user", help="用户名"),
                 name: str = typer.Option("api", "--name", help="令牌用途")) -> None:
    """Create an API token for USER; it is shown once: keep it."""
    from jiesu.services.users import create_token as make

    token = make(ready_app(), user, name, by=getpass.getuser())
    console.print(token)


@key_app.command("create")
@reports_errors
def create_key(name: str = typer.Option(..., "--name", help="调用方名称")) -> None:
    """Create an Open311 api_key; it is shown once: keep it."""
    from jiesu.services.users import create_open311_key

    console.print(create_open311_key(ready_app(), name, by=getpass.getuser()))
