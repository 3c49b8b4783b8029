"""Request bodies of the API (a case is registered with the service's own `Intake` dataclass and its photos)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from jiesu.domain.errors import InvalidInput
from jiesu.services.cases import ActionInput, Intake
from jiesu.storage.tables import MAX_ID


@dataclass
class CreateBody(Intake):
    """A case to register, with the requester's 现场照片 (JPEG/PNG, each base64-encoded)."""

    photos: list[str] = field(default_factory=list)


@dataclass
class ActionBody(ActionInput):
    """The parameters of an action, the version the user saw (a stale write is refused with 409), and the 现场照片
    sent with it (办理进展, 办结答复; JPEG/PNG, each base64-encoded)."""

    version: int | None = None
    photos: list[str] = field(default_factory=list)


def decoded_photos(photos: list[str]) -> list[bytes]:
    """The photos of a body, decoded; InvalidInput naming which one is not base64."""
    decoded = []
    for number, text in enumerate(photos, start=1):
        try:
            decoded.append(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            raise InvalidInput(f"第 {number} 张照片不是 base64 编码", field="photos") from None
    return decoded


class SuggestBody(BaseModel):
    content: str = ""
    division: str | None = None
    category: str | None = None
    requester_phone: str | None = None
    address: str = Field("", max_length=500)
    topic_id: int | None = Field(None, ge=1, le=MAX_ID)  # 人民建议征集: the topic a suggestion answers


class PublicIntakeBody(BaseModel):
    content: str
    title: str | None = None
    requester_name: str = ""
    requester_phone: str
    address: str = ""
    division: str | None = None
    kind: str = "complaint"
    topic_id: int | None = Field(None, ge=1, le=MAX_ID)  # 人民建议征集: the open topic (GET /public/topics) it answers
    publish_consent: bool = False  # 办件公开: the requester agrees to publication once handled and called back


class UrgeBody(BaseModel):
    code: str = ""  # the tracking code; not needed with a 我的诉求 token (X-Citizen-Token)
    note: str = ""


class SupplementBody(BaseModel):
    code: str = ""  # as for UrgeBody
    note: str = ""
    photos: list[str] = []  # 现场照片, each base64-encoded


class RatingBody(BaseModel):
    code: str = ""  # as for UrgeBody
    solved: bool
    satisfaction: str
    note: str = ""


class MineCodeBody(BaseModel):
    phone: str


class MineTokenBody(BaseModel):
    phone: str
    code: str


class ErrorBody(BaseModel):
    """Every error of the API (`api/errors.py`): what went wrong, in Chinese, and the input it concerns."""

    code: str  # invalid, unauthenticated, forbidden, not_found, illegal_transition, conflict, too_large, rate_limited, …
    message: str
    field: str | None = None


ERRORS: dict[int | str, dict] = {  # documented on every route of /api/v1, for the clients generated from OpenAPI
    status: {"model": ErrorBody, "description": description} for status, description in (
        (400, "输入有误（field 指出哪一项）"), (401, "未登录或令牌无效"), (403, "无权执行"), (404, "不存在或无权查看"),
        (409, "工单状态已变化或已被他人修改"), (413, "请求体过大"), (422, "请求的格式不对（不是 JSON、缺少或多余的项、类型不对）"),
        (429, "请求过于频繁"), (500, "服务器内部错误"))}
