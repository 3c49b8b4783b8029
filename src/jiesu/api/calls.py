"""The telephony's way in: its call records (话务记录, `services/calls.py`). The telephony authenticates with the
bearer token in `JIESU_TELEPHONY_TOKEN`; without one set, nothing is received."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, Field

from jiesu.api.deps import check_machine_token, jiesu_app
from jiesu.api.schemas import ERRORS
from jiesu.services import calls

router = APIRouter(prefix="/api/v1/calls", tags=["calls"], responses=ERRORS)
TELEPHONY = "话务系统"  # the actor of its posts in the audit trail


class CallBody(BaseModel):
    ref: str = Field(description="通话编号（话务系统的 call id）：重发的同一通只记一次")
    caller: str | None = Field(None, description="主叫号码；隐藏号码可空")
    offered_at: datetime = Field(description="进入排队（振铃）的时刻，带时区")
    answered_at: datetime | None = Field(None, description="坐席接听的时刻；未接通（呼损）为空")
    ended_at: datetime = Field(description="挂机时刻")
    agent: str | None = Field(None, description="接听坐席的 jiesu 用户名")
    wrapped_at: datetime | None = Field(None, description="话后整理结束（坐席重新就绪）的时刻；话务系统不报时为空")


class CallsBody(BaseModel):
    calls: list[CallBody] = Field(description=f"话务记录，一次至多 {calls.MAX_BATCH} 条")


@router.post("")
def receive(body: CallsBody, request: Request, authorization: str = Header("")) -> dict:
    """Call records from the telephony, checked whole and stored together (one bad record: 400 naming it, nothing
    stored). A record whose `ref` was stored before is skipped and counted in `already`."""
    app = jiesu_app(request)
    check_machine_token(authorization, app.settings.telephony_token, "JIESU_TELEPHONY_TOKEN", "话务记录", "话务系统")
    received = calls.receive(app, [call.model_dump() for call in body.calls], TELEPHONY)
    return {"stored": received.stored, "already": received.already}
