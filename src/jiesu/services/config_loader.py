"""Loading the business configuration from a directory of readable files.

    units.csv       code,name,kind,parent[,duty_phone]  the unit tree (kind: district/subdistrict/community/department/
                                                     company/centre); duty_phone: a mobile texted on urgent dispatch
    categories.csv  code,name,parent                 the matter catalogue, up to three levels
    duties.csv      category,level,duty_type,unit[,district]  the dispatch catalogue (派单目录 / 履职事项清单);
                                                     district: a line of that district's own list for the matter
    admission.csv   category,community               the community admission list (准入); empty community = all
    sla.yaml        policies: [...], assessment: {...}
    gazetteer.csv   name,division                    optional: 小区 and landmark names, to place a request by its text
    boundaries.geojson                               optional: area outlines for the dashboard map (GeoJSON
                                                     FeatureCollection; each feature's `code` or `adcode` property
                                                     names a district, 街道/乡镇 or 社区/村)

Everything is checked before anything is written; a broken file is refused with the file, the line and
the reason, and the database keeps its previous configuration.
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

from jiesu.bootstrap import App
from jiesu.domain import validation
from jiesu.domain.assessment import AssessmentRules
from jiesu.domain.calendar import Duration
from jiesu.domain.enums import DutyType, RequestKind, UnitKind, Urgency
from jiesu.domain.errors import ConfigError, DomainError
from jiesu.domain.routing import LEVELS, Category, DutyItem, Unit
from jiesu.domain.sla import LIMITS, OPTIONAL_LIMITS, SlaPolicy

_PARENT_KIND = {UnitKind.COMMUNITY: {UnitKind.SUBDISTRICT}, UnitKind.SUBDISTRICT: {UnitKind.DISTRICT}}
_LEVEL_KIND = {"department": UnitKind.DEPARTMENT, "company": UnitKind.COMPANY}


def _rows(directory: Path, name: str, columns: list[str], required: bool = True, optional: tuple[str, ...] = ()):
    path = directory / name
    if not path.exists():
        if required:
            raise ConfigError(name, None, f"缺少文件 {path}")
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ConfigError(name, 1, f"缺少列 {', '.join(missing)}（应有 {','.join(columns)}）")
        for row in reader:
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            if any((v or "").strip() for v in row.get(None) or []):  # values past the header's last column
                raise ConfigError(name, reader.line_num, f"这一行的值比表头的列多（表头：{','.join(reader.fieldnames or [])}）："
                                                         f"可用的列为 {','.join((*columns, *optional))}，请在表头补上列名")
            yield reader.line_num, {k: (row.get(k) or "").strip() for k in (*columns, *optional)}


def _duty_phone(value: str, line: int) -> str | None:
    """A unit's duty mobile (值班手机), optional: texted when an emergency is dispatched to the unit."""
    try:
        number = validation.phone(value, "duty_phone")
    except DomainError as error:
        raise ConfigError("units.csv", line, f"duty_phone：{error.message}") from None
    if number is not None and not validation.is_mobile(number):
        raise ConfigError("units.csv", line, f"duty_phone 应为手机号（用于接收紧急派单短信）：{value!r}")
    return number


def read_units(directory: Path) -> list[Unit]:
    units: dict[str, tuple[int, Unit]] = {}
    for line, row in _rows(directory, "units.csv", ["code", "name", "kind", "parent"], optional=("duty_phone",)):
        if not row["code"] or not row["name"]:
            raise ConfigError("units.csv", line, "code 和 name 不能为空")
        if row["code"] in units:
            raise ConfigError("units.csv", line, f"单位代码 {row['code']} 重复（第 {units[row['code']][0]} 行已有）")
        try:
            kind = UnitKind.parse(row["kind"], "kind")
        except DomainError as error:
            raise ConfigError("units.csv", line, error.message) from None
        units[row["code"]] = (line, Unit(row["code"], row["name"], kind, row["parent"] or None,
                                         _duty_phone(row["duty_phone"], line)))
    for code, (line, unit) in units.items():
        if unit.parent is not None and unit.parent not in units:
            raise ConfigError("units.csv", line, f"上级单位代码 {unit.parent} 不存在")
        expected = _PARENT_KIND.get(unit.kind)
        if expected and (unit.parent is None or units[unit.parent][1].kind not in expected):
            raise ConfigError("units.csv", line, f"{unit.kind.label}「{unit.name}」的上级必须是"
                              f"{'/'.join(k.label for k in expected)}")
        seen, current = {code}, unit.parent
        while current is not None:
            if current in seen:
                raise ConfigError("units.csv", line, f"单位树有环：{code} 经上级链回到 {current}")
            seen.add(current)
            current = units[current][1].parent
    return [u for _, u in units.values()]


