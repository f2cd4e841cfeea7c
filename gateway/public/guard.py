"""What every answer of the public site passes through: a rate limit per client, the security headers, and
conditional requests answered from the public view's position (ETag, Last-Modified, 304).

The limit is the `limits` library's moving window in memory, per client address (behind the reverse proxy,
the address uvicorn takes from X-Forwarded-For of a trusted proxy); each gateway instance counts its own.
"""

from __future__ import annotations

import math
import time
from email.utils import formatdate, parsedate_to_datetime
from typing import Any

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    # No script at all: the pages are plain HTML and one stylesheet of this origin.
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none';"
                               " form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class RateLimited:
    """Counts each request of a client and answers 429 with Retry-After past the limit; adds the security
    headers to every answer, refusals included."""

    def __init__(self, app: ASGIApp, limit: str) -> None:
        self.app = app
        self.limits = parse_many(limit)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        refused = [item for item in self.limits if not self.limiter.hit(item, "public", client)]
        if refused:
            reset = max(self.limiter.get_window_stats(item, "public", client).reset_time for item in refused)
            wait = max(1, math.ceil(reset - time.time()))
            response = Response(f"Too many requests: try again in {wait} s. 请求过于频繁，请 {wait} 秒后再试。\n",
                                status_code=429, media_type="text/plain; charset=utf-8",
                                headers={"Retry-After": str(wait), **SECURITY_HEADERS})
            await response(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {name.lower() for name, _ in headers}
                headers.extend((k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()
                               if k.lower().encode() not in present)
            await send(message)

        await self.app(scope, receive, with_headers)


class Freshness:
    """The public view's position as a validator: ETag ``"p<position>"``, and as Last-Modified the time its
    event was recorded (looked up once a position)."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self._modified: tuple[int, str] = (-1, "")

    def position(self) -> int:
        return self.runtime.db.position("public_disclosure")

    def validators(self, position: int, variant: str = "") -> dict[str, str]:
        if self._modified[0] != position:
            events = self.runtime.app.read_events(position, 1) if position > 0 else []
            stamp = events[0].recorded_at.timestamp() if events else 0.0
            self._modified = (position, formatdate(stamp, usegmt=True))
        return {"ETag": f'"p{position}{variant}"', "Last-Modified": self._modified[1],
                "Cache-Control": "public, max-age=60", "X-Data-Position": str(position)}

    @staticmethod
    def not_modified(request: Request, validators: dict[str, str]) -> Response | None:
        """304 when the client's copy is current (If-None-Match first, as RFC 9110 says)."""
        headers: Headers = request.headers
        if "if-none-match" in headers:
            tags = {t.strip().removeprefix("W/") for t in headers["if-none-match"].split(",")}
            return Response(status_code=304, headers=validators) if validators["ETag"] in tags or "*" in tags else None
        since = headers.get("if-modified-since")
        if since:
            try:
                if parsedate_to_datetime(since) >= parsedate_to_datetime(validators["Last-Modified"]):
                    return Response(status_code=304, headers=validators)
            except (TypeError, ValueError, IndexError, OverflowError):
                return None  # an unreadable date is ignored, as RFC 9110 says
        return None
