"""The `changed` subscription: every new event about an organization in the caller's reach, as ids and a
position only, so a page showing figures or lists of that place knows to read them again. Merged into the
schema's Subscription type beside gateway/graphql/subscriptions.py.

Who may subscribe, and which events each gets, is what organizationHistory shows: the caller's jurisdiction
(of one street within it, when named), a partner department its own events only. An event is sent once the
views have applied it, so a page that reads again on it reads what it changed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.types import Info

from auth import policy
from gateway.graphql.context import caller, runtime
from gateway.graphql.queries import _filters, in_reach

POLL_SECONDS = 0.5
BATCH = 100
VIEWS_WAIT_SECONDS = 2.0  # at most this long for the views to apply an event before it is sent anyway


@strawberry.type(description="Something was recorded about an organization in the caller's reach.")
class Change:
    position: int
    organization_id: strawberry.ID
    aggregate_id: strawberry.ID


def changes_in_reach(rt: Any, principal: Any, *, since: int | None = None, limit: int = BATCH,
                     street: str | None = None, district: str | None = None) -> list[dict[str, Any]]:
    """Events of the history index about organizations the caller may see, after position ``since`` (oldest
    first), or the newest one when ``since`` is None."""
    condition, params = in_reach(rt, principal, "org_id", street=street, district=district)
    where = [condition]
    own = policy.own_events_only(principal)
    if own:
        where.append("department = ?")
        params.append(own)
    if since is not None:
        where.append("position > ?")
        params.append(since)
    order = "ASC" if since is not None else "DESC"
    table = rt.view("event_history").t("events")
    with rt.db.transaction(commit=False) as tx:
        return tx.rows(f"SELECT position, org_id, aggregate_id FROM {table} WHERE org_id IS NOT NULL AND "
                       f"{' AND '.join(where)} ORDER BY position {order} LIMIT ?", [*params, limit])


def _views_applied(rt: Any, position: int) -> None:
    deadline = time.monotonic() + VIEWS_WAIT_SECONDS
    for name in rt.views:
        if not rt.wait_for(name, position, timeout=max(0.0, deadline - time.monotonic())):
            return


@strawberry.type
class ChangeSubscription:
    @strawberry.subscription(description="Each new event about an organization in the caller's reach (ids and "
                                         "position only), once the views have applied it; street (and district): "
                                         "of one street within the caller's jurisdiction.")
    async def changed(self, info: Info, street: str | None = None,
                      district: str | None = None) -> AsyncGenerator[Change, None]:
        principal, rt = caller(info), runtime(info)
        policy.require_query(principal, "organizationHistory")
        _filters(street=street, district=district)
        place = {"street": street, "district": district}
        newest = await asyncio.to_thread(changes_in_reach, rt, principal, limit=1)
        last = newest[0]["position"] if newest else 0
        while True:
            caller(info)  # the socket's token may have expired since: UNAUTHENTICATED ends the feed and the socket
            rows = await asyncio.to_thread(changes_in_reach, rt, principal, since=last, **place)
            if rows:
                await asyncio.to_thread(_views_applied, rt, rows[-1]["position"])
            for row in rows:
                last = row["position"]
                yield Change(position=row["position"], organization_id=row["org_id"], aggregate_id=row["aggregate_id"])
            await asyncio.sleep(POLL_SECONDS)