def read_categories(directory: Path) -> tuple[list[Category], dict[str, int]]:
    categories: dict[str, tuple[int, Category]] = {}
    for line, row in _rows(directory, "categories.csv", ["code", "name", "parent"]):
        if not row["code"] or not row["name"]:
            raise ConfigError("categories.csv", line, "code 和 name 不能为空")
        if row["code"] in categories:
            raise ConfigError("categories.csv", line, f"分类代码 {row['code']} 重复")
        categories[row["code"]] = (line, Category(row["code"], row["name"], row["parent"] or None))
    for code, (line, category) in categories.items():
        if category.parent is not None and category.parent not in categories:
            raise ConfigError("categories.csv", line, f"上级分类代码 {category.parent} 不存在")
        depth, seen, current = 1, {code}, category.parent
        while current is not None:
            if current in seen:
                raise ConfigError("categories.csv", line, f"分类树有环：{code}")
            seen.add(current)
            depth += 1
            current = categories[current][1].parent
        if depth > 3:
            raise ConfigError("categories.csv", line, f"分类 {code} 超过三级")
    return [c for _, c in categories.values()], {code: line for code, (line, _) in categories.items()}


def read_duties(directory: Path, units: dict[str, Unit], categories: dict[str, Category]) -> list[DutyItem]:
    items = []
    for line, row in _rows(directory, "duties.csv", ["category", "level", "duty_type", "unit"], optional=("district",)):
        if row["category"] not in categories:
            raise ConfigError("duties.csv", line, f"未知分类代码 {row['category']!r}")
        if row["level"] not in LEVELS:
            raise ConfigError("duties.csv", line, f"level 应为 {'/'.join(LEVELS)}：{row['level']!r}")
        try:
            duty_type = DutyType.parse(row["duty_type"], "duty_type")
        except DomainError as error:
            raise ConfigError("duties.csv", line, error.message) from None
        unit = row["unit"] or None
        if row["level"] in _LEVEL_KIND:
            if unit is None:
                raise ConfigError("duties.csv", line, f"{row['level']} 层级的事项必须写明 unit（责任部门/企业代码）")
            if unit not in units:
                raise ConfigError("duties.csv", line, f"未知单位代码 {unit!r}")
            if units[unit].kind != _LEVEL_KIND[row["level"]]:
                raise ConfigError("duties.csv", line, f"单位 {unit} 是{units[unit].kind.label}，与层级 {row['level']} 不符")
        elif unit is not None:
            raise ConfigError("duties.csv", line, "属地层级（district/subdistrict/community）按地址确定单位，unit 应留空")
        district = row["district"] or None
        if district is not None and (district not in units or units[district].kind != UnitKind.DISTRICT):
            raise ConfigError("duties.csv", line, f"district 应为区的单位代码（该区专用的派单目录行），不是 {district!r}")
        items.append(DutyItem(row["category"], row["level"], duty_type, unit, district))
    return items


def read_admissions(directory: Path, units: dict[str, Unit], categories: dict[str, Category]):
    admissions = []
    for line, row in _rows(directory, "admission.csv", ["category", "community"], required=False):
        if row["category"] not in categories:
            raise ConfigError("admission.csv", line, f"未知分类代码 {row['category']!r}")
        community = row["community"] or None
        if community is not None and (community not in units or units[community].kind != UnitKind.COMMUNITY):
            raise ConfigError("admission.csv", line, f"{community!r} 不是已配置的社区/村代码")
        admissions.append((row["category"], community))
    return admissions


