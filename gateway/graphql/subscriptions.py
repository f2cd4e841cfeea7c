"""Subscriptions over websockets (graphql-transport-ws), authenticated by the token sent in connection_init."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from typing import Any

import strawberry
from strawberry.types import Info

from auth import policy
from gateway.graphql.context import caller, runtime
from gateway.graphql.queries import _filters, visible_alerts
from gateway.graphql.types import Alert

POLL_SECONDS = 0.5


async def polled(info: Info, position: str, newest: Callable[[], list[dict[str, Any]]],
                 since: Callable[[int], list[dict[str, Any]]],
                 ready: Callable[[list[dict[str, Any]]], None] | None = None) -> AsyncGenerator[dict[str, Any], None]:
    """A live feed's rows, each once: those after the ``newest`` at subscription time, read ``since`` the last
    one every POLL_SECONDS (``ready`` first waits for what a batch needs, in a thread)."""
    found = await asyncio.to_thread(newest)
    last = found[0][position] if found else 0
    while True:
        caller(info)  # the socket's token may have expired since: UNAUTHENTICATED ends the feed and the socket
        rows = await asyncio.to_thread(since, last)
        if rows and ready is not None:
            await asyncio.to_thread(ready, rows)
        for row in rows:
            last = row[position]
            yield row
        await asyncio.sleep(POLL_SECONDS)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="New joint supervision alerts for the caller, as they are raised; "
                                         "street (and district): of one street within the caller's jurisdiction.")
    async def alert_raised(self, info: Info, street: str | None = None,
                           district: str | None = None) -> AsyncGenerator[Alert, None]:
        principal, rt = caller(info), runtime(info)
        policy.require_query(principal, "alerts")
        _filters(street=street, district=district)
        place = {"street": street, "district": district}
        async for row in polled(info, "raised_position", lambda: visible_alerts(rt, principal, limit=1),
                                lambda last: visible_alerts(rt, principal, since=last, limit=100, **place)):
            yield Alert.from_row(row)
