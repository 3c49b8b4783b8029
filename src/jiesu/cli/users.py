"""jiesu user / token / open311: accounts, API tokens and Open311 keys."""

from __future__ import annotations

import getpass
import sys

import typer
from rich.table import Table

from jiesu.cli.common import console, escape, ready_app, reports_errors
from jiesu.domain.calendar import beijing_minute

user_app = typer.Typer(help="用户：坐席、派单员、承办人、督办、分析员、管理员。", no_args_is_help=True)
token_app = typer.Typer(help="API 令牌。", no_args_is_help=True)
open311_app = typer.Typer(help="Open311 接口。", no_args_is_help=True)
key_app = typer.Typer(help="Open311 api_key。", no_args_is_help=True)
open311_app.add_typer(key_app, name="key")


def read_password() -> str:
    """From standard input: typed twice at a terminal, else the first line."""
    if sys.stdin.isatty():
        password = getpass.getpass("密码：")
        if getpass.getpass("再输一次：") != password:
            from jiesu.domain.errors import InvalidInput

            raise InvalidInput("两次输入的密码不一致", field="password")
        return password
    return sys.stdin.readline().rstrip("\n")


@user_app.command("add")
@reports_errors
def add(name: str = typer.Argument(..., help="用户名"),
        role: str = typer.Option(..., "--role", help="agent/dispatcher/handler/supervisor/analyst/admin"),
        unit: str = typer.Option(None, "--unit", help="承办人所在单位代码")) -> None:
    """Add a user; the password is read from standard input (twice when typed at a terminal)."""
    from jiesu.services.users import add_user

    principal = add_user(ready_app(), name, role, read_password(), unit, by=getpass.getuser())
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


@user_app.command("list")
@reports_errors
def list_users() -> None:
    """Every account: role, unit, whether it may log in, live API tokens."""
    from jiesu.domain.enums import Role
    from jiesu.services.users import list_users as rows

    table = Table("用户名", "角色", "单位", "状态", "有效令牌", "创建时间", title="用户")
    for x in rows(ready_app()):
        state = ("可登录" if x.active else "已停用") + ("（演示）" if x.demo else "")
        table.add_row(escape(x.name), Role(x.role).label, x.unit or "", state, str(x.tokens), beijing_minute(x.created_at))
    console.print(table)


@user_app.command("disable")
@reports_errors
def disable(name: str = typer.Argument(..., help="用户名")) -> None:
    """Stop an account (someone left): its sessions and API tokens stop working at once."""
    from jiesu.services.users import set_active

    set_active(ready_app(), name, False, by=getpass.getuser())
    console.print(f"已停用用户 {escape(name)}")


@user_app.command("enable")
@reports_errors
def enable(name: str = typer.Argument(..., help="用户名")) -> None:
    """Let a stopped account log in again."""
    from jiesu.services.users import set_active

    set_active(ready_app(), name, True, by=getpass.getuser())
    console.print(f"已启用用户 {escape(name)}")


@user_app.command("unlock")
@reports_errors
def unlock(name: str = typer.Argument(..., help="用户名")) -> None:
    """Let an account locked by wrong passwords (5 within 15 minutes) try again at once."""
    from jiesu.services.sign_in import unlock as let_in

    let_in(ready_app(), name, by=getpass.getuser())
    console.print(f"已解锁用户 {escape(name)}")


@user_app.command("password")
@reports_errors
def password(name: str = typer.Argument(..., help="用户名")) -> None:
    """Set a new password, read from standard input like `user add`."""
    from jiesu.services.users import set_password

    set_password(ready_app(), name, read_password(), by=getpass.getuser())
    console.print(f"已为 {escape(name)} 设置新密码")


@token_app.command("list")
@reports_errors
def list_tokens(user: str = typer.Option(None, "--user", help="只看此用户的令牌")) -> None:
    """API tokens by number (their value is never stored: only a hash)."""
    from jiesu.services.users import list_tokens as rows

    table = Table("编号", "用户", "用途", "创建时间", "状态", title="API 令牌")
    for x in rows(ready_app(), user):
        table.add_row(str(x.id), escape(x.user), escape(x.name), beijing_minute(x.created_at), "已吊销" if x.revoked else "有效")
    console.print(table)


@token_app.command("revoke")
@reports_errors
def revoke_token(token_id: int = typer.Argument(..., help="令牌编号（见 jiesu token list）")) -> None:
    """Revoke an API token: it stops working at once."""
    from jiesu.services.users import revoke_token_id

    revoke_token_id(ready_app(), token_id, by=getpass.getuser())
    console.print(f"已吊销令牌 {token_id}")


@key_app.command("list")
@reports_errors
def list_keys() -> None:
    """Open311 api_keys by number (only their hash is stored)."""
    from jiesu.services.users import list_open311_keys

    table = Table("编号", "调用方", "创建时间", "状态", title="Open311 api_key")
    for x in list_open311_keys(ready_app()):
        table.add_row(str(x.id), escape(x.name), beijing_minute(x.created_at), "已吊销" if x.revoked else "有效")
    console.print(table)


@key_app.command("revoke")
@reports_errors
def revoke_key(key_id: int = typer.Argument(..., help="密钥编号（见 jiesu open311 key list）")) -> None:
    """Revoke an Open311 api_key: the client's submissions are refused from now on."""
    from jiesu.services.users import revoke_open311_key

    revoke_open311_key(ready_app(), key_id, by=getpass.getuser())
    console.print(f"已吊销 Open311 密钥 {key_id}")
