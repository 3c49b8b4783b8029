"""Request body size limit and per-client rate limits for the public endpoints."""

from __future__ import annotations

import threading
import time
from collections import deque

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jiesu.domain.errors import DomainError


class TooLarge(DomainError):
    code = "too_large"


class TooManyRequests(DomainError):
    code = "rate_limited"


class BodySizeLimit:
    """Refuse bodies over `limit` bytes with 413, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await self._refuse(send)
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise TooLarge(f"请求体超过 {self.limit // 1024 // 1024} MB", field="body")
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, send: Send) -> None:
        import json

        payload = json.dumps({"code": "too_large", "message": f"请求体超过 {self.limit // 1024 // 1024} MB",
                              "field": "body"}, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json; charset=utf-8")]})
        await send({"type": "http.response.body", "body": payload})


class RateLimiter:
    """At most `count` calls per `seconds` per key (the client address), in memory."""

    def __init__(self, count: int, seconds: float) -> None:
        self.count, self.seconds = count, seconds
        self.calls: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def check(self, key: str) -> None:
        now = time.monotonic()
        with self.lock:
            window = self.calls.setdefault(key, deque())
            while window and window[0] <= now - self.seconds:
                window.popleft()
            if len(window) >= self.count:
                raise TooManyRequests(f"操作过于频繁，请 {int(self.seconds)} 秒后再试", field="rate")
            window.append(now)
            if len(self.calls) > 100_000:
                self.calls.clear()
