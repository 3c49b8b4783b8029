"""`jiesu import csv`: another system's export loaded as requests, through a readable column mapping.

Mapping (YAML):
    columns:            # jiesu field: a column name, or a template with {column} placeholders
      content: "{SRType} — {Address}"
      received_at: CreatedDate
      address: Address
      lat: Latitude
      lon: Longitude
      category: SRType
    formats:            # explicit time formats (strptime), never guessed
      received_at: "%m/%d/%Y %I:%M:%S %p"
    timezone: America/New_York      # of the times in the file (default Asia/Shanghai)
    values:             # source values to jiesu codes
      category: {"SW-Dirty Alley": A0501}
      channel: {Phone: phone, Internet: web}
    defaults:           # when the column is empty or has no mapped value
      kind: complaint
      channel: phone

Each row is validated like any intake; a bad row is reported with its line number, field and reason, and either
skipped (default) or, with reject, the whole import is refused and nothing is written.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from jiesu.bootstrap import App
from jiesu.domain.enums import Role
from jiesu.domain.errors import ConfigError, DomainError, InvalidInput
from jiesu.domain.request import Actor
from jiesu.services.cases import Intake, build_request

FIELDS = ("content", "title", "kind", "channel", "requester_name", "requester_phone", "address", "division", "lat",
          "lon", "category", "urgency", "received_at", "source_ref")


@dataclass
class Mapping:
    columns: dict[str, str]
    formats: dict[str, str] = field(default_factory=dict)
    timezone: ZoneInfo = ZoneInfo("Asia/Shanghai")
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    defaults: dict[str, str | None] = field(default_factory=dict)


@dataclass
class ImportResult:
    read: int = 0
    imported: int = 0
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, field, reason)
    rejected: bool = False


def load_mapping(path: Path) -> Mapping:
    name = path.name
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(name, None, f"无法读取映射文件：{error}") from None
    columns = document.get("columns") or {}
    unknown = set(columns) | set(document.get("values") or {}) | set(document.get("defaults") or {})
    unknown -= set(FIELDS)
    if unknown:
        raise ConfigError(name, None, f"未知字段 {', '.join(sorted(unknown))}（可用：{', '.join(FIELDS)}）")
    if "content" not in columns:
        raise ConfigError(name, None, "columns 必须给出 content（诉求内容所在的列或模板）")
    if "received_at" in columns and "received_at" not in (document.get("formats") or {}):
        raise ConfigError(name, None, "received_at 必须在 formats 中写明时间格式（如 \"%Y-%m-%d %H:%M:%S\"），不做猜测")
    try:
        zone = ZoneInfo(document.get("timezone") or "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(name, None, f"未知时区 {document.get('timezone')!r}") from None
    return Mapping({k: str(v) for k, v in columns.items()}, document.get("formats") or {}, zone,
                   {k: {str(a): b for a, b in (v or {}).items()} for k, v in (document.get("values") or {}).items()},
                   document.get("defaults") or {})


def _cell(spec: str, row: dict[str, str]) -> str:
    if "{" in spec:
        try:
            return spec.format_map(row).strip()
        except KeyError as missing:
            raise InvalidInput(f"模板引用了不存在的列 {missing}", field="mapping") from None
    return (row.get(spec) or "").strip()


def row_intake(mapping: Mapping, row: dict[str, str]) -> Intake:
    values: dict[str, str] = {}
    for name in FIELDS:
        raw = _cell(mapping.columns[name], row) if name in mapping.columns else ""
        if name in mapping.values:
            raw = mapping.values[name].get(raw, mapping.defaults.get(name)) or ""
        if not raw and mapping.defaults.get(name) is not None:
            raw = str(mapping.defaults[name])
        values[name] = raw
    try:
        lat = float(values["lat"]) if values["lat"] else None
        lon = float(values["lon"]) if values["lon"] else None
    except ValueError:
        raise InvalidInput(f"坐标不是数字：{values['lat']!r}, {values['lon']!r}", field="lat") from None
    received = None
    if values["received_at"]:
        try:
            received = datetime.strptime(str(values["received_at"]), mapping.formats["received_at"]) \
                .replace(tzinfo=mapping.timezone)
        except ValueError:
            raise InvalidInput(f"时间 {values['received_at']!r} 不符合格式 {mapping.formats['received_at']!r}",
                               field="received_at") from None
    return Intake(content=str(values["content"]), title=str(values["title"]) or None,
                  kind=str(values["kind"] or "complaint"), channel=str(values["channel"] or "phone"),
                  requester_name=str(values["requester_name"]), requester_phone=str(values["requester_phone"]) or None,
                  address=str(values["address"]), division=str(values["division"]) or None, lat=lat, lon=lon,
                  category=str(values["category"]) or None, urgency=str(values["urgency"] or "normal"),
                  received_at=received, source_ref=str(values["source_ref"]))


def import_csv(app: App, path: Path, mapping: Mapping, *, reject: bool = False, limit: int | None = None,
               by: str = "import", progress: Callable[[int], None] | None = None) -> ImportResult:
    if not path.exists():
        raise ConfigError(str(path), None, "文件不存在")
    result = ImportResult()
    actor = Actor(by, Role.AGENT)
    with path.open(encoding="utf-8-sig", newline="") as handle, app.uow() as uow:
        directory = app.config(uow).directory
        reader = csv.DictReader(handle)
        for row in reader:
            if limit is not None and result.read >= limit:
                break
            result.read += 1
            try:
                request = build_request(directory, actor, app.now(), row_intake(mapping, row))
            except DomainError as error:
                result.problems.append((reader.line_num, error.field or "", error.message))
                continue
            uow.requests.add(request)
            result.imported += 1
            if progress and result.read % 500 == 0:
                progress(500)
        if reject and result.problems:
            result.rejected = True
            result.imported = 0
            return result  # leaving the unit of work without commit: nothing is written
        uow.commit()
    return result
