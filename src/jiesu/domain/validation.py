"""Field checks shared by intake and configuration; each raises InvalidInput naming the field."""

from __future__ import annotations

import re
from typing import TypeGuard

from jiesu.domain.errors import InvalidInput

MAX_CONTENT = 10_000
MAX_TITLE = 200
MAX_TEXT = 2_000
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0\d{2,3})-?(\d{7,8})(-\d{1,6})?$")


def phone(value: str | None, field: str = "requester.phone") -> str | None:
    """The number in one form however it was written: a mobile as its 11 digits, a landline as area code, dash,
    number (and extension): 01012345678, 010 1234 5678 and (010)12345678 are all 010-12345678, so that a caller's
    cases are found by their number whichever way an agent typed it."""
    if value is None or not str(value).strip():
        return None
    text = re.sub(r"[\s()（）]", "", str(value))
    if text.startswith("+86"):
        text = text[3:]
    if _MOBILE.match(text):
        return text
    landline = _landline(text)
    if landline is None:
        raise InvalidInput(f"电话号码格式不正确：{value!r}（手机号 11 位以 1 开头，座机如 010-12345678）", field=field)
    return landline


def _landline(text: str) -> str | None:
    found = _LANDLINE.match(text)
    if not found:
        return None
    digits = found.group(1) + found.group(2)
    area = 3 if digits[1] in "12" else 4  # 010 and 020–029 are the three-digit area codes; the others have four
    number = digits[area:]
    if not 7 <= len(number) <= 8:
        return None
    return f"{digits[:area]}-{number}{found.group(3) or ''}"


def is_mobile(value: str | None) -> TypeGuard[str]:
    """A normalised number (as `phone` returns it) that can receive a text message."""
    return bool(value and _MOBILE.match(value))


def required_text(value: str | None, field: str, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput("不能为空", field=field)
    if len(text) > limit:
        raise InvalidInput(f"长度 {len(text)} 超过上限 {limit} 字", field=field)
    return text


def optional_text(value: str | None, field: str, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidInput(f"长度 {len(text)} 超过上限 {limit} 字", field=field)
    return text


REFERENCE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_./:-]{0,63}")  # another system's number: letters, digits, - _ . / :


def reference(value: str | None, field: str, label: str = "来源单号") -> str:
    """Another system's number (来源单号: 110's 警情编号, an imported system's id; 通话编号: the telephony's call id),
    "" for none: one word of at most 64 letters, digits and - _ . / : — what such systems give, and nothing a person
    could hide text in."""
    text = (value or "").strip()
    if text and not REFERENCE.fullmatch(text):
        raise InvalidInput(f"{label} {text[:70]!r} 应为 1–64 位字母、数字或 - _ . / :", field=field)
    return text


def coordinate(lat: float | None, lon: float | None) -> tuple[float | None, float | None]:
    if (lat is None) != (lon is None):
        raise InvalidInput("纬度和经度必须同时提供", field="location.lat" if lat is None else "location.lon")
    if lat is not None and not -90 <= lat <= 90:
        raise InvalidInput(f"纬度 {lat} 超出 -90..90", field="location.lat")
    if lon is not None and not -180 <= lon <= 180:
        raise InvalidInput(f"经度 {lon} 超出 -180..180", field="location.lon")
    return lat, lon


def mask_name(value: str | None) -> str:
    """张三 → 张*: the family name only."""
    return (value[0] + "*" * (len(value) - 1)) if value else ""


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) >= 7:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    return "*" * len(value)
