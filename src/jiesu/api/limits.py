"""Request body size limit and per-client rate limits for the public endpoints."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jiesu.domain.errors import DomainError, TooManyRequests


class TooLarge(DomainError):
    code = "too_large"


class BodySizeLimit:
    """Refuse bodies over `limit` bytes with 413, whether announced by Content-Length or streamed; `larger`: the
    paths (a pattern matching the whole path) that take a larger body, and how large."""

    def __init__(self, app: ASGIApp, limit: int, larger: tuple[re.Pattern, int] | None = None) -> None:
        self.app, self.limit, self.larger = app, limit, larger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit
        if self.larger is not None and self.larger[0].fullmatch(scope.get("path", "")):
            limit = self.larger[1]
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return await self._refuse(send, limit)
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise TooLarge(f"请求体超过 {limit // 1024 // 1024} MB", field="body")
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, send: Send, limit: int) -> None:
        import json

        payload = json.dumps({"code": "too_large", "message": f"请求体超过 {limit // 1024 // 1024} MB",
                              "field": "body"}, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json; charset=utf-8")]})
        await send({"type": "http.response.body", "body": payload})


class RateLimiter:
    """At most `count` calls per `seconds` per key (the client address, the Open311 client, the login), counted in
    the database so that every server process shares one count (a count in each process's memory let N workers
    allow N times the rate). A sliding-window estimate: the calls of this window plus those of the previous one,
    weighted by the part of it that still lies within the last `seconds`. Refused calls count too, so a client
    that keeps trying stays refused until it slows down."""

    def __init__(self, app, name: str, count: int, seconds: int) -> None:
        self.app, self.name, self.count, self.seconds = app, name, count, seconds

    def check(self, key: str) -> None:
        from jiesu.services.rate_limits import hit

        moment = self.app.now().timestamp() / self.seconds
        current, previous = hit(self.app, f"{self.name}:{key}"[:200], int(moment))
        if current + previous * (1 - (moment - int(moment))) > self.count:
            raise TooManyRequests(f"操作过于频繁，请 {int(self.seconds)} 秒后再试", field="rate")


def client_key(request) -> str:
    """Whom a rate limit counts: the client's address (behind a proxy, as uvicorn's --forwarded-allow-ips gives it)."""
    return request.client.host if request.client else "unknown"
