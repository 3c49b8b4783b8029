"""Keywords of a request for display and search: jieba's TF-IDF keyword extraction (its own dictionary and IDF
table ship inside the package, nothing is downloaded)."""

from __future__ import annotations

import threading

_ready = threading.Lock()
_loaded = False
STOP = {"希望", "问题", "情况", "反映", "相关", "部门", "处理", "请问", "你好", "您好", "已经", "一直", "没有", "现在",
        "号楼", "十几", "一点", "几天", "多次", "每天", "晚上", "请求", "尽快",
        "小区", "花园", "家园", "公寓", "社区", "街道"}  # parts of place names, not the matter


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
    words = jieba.analyse.extract_tags(text or "", topK=top + len(STOP))
    return [w for w in words if w not in STOP and not any(c.isdigit() or c == "*" for c in w)][:top]


def masked_keywords(text: str, top: int = 5) -> list[str]:
    """The keywords of a request's text, taken from the masked text: no ID or phone number ever becomes one."""
    from jiesu.nlp import pii

    return keywords(pii.mask(text or ""), top)
