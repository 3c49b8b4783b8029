"""Request bodies of the API (a case is registered with the service's own `Intake` dataclass)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from jiesu.services.cases import ActionInput


@dataclass
class ActionBody(ActionInput):
    """The parameters of an action, and the version the user saw: a stale write is refused with 409."""

    version: int | None = None


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


class UrgeBody(BaseModel):
    code: str = ""  # the tracking code; not needed with a 我的诉求 token (X-Citizen-Token)
    note: str = ""


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
