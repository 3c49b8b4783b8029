"""云河市, the demo city: five districts, 30 街道/乡镇, 150 社区/村, the city departments and the utility
companies, with the duty lists and SLA policies. `write_config(dir)` writes it as the same readable files
an administrator would load with `jiesu config load`."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from jiesu.demo.matters import MATTERS

CITY = "云河市"
DISTRICTS = (("YH", "云河区"), ("QQ", "清泉区"), ("WS", "望山区"), ("LJ", "临江区"), ("BH", "北湖区"))
SUBDISTRICT_NAMES = (
    "桃源街道", "枫林街道", "青石街道", "金桥街道", "柳岸街道", "新华街道",
    "建设街道", "和平街道", "东湖街道", "西山街道", "南苑街道", "北关街道",
    "丰泽街道", "明珠街道", "滨江街道", "文昌街道", "兴隆街道", "长乐街道",
    "永安街道", "梅园街道", "翠竹街道", "松柏镇", "龙潭镇", "凤凰镇",
    "白沙镇", "红星街道", "望京街道", "清河镇", "石门乡", "杏花乡",
)
COMMUNITY_STEMS = ("幸福", "阳光", "和谐", "光明", "育新", "康居", "锦绣", "馨园", "春晖", "友谊",
                   "团结", "安华", "嘉园", "翠湖", "华苑", "悦景", "朝阳", "紫荆", "怡和", "颐园",
                   "书香", "北辰", "南湖", "东升", "西苑", "金地", "绿洲", "泰和", "龙湖", "清华")
DEPARTMENTS = (
    ("CGW", "市城市管理委员会"), ("ZJW", "市住房和城乡建设委员会"), ("JTW", "市交通委员会"),
    ("HBJ", "市生态环境局"), ("RSJ", "市人力资源和社会保障局"), ("JYW", "市教育委员会"),
    ("WJW", "市卫生健康委员会"), ("SJJ", "市市场监督管理局"), ("SWJ", "市水务局"),
    ("JGJ", "市公安局公安交通管理局"), ("GAJ", "市公安局"), ("MZJ", "市民政局"), ("YBJ", "市医疗保障局"),
    ("GHJ", "市规划和自然资源委员会"), ("NYJ", "市农业农村局"), ("ZWJ", "市政务服务管理局"),
)
COMPANIES = (("ZLS", "云河自来水集团"), ("GDJ", "国网云河供电公司"), ("RQJ", "云河燃气集团"), ("RLJ", "云河热力集团"))


@dataclass(frozen=True)
class Place:
    district: str
    subdistrict: str
    community: str
    community_name: str
    compounds: tuple[str, ...]


def units() -> list[dict]:
    rows = [{"code": "CENTRE", "name": f"{CITY}12345市民服务热线", "kind": "centre", "parent": ""}]
    names = iter(SUBDISTRICT_NAMES)
    for d_index, (d_code, d_name) in enumerate(DISTRICTS):
        rows.append({"code": d_code, "name": d_name, "kind": "district", "parent": ""})
        for s_index in range(6):
            s_name = next(names)
            s_code = f"{d_code}{s_index + 1:02d}"
            rows.append({"code": s_code, "name": s_name, "kind": "subdistrict", "parent": d_code})
            rural = s_name.endswith(("镇", "乡"))
            for c_index in range(5):
                stem = COMMUNITY_STEMS[(d_index * 6 + s_index + c_index * 7) % len(COMMUNITY_STEMS)]
                c_name = f"{s_name[:2]}{stem}{'村' if rural else '社区'}"
                rows.append({"code": f"{s_code}{c_index + 1:02d}", "name": c_name, "kind": "community",
                             "parent": s_code})
    rows += [{"code": c, "name": n, "kind": "department", "parent": ""} for c, n in DEPARTMENTS]
    rows += [{"code": c, "name": n, "kind": "company", "parent": ""} for c, n in COMPANIES]
    for number, row in enumerate(rows):  # 值班手机 of the units that take emergencies, and the centre's (敏感诉求报告)
        # (made up: the demo's text messages only go to a file)
        row["duty_phone"] = f"1380000{number:04d}" if row["kind"] in ("centre", "subdistrict", "department",
                                                                      "company") else ""
    return rows


def categories() -> list[dict]:
    rows: list[dict] = []
    level1: dict[str, str] = {}
    level2: dict[str, tuple[str, str]] = {}
    for matter in MATTERS:
        top, middle, leaf = matter.path
        if top not in level1:
            level1[top] = f"T{len(level1) + 1:02d}"
            rows.append({"code": level1[top], "name": top, "parent": ""})
        key = matter.code[:3]
        if key in level2:
            assert level2[key] == (top, middle), f"level-2 code {key} names two nodes"
        else:
            level2[key] = (top, middle)
            rows.append({"code": key, "name": middle, "parent": level1[top]})
        rows.append({"code": matter.code, "name": leaf, "parent": key})
    return rows


def duties() -> list[dict]:
    return [{"category": m.code, "level": level, "duty_type": duty, "unit": unit or ""}
            for m in MATTERS for level, duty, unit in m.owners]


def admission() -> list[dict]:
    return [{"category": m.code, "community": ""} for m in MATTERS if m.community]


def sla() -> dict:
    return {
        "policies": [
            {"name": "默认", "acknowledge": "2wh", "contact": "1wd", "resolve": "7wd", "follow_up": "2wd",
             "supervise": "3wd", "report": "5wd"},
            {"name": "紧急", "urgency": "emergency", "acknowledge": "0.5h", "contact": "1h", "resolve": "2h",
             "follow_up": "1wd", "supervise": "4h", "report": "1h"},
            {"name": "加急", "urgency": "urgent", "acknowledge": "1h", "contact": "4h", "resolve": "24h",
             "follow_up": "1wd", "supervise": "1wd", "report": "12h"},
            {"name": "疑难复杂", "urgency": "complex", "acknowledge": "2wh", "contact": "1wd", "resolve": "15wd",
             "follow_up": "2wd", "supervise": "5wd", "report": "10wd"},
            {"name": "咨询", "kind": "inquiry", "acknowledge": "2wh", "contact": "1wd", "resolve": "3wd",
             "follow_up": "2wd", "supervise": "2wd", "report": "2wd"},
            *[{"name": f"公共服务-{code}", "category": code, "acknowledge": "1h", "contact": "4h", "resolve": "24h",
               "follow_up": "1wd", "supervise": "1wd", "report": "12h"} for code in ("H01", "H02", "H03", "H04")],
            *[{"name": f"公共服务紧急-{code}", "category": code, "urgency": "emergency", "acknowledge": "0.5h",
               "contact": "1h", "resolve": "2h", "follow_up": "1wd", "supervise": "4h", "report": "1h"}
              for code in ("H01", "H02", "H03", "H04")],
        ],
        "assessment": {"response_weight": 10, "resolution_weight": 45, "satisfaction_weight": 45,
                       "basic_fraction": 0.8, "co_handler_share": 0.0, "min_cases": 5},
    }


def write_config(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in (("units.csv", units()), ("categories.csv", categories()), ("duties.csv", duties()),
                       ("admission.csv", admission())):
        with (directory / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    gazetteer = [{"name": name, "division": place.community} for place in places() for name in place.compounds]
    with (directory / "gazetteer.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["name", "division"])
        writer.writeheader()
        writer.writerows(gazetteer)
    (directory / "sla.yaml").write_text(yaml.safe_dump(sla(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    (directory / "boundaries.geojson").write_text(json.dumps(boundaries(), ensure_ascii=False), encoding="utf-8")
    return directory


def boundaries() -> dict:
    """Invented outlines for the invented city: the five districts side by side along the river, each a block of
    2 × 3 街道/乡镇 on a grid whose inner corners are moved a little (seeded), so neighbours share their edges."""
    import random

    rng = random.Random(2026)
    columns, rows, west, south, width, height = 10, 3, 112.80, 28.10, 0.06, 0.05
    corner = {(i, j): [round(west + i * width + (rng.uniform(-0.35, 0.35) * width if 0 < i < columns else 0), 6),
                       round(south + j * height + (rng.uniform(-0.35, 0.35) * height if 0 < j < rows else 0), 6)]
              for i in range(columns + 1) for j in range(rows + 1)}

    def outline(left: int, bottom: int, right: int, top: int) -> list[list[float]]:
        ring = [corner[(i, bottom)] for i in range(left, right)] + [corner[(right, j)] for j in range(bottom, top)]
        ring += [corner[(i, top)] for i in range(right, left, -1)] + [corner[(left, j)] for j in range(top, bottom, -1)]
        return ring + [ring[0]]

    features = []
    for index, (code, name) in enumerate(DISTRICTS):
        features.append(_feature(code, name, outline(2 * index, 0, 2 * index + 2, rows)))
        for s_index in range(6):
            column, row = 2 * index + s_index % 2, s_index // 2
            features.append(_feature(f"{code}{s_index + 1:02d}", "", outline(column, row, column + 1, row + 1)))
    return {"type": "FeatureCollection", "features": features}


def _feature(code: str, name: str, ring: list) -> dict:
    return {"type": "Feature", "properties": {"code": code, "name": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


XQ_SUFFIX = ("小区", "家园", "花园", "苑", "公寓", "里")
ROADS = ("滨江路", "文昌街", "建设大街", "人民路", "解放路", "和平西街", "兴隆大道", "长乐路", "金桥路", "枫林北路",
         "青石路", "东湖大道", "南苑路", "北关大街", "明珠路", "永安街")
LANDMARKS = ("地铁站", "人民医院", "万达广场", "中心公园", "实验小学", "农贸市场", "体育馆", "汽车站", "图书馆",
             "科技园", "大学城", "商业街")


def places() -> list[Place]:
    """Every community with a few named residential compounds."""
    result = []
    by_code = {u["code"]: u for u in units()}
    for u in by_code.values():
        if u["kind"] != "community":
            continue
        s = by_code[u["parent"]]
        stem = u["name"][2:-2] if u["name"].endswith("社区") else u["name"][2:-1]
        shift = int(u["code"][-2:])
        compounds = tuple(f"{s['name'][:2]}{stem}{XQ_SUFFIX[(i + shift) % len(XQ_SUFFIX)]}" for i in range(3))
        result.append(Place(s["parent"], s["code"], u["code"], u["name"], compounds))
    return result
