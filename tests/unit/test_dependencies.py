"""What the product imports must come with `pip install .`: every third-party module imported under src/jiesu
belongs to a distribution that the project's own dependencies bring (directly or through theirs), not only the
`test` extra that CI installs as well. (The SMS gateway's httpx was once only in the test extra: CI passed, a
plain install crashed on the first intake.)"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _closure(names: set[str]) -> set[str]:
    """The distributions these bring, with their own requirements (extras the project asks for included)."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [_name(r) for r in requires if "extra ==" not in r]
    return seen


def _imports() -> dict[str, str]:
    """Top-level module → a file importing it, for the absolute imports under src/jiesu."""
    found = {}
    for path in (ROOT / "src" / "jiesu").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def test_every_module_the_product_imports_comes_with_pip_install_dot():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_name(r) for r in project["dependencies"]}
    extras = {_name(r) for r in project["dependencies"] if "[" in r}  # e.g. uvicorn[standard]
    brought = _closure(declared)
    for name in extras:  # the extras a dependency is asked for with
        for requirement in metadata.requires(name) or []:
            brought |= _closure({_name(requirement)})
    owners = metadata.packages_distributions()
    missing = []
    for module, where in sorted(_imports().items()):
        if module in sys.stdlib_module_names or module == "jiesu" or module == "__future__":
            continue
        distributions = {d.lower().replace("_", "-") for d in owners.get(module, [])}
        if not distributions & brought:
            missing.append(f"{module} (imported in {where}; from {sorted(distributions) or 'nowhere'})")
    assert not missing, "imported by the product but not brought by `pip install .`: " + "; ".join(missing)
