"""The `changed` subscription: every new event about an organization in the caller's reach, as ids and a
position only, so a page showing figures or lists of that place knows to read them again. Merged into the
schema's Subscription type beside gateway/graphql/subscriptions.py.

Who may subscribe, and which events each gets, is what organizationHistory shows: the caller's jurisdiction
(of one street within it, when named), a partner department its own events only. An event is sent once the
views have applied it, so a page that reads again on it reads what it changed."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.types import Info

from auth import policy
from gateway.graphql.context import caller, runtime
from gateway.graphql.queries import _filters, feed_rows, in_reach
from gateway.graphql.subscriptions import polled

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
    return feed_rows(rt, rt.view("event_history").t("events"), "position, org_id, aggregate_id", "position",
                     ["org_id IS NOT NULL", *where], params, since, limit)


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
        async for row in polled(info, "position", lambda: changes_in_reach(rt, principal, limit=1),
                                lambda last: changes_in_reach(rt, principal, since=last, **place),
                                ready=lambda rows: _views_applied(rt, rows[-1]["position"])):
            yield Change(position=row["position"], organization_id=row["org_id"], aggregate_id=row["aggregate_id"])
