"""敏感诉求: requests a centre reports to its leaders and watches closely, found in the text — a group acting
together (集体上访, 拉横幅, 联名), a threat to go to the media or online (媒体曝光, 发到网上), to petition past the
local government (进京上访, 越级上访), or words of violence against others (同归于尽, 报复社会).

Not an emergency (that is `nlp/urgency.py`: danger to life now) and not a judgement of the requester: a flag that
puts the case in front of a supervisor (督办台 敏感诉求) so that it is handled with care and on time. Each phrase is
looked at with the few characters before it, so that "我们不想拉横幅" or "未拉横幅" is not a threat; hard negatives
(集体户口, 村集体经济, 多媒体教室, 打击报复, 汽油质量) are either not phrases here or excluded by their context.
`python bench/sensitivity.py` measures it on the labelled set kept with the tests and on real board messages.
"""

from __future__ import annotations

from dataclasses import dataclass

BEFORE = 4  # characters before a phrase that may deny it (不想拉横幅, 未拉横幅, 没有上访)

KINDS: dict[str, tuple[str, ...]] = {
    "群体性": (  # what a group does or is about to do first, then a joint letter
        "集体上访", "集体维权", "集体讨薪", "集体讨要", "集体阻工", "拉横幅", "打横幅", "挂横幅维权", "举横幅", "静坐",
        "游行", "聚众闹事", "聚众维权", "聚众上访", "聚众围堵", "聚众讨", "聚集维权", "围堵政府", "围堵大门",
        "围堵售楼部", "围堵领导", "围堵主管部门", "堵门讨", "堵大门", "堵路维权", "决定堵路", "群体事件", "群体性事件",
        "一起去政府", "一起到政府", "一起去信访", "集体去", "集体到", "集体签名", "联名信", "联名上书", "联名反映",
        "联名举报", "联名投诉", "联名要求", "联名向", "集体投诉", "全体业主签名",
    ),
    "舆情": (
        "向媒体", "找媒体", "联系媒体", "求助媒体", "请求媒体", "要曝光", "继续曝光", "媒体曝光", "找记者", "联系记者", "联系了记者", "找了记者",
        "电视台记者", "电视台的记者", "报社记者", "记者来", "网上曝光", "网络曝光", "发到网上", "发网上", "放到网上",
        "曝光到网上", "发抖音", "发微博", "上热搜", "找电视台", "到电视台", "向社会曝光", "曝光此事", "公开曝光",
        "让媒体", "请媒体", "新闻媒体来",
    ),
    "越级上访": (
        "进京上访", "北京上访", "赴京上访", "去北京反映", "到北京反映", "进京反映", "进京告状", "越级上访", "省里上访",
        "省城信访", "去省政府上访", "去省政府反映", "到省政府上访", "到省政府反映", "找中央", "中央巡视组",
    ),
    "极端言行": (
        "同归于尽", "报复社会", "以死相逼", "以死明志", "拼了这条", "跟他拼了", "跟他们拼了", "和他拼了", "和他们拼了",
        "弄死他", "弄死你", "弄死我", "砍死他", "砍死你", "要砍死", "刀砍死", "杀了他", "杀了你", "炸了他", "放火烧", "泼汽油", "浇汽油", "一起死",
        "扬言要打", "扬言要杀", "扬言报复", "威胁要打死",
    ),
}
DENIED_BY = ("不想", "不愿", "不会", "不要", "不敢", "未", "没有", "没", "无需", "防止", "避免", "禁止", "不让", "不存在")
NOT_SENSITIVE = (  # the phrase inside another word or matter: tourism, a parade, what the police's duties are
    "旅游行", "集会、游行", "国庆游行", "彩车游行", "花车游行", "游行志愿者", "游行活动", "游行示威活动",
)
WINDOW = 6  # characters around a phrase that may make it one of NOT_SENSITIVE


@dataclass(frozen=True)
class SensitivityGuess:
    kinds: tuple[str, ...]  # in the order of KINDS; () when nothing was found
    reason: str  # 群体性（集体上访）；舆情（媒体曝光）, or ""

    @property
    def sensitive(self) -> bool:
        return bool(self.kinds)


def _found(text: str, phrase: str) -> bool:
    start = text.find(phrase)
    while start != -1:
        end = start + len(phrase)
        before = text[max(0, start - BEFORE): start]
        around = text[max(0, start - WINDOW): end + WINDOW]
        if not any(word in before for word in DENIED_BY) and not any(word in around for word in NOT_SENSITIVE):
            return True
        start = text.find(phrase, start + 1)
    return False


def sensitivity(text: str) -> SensitivityGuess:
    """The kinds of sensitive matter the text shows, each with the first phrase that shows it."""
    flat = "".join(text.split())  # real messages break lines and put spaces anywhere
    found: list[tuple[str, str]] = []
    for kind, phrases in KINDS.items():
        phrase = next((p for p in phrases if _found(flat, p)), None)
        if phrase is not None:
            found.append((kind, phrase))
    return SensitivityGuess(tuple(kind for kind, _ in found),
                            "；".join(f"{kind}（{phrase}）" for kind, phrase in found))


MARKED_BY_HAND = "人工标记"  # the kind of a reason a person wrote (调整敏感标记, or the agent at intake)


def kinds_of(reason: str | None) -> tuple[str, ...]:
    """The kinds a case's stored reason names (群体性（拉横幅）；舆情（找媒体） → 群体性, 舆情); a reason a person
    wrote counts as MARKED_BY_HAND. () for no reason. For analytics, which keep the kinds and not the words."""
    found: dict[str, None] = {}
    for part in (reason or "").split("；"):
        if not part.strip():
            continue
        kind = part.split("（", 1)[0]
        found[kind if kind in KINDS and part.startswith(f"{kind}（") else MARKED_BY_HAND] = None
    return tuple(found)
