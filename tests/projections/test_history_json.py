"""The event history's JSON, written by orjson, reads back as what the standard library's encoder wrote."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.views.history import _ENCODER, event_data_json
from stored_values import nested, scalars, text

# What history rows meet besides stored values: floats, and datetimes without a zone.
values = nested(st.one_of(scalars, st.floats(allow_nan=False, allow_infinity=False), st.datetimes()))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(text, values, max_size=6))
def test_orjson_writes_the_same_values_as_the_standard_encoder(data):
    written = event_data_json(data)
    assert json.loads(written) == json.loads(_ENCODER.encode(data))
    assert list(json.loads(written)) == sorted(data)  # keys sorted, as before


def test_what_orjson_refuses_is_written_by_the_standard_encoder():
    huge = {"count": 2**70, "名称": "社区"}
    assert json.loads(event_data_json(huge)) == {"count": 2**70, "名称": "社区"}
    assert "社区" in event_data_json(huge)  # not \\u-escaped
