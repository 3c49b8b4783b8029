"""docs/workflow.md must show the transition table and the roles exactly as the code has them.
Regenerate the table with: python -m tests.unit.test_docs"""

from pathlib import Path

from jiesu.domain.workflow import ACTION_ROLES, TRANSITIONS, Action, Status

DOC = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"
BEGIN, END = "<!-- transitions:begin -->", "<!-- transitions:end -->"


def render() -> str:
    lines = ["| 状态 (status) | 操作 (action) | 之后 (next) | 可执行角色 (roles) |", "|---|---|---|---|"]
    for (status, action), target in TRANSITIONS.items():
        roles = "、".join(f"{r.label}" for r in sorted(ACTION_ROLES[action]))
        lines.append(f"| {status.label} `{status.value}` | {action.label} `{action.value}` | "
                     f"{target.label} `{target.value}` | {roles} |")
    lines.append("")
    lines.append("| 操作 (action) | 可执行角色 (roles) |")
    lines.append("|---|---|")
    for action in Action:
        lines.append(f"| {action.label} `{action.value}` | {'、'.join(r.label for r in sorted(ACTION_ROLES[action]))} |")
    lines.append("")
    lines.append("| 状态 (status) | 含义 |")
    lines.append("|---|---|")
    for status in Status:
        lines.append(f"| `{status.value}` | {status.label} |")
    return "\n".join(lines)


def test_the_workflow_doc_matches_the_code():
    text = DOC.read_text(encoding="utf-8")
    current = text.split(BEGIN)[1].split(END)[0].strip()
    assert current == render(), "docs/workflow.md is stale: run python -m tests.unit.test_docs"


if __name__ == "__main__":
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN)
    _, tail = rest.split(END)
    DOC.write_text(f"{head}{BEGIN}\n{render()}\n{END}{tail}", encoding="utf-8")
