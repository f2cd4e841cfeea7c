"""A cap on a request's size, checked before anything reads the body as JSON; and the JSON body of a refusal.

A body declared (Content-Length) above the cap is refused before a byte of it is read; one sent in chunks,
without a length, is counted as it arrives and refused as soon as it passes the cap. Either way the answer
is 413 with a JSON body, and the rest of the body is never read.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.graphql.errors import BAD_USER_INPUT


def refusal(status: int, message: str, code: str = BAD_USER_INPUT, reason: str | None = None) -> JSONResponse:
    """A request refused before GraphQL could run it, in the shape of a GraphQL error; ``reason``, where given,
    says which of the ways a request can be wrong it is, in a stable code."""
    extensions = {"code": code} | ({"reason": reason} if reason else {})
    return JSONResponse({"errors": [{"message": message, "extensions": extensions}]}, status_code=status)


def limit_body(app: ASGIApp, max_bytes: int, larger: dict[str, tuple[int, str]] | None = None) -> ASGIApp:
    """A plain ASGI middleware: the body is read here, within ``max_bytes``, and handed on whole. ``larger``
    gives a path its own cap and the setting that holds it (an Excel upload's, far above an operation's)."""
    caps = {path: (cap, f"the request body is larger than {cap} bytes ({setting})")
            for path, (cap, setting) in (larger or {}).items()}
    default = (max_bytes, f"the request body is larger than {max_bytes} bytes (LIANJIAN_MAX_REQUEST_BYTES)")

    async def limited(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        max_bytes, too_large = caps.get(scope["path"], default)
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > max_bytes:
                await refusal(413, too_large, reason="TOO_LARGE")(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                await refusal(413, too_large, reason="TOO_LARGE")(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        handed = False

        async def replay() -> Message:
            nonlocal handed
            if handed:
                return await receive()  # after the body: the disconnect, when it comes
            handed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await app(scope, replay, send)

    return limited
