"""Hot issues (热点问题): messages clustered by text similarity into issues, each with a label (keywords, place,
population), a time span, its messages and a heat index; ranked like the 2020 TipDM problem C task 2 output.

Heat index = 10·ln(1 + distinct requesters) + 5·ln(1 + messages) + 4·ln(1 + likes) − 2·ln(1 + dislikes)
             + 5 × share of the issue's messages in the last 30 days of the data (growth) + 5 if any is urgent.
Distinct people weigh most (one person repeating a complaint is not a hot issue); votes count when present.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

PLACE = re.compile(r"[A-Z]\d{1,2}[区县市]|[\u4e00-\u9fff]{2,6}(?:小区|花园|家园|新城|公寓|大厦|广场|学校|中学|小学|医院|"
                   r"路|街|大道|村|镇|乡|社区|街道|高铁|地铁|公园)")
NOT_A_PLACE = re.compile(r"关于|为|的|和|在|对|了|是|请|我|反映|投诉|举报|表扬|感谢|建议|咨询|问题|附近|周边|旁边|对面|这|那")
POPULATION = ("业主", "居民", "家长", "学生", "村民", "员工", "职工", "司机", "老人", "商户", "租户", "患者", "教师", "农民工")


@dataclass(frozen=True)
class Message:
    id: str
    title: str
    text: str
    time: datetime | None
    user: str = ""
    likes: int = 0
    dislikes: int = 0
    urgent: bool = False
    group: str = ""  # messages are only clustered with messages of the same group (e.g. category and district)


@dataclass
class Issue:
    id: str
    messages: list[Message]
    heat: float = 0.0
    keywords: list[str] = field(default_factory=list)
    place: str = ""
    population: str = ""
    description: str = ""

    @property
    def start(self) -> datetime | None:
        times = [m.time for m in self.messages if m.time]
        return min(times) if times else None

    @property
    def end(self) -> datetime | None:
        times = [m.time for m in self.messages if m.time]
        return max(times) if times else None

    @property
    def requesters(self) -> int:
        users = {m.user for m in self.messages if m.user}
        return len(users) if users else len(self.messages)


def heat_index(issue: Issue, data_end: datetime | None) -> float:
    likes = sum(m.likes for m in issue.messages)
    dislikes = sum(m.dislikes for m in issue.messages)
    recent = 0.0
    if data_end is not None:
        since = data_end - timedelta(days=30)
        recent = sum(1 for m in issue.messages if m.time and m.time >= since) / len(issue.messages)
    urgent = 5.0 if any(m.urgent for m in issue.messages) else 0.0
    return round(10 * math.log1p(issue.requesters) + 5 * math.log1p(len(issue.messages)) + 4 * math.log1p(likes)
                 - 2 * math.log1p(dislikes) + 5 * recent + urgent, 2)


def label(issue: Issue) -> None:
    from jiesu.nlp.keywords import keywords

    titles = "；".join(m.title for m in issue.messages)
    body = titles + "；" + "；".join(m.text[:200] for m in issue.messages[:20])
    issue.keywords = keywords(body, top=6)
    def found(text: str) -> set[str]:
        return {p.lstrip("市省县") for p in PLACE.findall(text) if not NOT_A_PLACE.search(p)}

    places = Counter(p for m in issue.messages for p in (found(m.title) or found(m.text[:120])))
    issue.place = "、".join(p for p, _ in places.most_common(2))
    people = Counter(p for m in issue.messages for p in POPULATION if p in m.text)
    issue.population = people.most_common(1)[0][0] if people else ""
    representative = max(issue.messages, key=lambda m: (m.likes, -len(m.title)))
    issue.description = representative.title or representative.text[:40]


EXACT_UP_TO = 2_000  # groups up to this size: exact single linkage; larger: through representatives


def build_issues(messages: list[Message], threshold: float = 0.3, min_size: int = 1,
                 progress: Callable[[int, int], None] | None = None) -> list[Issue]:
    """Cluster messages (title counted twice beside the body) into issues within each group and rank them by heat
    (exact single linkage for groups up to EXACT_UP_TO messages, through representatives above; nlp/similarity.py).
    `progress(messages clustered, all messages)` is called after each group."""
    from jiesu.nlp.similarity import clusters, representative_clusters, vectors

    if not messages:
        return []
    texts = [f"{m.title} {m.title} {m.text}" for m in messages]
    matrix = vectors(texts)
    groups: list[list[int]] = []
    blocks: dict[str, list[int]] = {}
    for index, message in enumerate(messages):
        blocks.setdefault(message.group, []).append(index)
    done = 0
    for members in blocks.values():
        method = clusters if len(members) <= EXACT_UP_TO else representative_clusters
        local = method(matrix[members], threshold)
        groups.extend([members[i] for i in component] for component in local)
        done += len(members)
        if progress is not None:
            progress(done, len(messages))
    groups.sort(key=lambda g: (-len(g), g[0]))
    data_end = max((m.time for m in messages if m.time), default=None)
    issues = []
    for number, group in enumerate(groups, start=1):
        if len(group) < min_size:
            continue
        issue = Issue(id=f"I{number:05d}", messages=sorted((messages[i] for i in group),
                                                            key=lambda m: (m.time or datetime.min, m.id)))
        issue.heat = heat_index(issue, data_end)
        issues.append(issue)
    issues.sort(key=lambda i: (-i.heat, i.id))
    return issues


def top_issues(messages: list[Message], top: int = 5, threshold: float = 0.3) -> list[Issue]:
    ranked = build_issues(messages, threshold)[:top]
    for issue in ranked:
        label(issue)
    return ranked
