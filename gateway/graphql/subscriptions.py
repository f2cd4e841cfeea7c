"""Subscriptions over websockets (graphql-transport-ws), authenticated by the token sent in connection_init."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from auth import policy
from gateway.graphql.context import caller, runtime
from gateway.graphql.queries import _filters, visible_alerts
from gateway.graphql.types import Alert

POLL_SECONDS = 0.5


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
        newest = await asyncio.to_thread(visible_alerts, rt, principal, limit=1)
        last = newest[0]["raised_position"] if newest else 0
        while True:
            caller(info)  # the socket's token may have expired since: UNAUTHENTICATED ends the feed and the socket
            rows = await asyncio.to_thread(visible_alerts, rt, principal, since=last, limit=100, **place)
            for row in rows:
                last = row["raised_position"]
                yield Alert.from_row(row)
            await asyncio.sleep(POLL_SECONDS)
