"""Request bodies of the API (a case is registered with the service's own `Intake` dataclass)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ActionBody(BaseModel):
    reason: str = ""
    note: str = ""
    unit: str | None = None
    co_units: list[str] = []
    duration: str | None = None
    reply: str = ""
    solved: bool | None = None
    satisfaction: str | None = None
    requester_ref: int | None = None
    master: int | None = None
    category: str | None = Field(None, description="改类的新分类代码")
    version: int | None = Field(None, description="你看到的版本号；若工单已被他人修改则返回 409")


class SuggestBody(BaseModel):
    content: str = ""
    division: str | None = None
    category: str | None = None
    requester_phone: str | None = None


class PublicIntakeBody(BaseModel):
    content: str
    title: str | None = None
    requester_name: str = ""
    requester_phone: str
    address: str = ""
    division: str | None = None
    kind: str = "complaint"


class RatingBody(BaseModel):
    code: str
    solved: bool
    satisfaction: str
    note: str = ""
