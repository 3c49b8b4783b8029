"""审核提示: what a reviewer at the centre looks for in a unit's reply before accepting it (审核通过) or sending it
back (退回重办) — a reply of a few words, one that passes the matter on instead of handling it (推诿), one that
shares not a word with the request (答非所问), a unit that never recorded calling the requester, a reply past its
deadline. Hints for the reviewer, never a refusal: the reviewer reads the reply and decides."""

from __future__ import annotations

import re

from jiesu.domain.calendar import beijing_minute
from jiesu.domain.request import CitizenRequest

TOO_SHORT = 15  # characters of a reply below which it cannot say what was done
EVASIVE = ("不属于我单位", "不属于本单位", "非我单位职责", "不在我单位职责", "建议诉求人自行", "请诉求人自行", "自行协商",
           "自行解决", "已转交", "已转至", "另行反映", "向有关部门反映", "无法解决", "无法处理", "暂无法")
_SIGNS = re.compile(r"[\W\d_a-zA-Z]+")


def pairs(text: str) -> set[str]:
    """The text's two-character runs, without punctuation, digits or Latin letters."""
    pairs: set[str] = set()
    for run in _SIGNS.split(text or ""):
        pairs.update(run[i:i + 2] for i in range(len(run) - 1))
    return pairs


def review_hints(request: CitizenRequest) -> list[str]:
    """What the reviewer should look at in the reply waiting for review (empty when there is no reply)."""
    reply = (request.reply or "").strip()
    if not reply:
        return []
    hints = []
    if len(reply) < TOO_SHORT:
        hints.append(f"答复仅 {len(reply)} 字：是否说明了如何办理、结果如何")
    evasive = [phrase for phrase in EVASIVE if phrase in reply]
    if evasive:
        hints.append(f"答复含「{'」「'.join(evasive)}」：是否已实际办理，还是推给了诉求人或其他单位")
    if len(reply) >= TOO_SHORT and not pairs(reply) & pairs(f"{request.title or ''}{request.content}"):
        hints.append("答复与诉求内容没有一个相同的词：请核对是否答非所问")
    lead = request.lead
    if lead is not None and lead.contacted_at is None:
        hints.append("承办单位没有记录联系诉求人")
    if request.resolved_at and request.resolve_due and request.resolved_at > request.resolve_due:
        hints.append(f"超过办结时限（{beijing_minute(request.resolve_due)}）办结")
    return hints
