"""Keywords of a request for display and search: jieba's TF-IDF keyword extraction (its own dictionary and IDF
table ship inside the package, nothing is downloaded)."""

from __future__ import annotations

import re
import threading

_ready = threading.Lock()
_loaded = False
STOP = {"希望", "问题", "情况", "反映", "相关", "部门", "处理", "请问", "你好", "您好", "已经", "一直", "没有", "现在",
        "号楼", "十几", "一点", "几天", "多次", "每天", "晚上", "请求", "尽快",
        "小区", "花园", "家园", "公寓", "社区", "街道",  # parts of place names, not the matter
        "我们", "我家", "本人", "他们", "你们", "大家", "不了", "是否", "严重", "方便", "解决", "办理", "回复",
        "投诉", "举报", "咨询", "建议", "领导", "书记", "市长", "县长", "区长", "局长", "主任", "尊敬", "电话", "联系", "联系电话",
        "这边", "那边", "这里", "那里", "附近", "最近", "有人", "东西", "管管", "没人管", "没人来", "谢谢", "哪些",
        "每天晚上", "一个", "星期", "天没人", "天不亮", "推说"}
# the letter's frame (who writes, to whom, asking what) and a caller's words around the matter: found in most
# requests (measured on the TipDM messages, and on the demo's cases), so they tell nothing of this one
_DURATION = re.compile(r"^[一二两三四五六七八九十半几数多]+(天|年|月|个月|周|次|遍|小时|分钟)$")  # 三天, 两个月
# What follows the proper part of a place's name (幸福|小区, 阳光|花园, 王家|村): a word found only before one of these
# is the name of where, not of what — the place is kept in the case's structured location
_PLACE_SUFFIX = re.compile(r"小区|花园|家园|公寓|新村|社区|街道|大厦|村|苑|镇|乡")


def _only_in_place_names(word: str, text: str) -> bool:
    """Whether every occurrence of `word` in `text` is followed by a place-name suffix (and there is one)."""
    at = text.find(word)
    if at < 0:
        return False
    while at >= 0:
        if not _PLACE_SUFFIX.match(text, at + len(word)):
            return False
        at = text.find(word, at + 1)
    return True


def warm_up() -> None:
    """Load jieba's dictionary and its keyword IDF table (about 1.5 s, once per process; the table alone took the
    first intake after a server start 0.6 s when it was left to that intake)."""
    global _loaded
    with _ready:
        if not _loaded:
            import jieba
            import jieba.analyse  # noqa: F401  (reads the IDF table on import)

            jieba.setLogLevel(60)
            jieba.initialize()
            _loaded = True


def keywords(text: str, top: int = 5) -> list[str]:
    import jieba.analyse

    warm_up()
    text = text or ""
    words = jieba.analyse.extract_tags(text, topK=top + len(STOP))
    return [w for w in words if w not in STOP and not _DURATION.match(w)
            and not any(c.isdigit() or c == "*" for c in w) and not _only_in_place_names(w, text)][:top]


def masked_keywords(text: str, top: int = 5) -> list[str]:
    """The keywords of a request's text, taken from the masked text: no ID or phone number ever becomes one."""
    from jiesu.nlp import pii

    return keywords(pii.mask(text or ""), top)
