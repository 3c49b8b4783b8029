"""派单目录: the duty lists as loaded, for the staff who dispatch by them and the administrators who keep them — who
owns each matter at each level, with which duty, where a district has its own list, and which communities may
receive it. Read only: the lists change with `jiesu config load` (docs/configuration.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from jiesu.api.deps import jiesu_app
from jiesu.domain.enums import Role
from jiesu.domain.routing import LEVEL_LABELS
from jiesu.web.rendering import login_required, render

router = APIRouter(include_in_schema=False)
READERS = (Role.DISPATCHER, Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


@router.get("/catalogue")
def catalogue(request: Request, q: str = "") -> Response:
    login_required(request, *READERS)
    config = jiesu_app(request).current_config()
    directory, lists = config.directory, config.router
    names = config.unit_names
    wanted = q.strip()
    matters: dict[str, dict] = {}
    for item in lists.catalogue():
        if item.category not in directory.categories:
            continue
        path = directory.category_path(item.category)
        if wanted and wanted not in path and wanted != item.category:
            continue
        entry = matters.setdefault(item.category, {"code": item.category, "path": path, "lines": []})
        owner = names.get(item.unit, item.unit) if item.unit else f"地址所在的{LEVEL_LABELS[item.level].removesuffix('级')}"
        entry["lines"].append({"level": LEVEL_LABELS[item.level], "duty": item.duty_type.label, "owner": owner,
                               "scope": names.get(item.district, item.district) if item.district else "全市"})
    for entry in matters.values():
        admitted = lists.admitted_communities(entry["code"])
        entry["admission"] = ("所有社区/村" if admitted is None else
                              "、".join(sorted(names.get(c, c) for c in admitted)) if admitted else "不下派社区/村")
        entry["lines"].sort(key=lambda line: (line["scope"] != "全市", line["scope"]))
    return render(request, "catalogue.html", q=wanted, matters=sorted(matters.values(), key=lambda e: e["code"]))
