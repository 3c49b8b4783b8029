"""Personal data in free text: mobile and landline numbers, 18-digit ID numbers (checksum-validated), bank cards
(Luhn), e-mail addresses and licence plates; found with their spans and masked."""

from __future__ import annotations

import re
from dataclasses import dataclass

from jiesu.domain.validation import mask_name

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
_PATTERNS = [
    ("id_card", re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])")),
    ("bank_card", re.compile(r"(?<![0-9])(?:\d[ -]?){15,18}\d(?![0-9])")),
    ("mobile", re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![0-9])")),
    ("landline", re.compile(r"(?<![0-9])0\d{2,3}[- ]?\d{7,8}(?![0-9])")),
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
    ("plate", re.compile(rf"[{PROVINCES}][A-HJ-NP-Z][·•]?(?:[A-HJ-NP-Z0-9]{{5}}|[DF][A-HJ-NP-Z0-9]{{5}}|[A-HJ-NP-Z0-9]{{5}}[DF])(?![A-Za-z0-9])")),
]
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int
    text: str


def id_card_valid(number: str) -> bool:
    number = number.upper()
    if len(number) != 18 or not number[:17].isdigit():
        return False
    return _ID_CHECK[sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True)) % 11] == number[17]


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in re.sub(r"\D", "", number)]
    if not 16 <= len(digits) <= 19:
        return False
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def find(text: str) -> list[Finding]:
    """Non-overlapping findings, earlier patterns first (an ID number is not also a bank card or a phone)."""
    findings: list[Finding] = []
    taken = [False] * len(text)
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text or ""):
            start, end = match.span()
            if any(taken[start:end]):
                continue
            value = match.group(0)
            if kind == "id_card" and not id_card_valid(value):
                continue
            if kind == "bank_card" and not luhn_valid(value):
                continue
            findings.append(Finding(kind, start, end, value))
            for i in range(start, end):
                taken[i] = True
    return sorted(findings, key=lambda f: f.start)


def _mask_one(finding: Finding) -> str:
    value = finding.text
    if finding.kind == "email":
        name, _, domain = value.partition("@")
        return (name[:1] + "***@" + domain) if name else value
    if finding.kind == "plate":
        return value[:2] + "*" * (len(value) - 4) + value[-2:]
    digits = [i for i, c in enumerate(value) if c.isalnum()]
    keep_head, keep_tail = (3, 4) if finding.kind in ("mobile", "landline") else (4, 4)
    hidden = set(digits[keep_head:len(digits) - keep_tail])
    return "".join("*" if i in hidden else c for i, c in enumerate(value))


def mask(text: str) -> str:
    """The text with every finding masked (138****5678, 1101**********1234, 京A***45, z***@example.com)."""
    if not text:
        return text
    parts, last = [], 0
    for finding in find(text):
        parts.append(text[last:finding.start])
        parts.append(_mask_one(finding))
        last = finding.end
    parts.append(text[last:])
    return "".join(parts)


def mask_with_name(text: str | None, name: str) -> str | None:
    """`mask`, and the requester's own name masked wherever it was written (张三 → 张*): a name has no pattern to find
    it by. A name of one character is left (it would mask that character everywhere)."""
    if not text:
        return text
    return mask(text.replace(name, mask_name(name)) if len(name) >= 2 else text)
