"""The event history's JSON, written by orjson, reads back as what the standard library's encoder wrote."""

from __future__ import annotations

import json
from datetime import timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.context import Actor, Context
from domain.people import Person
from projections.history import _ENCODER, event_data_json

text = st.text(max_size=12)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), text, st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(), st.datetimes(), st.datetimes(timezones=st.just(timezone.utc)), st.uuids(),
    st.builds(Person, name=st.sampled_from(["丁春兰", "Li Wei"]), id_number=st.just("500103195108200430"),
              phone=st.just("023-00000043")),
    st.builds(Context, actor=st.just(Actor("u-1", "officer", "street_office", "officer")),
              reason=st.sampled_from(["社区社会组织备案", "annual check"]), occurred_on=st.dates()),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)), max_leaves=20)


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