def read_gazetteer(directory: Path, units: dict[str, Unit]) -> dict[str, str]:
    """Optional gazetteer.csv `name,division`: 小区 and landmark names, to find the place named in a request's text."""
    names: dict[str, str] = {}
    for line, row in _rows(directory, "gazetteer.csv", ["name", "division"], required=False):
        if len(row["name"]) < 2:
            raise ConfigError("gazetteer.csv", line, "地名至少两个字")
        unit = units.get(row["division"])
        if unit is None or not unit.kind.is_territorial:
            raise ConfigError("gazetteer.csv", line, f"{row['division']!r} 不是已配置的区、街道/乡镇或社区/村代码")
        names[row["name"]] = row["division"]
    return names


MAX_BOUNDARY_POINTS = 200_000


def read_boundaries(directory: Path, units: dict[str, Unit]) -> dict[str, list]:
    """Optional boundaries.geojson: the outline of each area, as unit code → outer rings of [lon, lat]
    (holes are not drawn). Refused with the feature's number and the reason when a feature is not usable."""
    import json

    path = directory / "boundaries.geojson"
    if not path.exists():
        return {}
    name = path.name
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(name, getattr(error, "lineno", None), f"不是有效的 JSON：{error}") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" \
            or not isinstance(document.get("features"), list):
        raise ConfigError(name, None, "应为 GeoJSON FeatureCollection（type 与 features）")
    shapes: dict[str, list] = {}
    points = 0
    for index, feature in enumerate(document["features"], start=1):
        where = f"第 {index} 个 feature"
        properties = (feature or {}).get("properties") or {}
        code = properties.get("code", properties.get("adcode"))
        if code is None:
            raise ConfigError(name, None, f"{where}缺少 properties.code（或 adcode）")
        code = str(code)
        unit = units.get(code)
        if unit is None or not unit.kind.is_territorial:
            raise ConfigError(name, None, f"{where}：{code!r} 不是已配置的区、街道/乡镇或社区/村代码")
        if code in shapes:
            raise ConfigError(name, None, f"{where}：{code!r} 重复")
        geometry = feature.get("geometry") or {}
        kind, coordinates = geometry.get("type"), geometry.get("coordinates")
        polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else None
        if not isinstance(polygons, list) or not polygons:
            raise ConfigError(name, None, f"{where}（{unit.name}）的 geometry 应为 Polygon 或 MultiPolygon")
        rings = []
        for polygon in polygons:
            try:
                ring = [[round(float(lon), 6), round(float(lat), 6)] for lon, lat, *_ in polygon[0]]
            except (TypeError, ValueError, IndexError):
                raise ConfigError(name, None, f"{where}（{unit.name}）的坐标应为 [经度, 纬度] 数组") from None
            if len(ring) < 4 or not all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in ring):
                raise ConfigError(name, None, f"{where}（{unit.name}）的外环至少 4 个点，且经纬度须在有效范围内")
            rings.append(ring)
            points += len(ring)
        shapes[code] = rings
    if points > MAX_BOUNDARY_POINTS:
        raise ConfigError(name, None, f"边界共 {points} 个点，超过 {MAX_BOUNDARY_POINTS}：请先简化（如 mapshaper -simplify）")
    return shapes


def check_owners(categories: list[Category], lines: dict[str, int], duties: list[DutyItem]) -> None:
    """Every leaf matter must have a lead owner (基本履职), on itself or inherited from an ancestor."""
    parents = {c.code: c.parent for c in categories}
    has_children = {c.parent for c in categories if c.parent}
    local: dict[tuple[str, str], bool] = {}  # a district's own list for a matter: has it a lead owner?
    for d in duties:
        if d.district is not None:
            local[(d.category, d.district)] = local.get((d.category, d.district), False) or d.duty_type == DutyType.BASIC
    for (code, district), has_lead in local.items():
        if not has_lead:
            raise ConfigError("duties.csv", None, f"{district} 专用的「{code}」派单目录行中没有基本履职（basic）的主办单位："
                                                  "该区的专用行会取代全市的行，请写全")
    duties = [d for d in duties if d.district is None]
    owned = {d.category for d in duties if d.duty_type == DutyType.BASIC}
    listed = {d.category for d in duties}
    for category in categories:
        if category.code in has_children:
            continue
        current: str | None = category.code
        while current is not None and current not in listed:
            current = parents[current]
        if current is None or current not in owned:
            raise ConfigError("categories.csv", lines[category.code],
                              f"事项「{category.name}」({category.code}) 在派单目录中没有基本履职的主办单位")


