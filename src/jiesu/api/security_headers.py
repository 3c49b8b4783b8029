"""Headers every answer carries so that a browser does not misuse it: no page may be shown inside another site's
frame (clickjacking a 派单 or 签收 button), no answer is read as another type than it says, and no address of ours
(a photo's sealed link, a search) is sent on to other sites as the referrer. A plain ASGI wrapper: nothing per
request but adding the headers (a `BaseHTTPMiddleware` would cost the intake path a task per request)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
           (b"content-security-policy", b"frame-ancestors 'none'"), (b"referrer-policy", b"same-origin")]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((name, value) for name, value in HEADERS if name not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)
