"""A moment at the calendar's very ends has no UTC time (0001-01-01 east of UTC, 9999-12-31 west of it):
every field that takes one answers BAD_USER_INPUT, never INTERNAL; a moment just inside still answers."""

from __future__ import annotations

import pytest

from tests.gateway.conftest import HUB

OUTSIDE = ["0001-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]
INSIDE = ["0001-01-02T00:00:00", "9999-12-31T12:00:00+00:00"]


AS_OF = "query($id: ID!, $at: DateTime!) { organizationAsOf(id: $id, at: $at) { name } }"


@pytest.mark.parametrize("moment", OUTSIDE)
def test_organization_as_of_a_moment_past_the_ends_is_bad_input(gateway, moment):
    assert gateway.code("sqs-li", AS_OF, {"id": gateway.org_id(HUB), "at": moment}) == "BAD_USER_INPUT"


@pytest.mark.parametrize("moment", INSIDE)
def test_organization_as_of_a_moment_just_inside_answers(gateway, moment):
    # before the hub existed it was not there yet; at the far end it is as it stands
    assert gateway.code("sqs-li", AS_OF, {"id": gateway.org_id(HUB), "at": moment}) in (None, "NOT_FOUND")


@pytest.mark.parametrize("bound", ["since", "until"])
@pytest.mark.parametrize("moment", OUTSIDE + INSIDE)
def test_the_event_log_filtered_by_a_moment_at_the_ends(gateway, bound, moment):
    query = "query($m: DateTime!) { eventLog(filter: {%s: $m}) { events { position } } }" % bound
    code = gateway.code("audit-qian", query, {"m": moment})
    assert code == ("BAD_USER_INPUT" if moment in OUTSIDE else None)
