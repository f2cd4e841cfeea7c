"""The websocket side of /graphql (graphql-transport-ws): a socket's token is checked on every operation,
and a socket whose token is refused is closed.

The token comes once, in connection_init, and a socket may stay open for hours. Each ``subscribe`` (query,
mutation or subscription) checks it first; a running ``alertRaised`` checks it on every poll. An operation
answered UNAUTHENTICATED (the token malformed, invalid or expired) gets that error, and the socket is then
closed with 4401 Unauthorized, the error's message as the reason: the client signs in again (a new token)
and opens a new socket. Nothing more is sent on it.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

from gateway.graphql.errors import UNAUTHENTICATED

UNAUTHORIZED = 4401  # graphql-transport-ws's "Unauthorized"
CLOSE_REASON_BYTES = 123  # the most a close frame's reason may hold


class TokenCheckingHandler(BaseGraphQLTransportWSHandler):
    closed = False

    async def handle_subscribe(self, message: Any) -> None:
        operation = message.get("id") if isinstance(message, dict) else None
        if self.connection_acknowledged and isinstance(operation, str) and operation not in self.operations:
            try:
                self.context.principal  # noqa: B018 - verified again once the token's exp has passed
            except GraphQLError as error:
                await self.send_message({"id": operation, "type": "error", "payload": [error.formatted]})
                return
        await super().handle_subscribe(message)

    async def send_message(self, message: Any) -> None:
        if self.closed:
            return
        await super().send_message(message)
        reason = _unauthenticated(message)
        if reason is not None:
            self.closed = True
            await self.websocket.close(code=UNAUTHORIZED, reason=_fit(reason))


def _unauthenticated(message: Any) -> str | None:
    """The message of an UNAUTHENTICATED error an operation is answered with, if it is."""
    kind, payload = message.get("type"), message.get("payload")
    if kind == "error":
        errors = payload
    elif kind == "next" and isinstance(payload, dict):
        errors = payload.get("errors")
    else:
        return None
    for error in errors or ():
        if isinstance(error, dict) and (error.get("extensions") or {}).get("code") == UNAUTHENTICATED:
            return str(error.get("message") or "unauthenticated")
    return None


def _fit(reason: str) -> str:
    encoded = reason.encode()
    if len(encoded) <= CLOSE_REASON_BYTES:
        return reason
    return encoded[:CLOSE_REASON_BYTES - 3].decode(errors="ignore") + "..."
