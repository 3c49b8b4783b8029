"""Emergencies found in a request's text — recall first: a missed emergency is the worst error, but a flag on every
complaint that mentions an old injury would bury the real ones (on 17,435 real board messages the first version
flagged 5.1 %; see docs/benchmarks.md, `python bench/urgency.py`).

Three kinds of evidence, each looked at with the few characters around it (real messages often come without
punctuation, so a window, not a sentence):
- DANGER: phrases that by themselves say a danger is going on (燃气味, 着火, 被困, 不想活 …). Urgent unless the
  words around them make it something else (火锅, 燃气费, 跳楼价, 救命钱 …) or a standing complaint about
  something that keeps happening or happened before (经常, 多次, 隐患, 事件, 曾经 …).
- ALARM: words that name harm but, in real messages, mostly tell of the past or of a dispute (受伤, 中毒, 昏迷,
  救援, 爆炸, 火灾, 冒烟 …). Urgent only with a sign that it is happening now (正在, 刚才, 马上, 快来 …) and no
  sign of the above.
- A phrase followed by 过 (昏迷过, 着火过) happened before, never an emergency now.
- Winter: a vulnerable person (独居老人, 瘫痪 …) without water, heating or power in the heating months.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WINDOW = 8  # characters on each side of a phrase that decide what it means

DANGER = (
    "燃气泄漏", "煤气泄漏", "天然气泄漏", "燃气味", "煤气味", "天然气味", "漏气", "着火", "起火", "失火", "火很大",
    "烧起来", "往外冒烟", "屋里冒烟", "家里冒烟", "楼道冒烟", "楼道里冒烟", "爆炸了", "被困", "困在", "困人", "被关在", "关在电梯", "关在里面", "有人触电", "触电倒地", "电线掉", "电线断", "电线落地", "高压线断", "线断了",
    "冒火花", "冒火", "坍塌", "倒塌", "要塌", "塌了", "垮塌", "塌方", "山体滑坡", "泥石流", "被埋", "不想活", "要自杀",
    "想自杀", "要跳楼", "想跳楼", "要轻生", "想轻生", "寻死", "溺水", "落水了", "掉进水", "没过膝盖", "晕倒",
    "砸伤", "摔下来", "流了很多血", "血流不止", "倒地不起", "没有意识", "没有呼吸", "抽搐", "高空坠物", "掉进去", "管道爆", "爆管", "快掉下来", "要掉下来", "锁在车里", "困在车里", "一氧化碳",
    "突然塌陷", "塌陷了", "陷进去了", "横在马路", "横在路中间", "倒在马路中间", "跑水了", "流到楼下", "砸坏了", "砸中了",
)
ALARM = (
    "触电", "受伤", "中毒", "昏迷", "救援", "救命", "爆炸", "火灾", "冒烟", "黑烟", "出不来", "坠落", "断线", "爆了",
    "自杀", "跳楼", "轻生", "落水", "溺亡", "毒气", "有毒气体", "滑坡", "打架", "斗殴", "打人", "抢劫", "持刀", "拿着刀",
    "砍人", "捅人",  # violence: in written complaints nearly always told of the past; going on now, it is 110's
)
NOT_DANGER = (
    "火锅", "燃气费", "消防通道", "消防栓", "火车", "上火", "防火门", "烟花", "吸烟", "抽烟", "轮胎", "车胎",
    "跳楼价", "跳楼机", "救命钱", "救命药", "年轻生", "困难", "贫困", "困扰", "游戏", "演习", "演练", "气炸",
    "寻死觅活", "塌方式", "天都塌", "天塌", "报道", "新闻", "各地", "全国", "多处",
)
CHRONIC = (
    "经常", "频繁", "频频", "多次", "屡次", "时常", "常常", "常年", "隔三差五", "三天两头", "曾经", "以前", "去年",
    "前年", "当时", "那次", "事件", "隐患", "获救", "救出", "抢救出来", "身亡", "赔偿", "索赔", "维权", "医疗事故",
    "纠纷", "预防", "防范", "多年", "长期", "年久失修",
)
NOT_NOW = (  # a danger that might come, not one going on
    "一旦", "如果", "万一", "假如", "若发生", "以防", "防止", "避免", "怎么办", "不堪设想", "风险", "引发", "将会",
    "容易",
)
PAST = re.compile(r"(?:19|20)\d\d年|\d{1,2}月份|\d{1,2}月\d{1,2}[日号]|年前|年中|当年")
NOW = (
    "正在", "现在", "刚刚", "刚才", "马上", "赶紧", "赶快", "快来", "快点", "紧急", "立即", "立刻", "请速", "速来",
    "还在", "此刻", "眼下",
)
VULNERABLE = ("独居老人", "八十多岁", "九十多岁", "瘫痪在床", "卧床", "偏瘫", "行动不便", "婴儿", "孕妇")
WINTER_NEED = ("停水", "没水", "断水", "没有暖气", "没暖气", "暖气不热", "暖气一点都不热", "不供暖", "停暖", "冻得", "冻僵", "受冻", "挨冻",
               "没气", "停气", "停电", "冷得")
HEATING_MONTHS = (11, 12, 1, 2, 3)

# The emergency line an agent would put the caller through to (三方转接) when the phrase that made the case urgent is
# what it is: fire, gas, people trapped or buried → 119; a life at risk by the person's own hand, someone in the
# water, something falling on people → 110; someone hurt or collapsed → 120; the road blocked → 122. The rest (a
# wire down, a burst main, a water leak) is a unit's work (power, water, the gas company's own repair line), so none.
LINES = {
    "119": ("燃气泄漏", "煤气泄漏", "天然气泄漏", "燃气味", "煤气味", "天然气味", "漏气", "着火", "起火", "失火", "火很大",
            "烧起来", "往外冒烟", "屋里冒烟", "家里冒烟", "楼道冒烟", "楼道里冒烟", "爆炸了", "被困", "困在", "困人",
            "关在电梯", "坍塌", "倒塌", "要塌", "塌了", "垮塌", "塌方", "山体滑坡", "泥石流",
            "被埋", "锁在车里", "困在车里", "掉进去", "救援", "爆炸", "火灾", "冒烟", "黑烟", "出不来", "毒气",
            "有毒气体", "滑坡"),
    "110": ("不想活", "要自杀", "想自杀", "要跳楼", "想跳楼", "要轻生", "想轻生", "寻死", "自杀", "跳楼", "轻生", "溺水",
            "落水了", "掉进水", "落水", "溺亡", "高空坠物", "救命", "持刀", "拿着刀", "砍人", "捅人", "打架", "斗殴",
            "打人", "抢劫"),
    "120": ("有人触电", "触电倒地", "触电", "晕倒", "砸伤", "摔下来", "流了很多血", "血流不止", "倒地不起", "没有意识",
            "没有呼吸", "抽搐", "一氧化碳", "受伤", "中毒", "昏迷", "坠落"),
    "122": ("横在马路", "横在路中间", "倒在马路中间"),
}
LINE_OF = {phrase: line for line, phrases in LINES.items() for phrase in phrases}


def _line(text: str, phrase: str) -> str:
    """Shut in a lift is the fire brigade's rescue; shut in by someone (被关在) elsewhere, the police's; shut in
    (关在里面) elsewhere may be either, so no line."""
    if phrase in ("被关在", "关在里面"):
        return "119" if "电梯" in text else "110" if phrase == "被关在" else ""
    return LINE_OF.get(phrase, "")


@dataclass(frozen=True)
class UrgencyGuess:
    urgent: bool
    reason: str
    line: str = ""  # the emergency line to put the caller through to (110, 119, 120, 122), "" when none is


def _found(text: str, phrase: str, needs_now: bool) -> bool:
    start = text.find(phrase)
    while start != -1:
        end = start + len(phrase)
        around = text[max(0, start - WINDOW): end + WINDOW]
        if not text.startswith("过", end) \
                and not any(w in around for words in (NOT_DANGER, CHRONIC, NOT_NOW) for w in words) \
                and not PAST.search(around) and (not needs_now or any(w in around for w in NOW)):
            return True
        start = text.find(phrase, start + 1)
    return False


def urgency(text: str, month: int | None = None) -> UrgencyGuess:
    """Whether the text describes an emergency, and why; `month` (1–12, local) turns on the winter rule."""
    for phrases, needs_now in ((DANGER, False), (ALARM, True)):
        for phrase in phrases:
            if _found(text, phrase, needs_now):
                return UrgencyGuess(True, f"文本含「{phrase}」，可能危及生命财产安全", _line(text, phrase))
    if month in HEATING_MONTHS and any(v in text for v in VULNERABLE) and any(w in text for w in WINTER_NEED):
        return UrgencyGuess(True, "冬季困难群体缺水/缺暖")
    return UrgencyGuess(False, "")
