"""The SMS gateway's way in: the text messages requesters send back (短信评价, `services/sms_replies.py`). The
gateway authenticates with the bearer token in `JIESU_SMS_INBOUND_TOKEN`; without one set, nothing is received."""

from __future__ import annotations

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, Field

from jiesu.api.deps import check_machine_token, jiesu_app
from jiesu.api.schemas import ERRORS
from jiesu.services import sms_replies

router = APIRouter(prefix="/api/v1/sms", tags=["sms"], responses=ERRORS)


class InboundBody(BaseModel):
    sender: str = Field(alias="from", description="发信号码（手机号；86 开头的 13 位也可）")
    text: str = Field(description="短信内容")
    id: str | None = Field(None, description="网关的消息编号：重发的同一条只处理一次")


@router.post("/inbound")
def inbound(body: InboundBody, request: Request, authorization: str = Header("")) -> dict:
    """One text message a requester sent to the hotline's number, posted by the gateway. A rating (1–4) of the
    latest case waiting for this requester's callback is recorded as the callback (`outcome` rated); anything else
    from a number with cases waits on the 回访台 (for_agent); a number with none is not kept (no_case)."""
    app = jiesu_app(request)
    check_machine_token(authorization, app.settings.sms_inbound_token, "JIESU_SMS_INBOUND_TOKEN", "短信回复",
                        "短信网关")
    received = sms_replies.receive(app, body.sender, body.text, body.id)
    return {"outcome": received.outcome, "ticket": received.ticket,
            "outcome_label": sms_replies.OUTCOME_LABELS[received.outcome]}
