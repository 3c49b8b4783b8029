"""What 工单查询 indexes of a case's text: the overlapping character pairs of its runs of letters and digits.

Chinese is written without spaces, and a word list misses the names people search for (a 小区, a shop, a road), so
the index takes every two-character window instead: 噪音扰民 is 噪音 音扰 扰民, one after the other. Any search of
two or more characters is then a phrase of pairs the index finds, whatever the words. Both sides are normalised
the same way (NFKC: full-width digits and letters as ASCII; case folded); punctuation and spaces end a run.
A run of one character has no pair: a search of one character is left to the plain scan.
"""

from __future__ import annotations

import re
import unicodedata

_RUN = re.compile(r"[^\W_]+")  # letters and digits of any script, no underscore


def runs(text: str) -> list[str]:
    """The runs of letters and digits of the text, normalised."""
    return _RUN.findall(unicodedata.normalize("NFKC", text).casefold())


def pairs(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)]


def terms(*texts: str | None) -> list[list[str]]:
    """The pairs of each run of two or more characters of the texts, run by run, in order: what the index keeps of
    a case, and what a search asks of it (each run's pairs one after the other in the case's text). Empty when
    there is no such run: the index cannot narrow that search."""
    return [p for text in texts if text for run in runs(text) if (p := pairs(run))]
