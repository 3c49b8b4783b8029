"""What every command shares: the app, the console, error reporting, the actor from options."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from jiesu.bootstrap import App
from jiesu.domain.enums import Role
from jiesu.domain.errors import DomainError, InvalidInput
from jiesu.domain.request import Actor

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def make_app() -> App:
    return App()


def ready_app() -> App:
    """The app with its database schema brought up to date."""
    from jiesu.storage.migrate import upgrade

    jiesu = App()
    upgrade(jiesu.engine)
    return jiesu


def reports_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain errors into a clear message naming the field and the reason, and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DomainError as error:
            where = escape(f"[{error.field}] ") if error.field else ""
            err_console.print(f"[bold red]错误[/]（{error.code}）：{where}{escape(error.message)}", highlight=False,
                              soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def parse_day(value: str | None, field: str) -> date | None:
    """A `YYYY-MM-DD` option as a date (None when not given), or InvalidInput naming the option."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise InvalidInput(f"日期格式应为 YYYY-MM-DD：{value!r}", field=field) from None


def actor_from(name: str, role: str, unit: str | None) -> Actor:
    parsed = Role.parse(role, "role")
    if parsed == Role.HANDLER and not unit:
        from jiesu.domain.errors import InvalidInput

        raise InvalidInput("承办人必须用 --unit 指定所在单位", field="unit")
    return Actor(name, parsed, unit)


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err_console)


def escape(text: object) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(str(text))