def read_sla(directory: Path, categories: dict[str, Category]) -> tuple[list[SlaPolicy], dict | None]:
    path = directory / "sla.yaml"
    if not path.exists():
        raise ConfigError("sla.yaml", None, f"缺少文件 {path}")
    text = path.read_text(encoding="utf-8")
    try:
        document = yaml.safe_load(text) or {}
        node = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise ConfigError("sla.yaml", mark.line + 1 if mark else None, f"YAML 格式错误：{error}") from None
    lines: list[tuple[int, dict[str, int]]] = []  # per policy: its first line, and the line of each key
    if node is not None and isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "policies" and isinstance(value, yaml.SequenceNode):
                lines = [(item.start_mark.line + 1,
                          {k.value: k.start_mark.line + 1 for k, _ in item.value}
                          if isinstance(item, yaml.MappingNode) else {}) for item in value.value]
    policies = []
    for index, item in enumerate(document.get("policies") or []):
        line, key_lines = lines[index] if index < len(lines) else (None, {})
        if not isinstance(item, dict) or not item.get("name"):
            raise ConfigError("sla.yaml", line, "每条策略必须有 name")
        try:
            kind = RequestKind.parse(item["kind"], "kind") if item.get("kind") else None
            urgency = Urgency.parse(item["urgency"], "urgency") if item.get("urgency") else None
            limits = {limit: Duration.parse(str(item.get(limit, "")), limit) for limit in LIMITS}
            limits |= {limit: Duration.parse(str(item[limit]), limit) for limit in OPTIONAL_LIMITS
                       if item.get(limit) not in (None, "")}
        except DomainError as error:
            raise ConfigError("sla.yaml", key_lines.get(error.field or "", line),
                              f"策略「{item['name']}」{error}") from None
        category = item.get("category")
        if category is not None and str(category) not in categories:
            raise ConfigError("sla.yaml", key_lines.get("category", line), f"策略「{item['name']}」的分类代码 {category!r} 不存在")
        policies.append(SlaPolicy(str(item["name"]), kind=kind, urgency=urgency,
                                  category=str(category) if category is not None else None, **limits))
    names = [p.name for p in policies]
    if len(set(names)) != len(names):
        raise ConfigError("sla.yaml", None, "策略名称重复")
    if not any(p.kind is None and p.urgency is None and p.category is None for p in policies):
        raise ConfigError("sla.yaml", None, "缺少默认策略（不写 kind、urgency、category 的一条）")
    assessment = document.get("assessment")
    if assessment is not None:
        try:
            AssessmentRules(**assessment)
        except (TypeError, DomainError) as error:
            raise ConfigError("sla.yaml", None, f"assessment 配置有误：{error}") from None
    return policies, assessment


def read_config(directory: Path) -> dict:
    if not directory.is_dir():
        raise ConfigError(str(directory), None, "不是目录")
    units = read_units(directory)
    categories, category_lines = read_categories(directory)
    unit_map = {u.code: u for u in units}
    category_map = {c.code: c for c in categories}
    duties = read_duties(directory, unit_map, category_map)
    check_owners(categories, category_lines, duties)
    admissions = read_admissions(directory, unit_map, category_map)
    policies, assessment = read_sla(directory, category_map)
    return {"units": units, "categories": categories, "duties": duties, "admissions": admissions,
            "policies": policies, "assessment": assessment, "gazetteer": read_gazetteer(directory, unit_map),
            "boundaries": read_boundaries(directory, unit_map)}


def load_config(app: App, directory: Path, loaded_by: str) -> dict:
    config = read_config(directory)
    with app.uow() as uow:
        summary = uow.config.replace(**config, loaded_at=app.now(), loaded_by=loaded_by,
                                     source=str(directory.resolve()))
        uow.commit()
    app.config_cache.invalidate()
    return summary
