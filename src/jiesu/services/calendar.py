"""Loading a year's official holiday schedule, and asking the calendar."""

from __future__ import annotations

from pathlib import Path

from jiesu.bootstrap import App
from jiesu.domain.errors import ConfigError
from jiesu.domain.holiday_notice import YearSchedule, parse_schedule


def load_schedule(app: App, path: Path, loaded_by: str) -> YearSchedule:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(str(path), None, f"无法读取文件：{error}") from None
    schedule = parse_schedule(text, path.name)
    with app.uow() as uow:
        uow.config.save_schedule(schedule, str(path.resolve()), app.now(), loaded_by)
        uow.commit()
    app.config_cache.invalidate()
    return schedule
