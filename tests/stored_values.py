"""Hypothesis strategies for what events store: scalars, the domain's value objects, nested lists and dicts."""

from __future__ import annotations

from datetime import timezone

from hypothesis import strategies as st

from domain.context import Actor, Context
from domain.people import Person

text = st.text(max_size=12)
value_objects = st.one_of(
    st.builds(Person, name=st.sampled_from(["丁春兰", "Li Wei"]), id_number=st.just("500103195108200430"),
              phone=st.just("023-00000043")),
    st.builds(Context, actor=st.just(Actor("u-1", "officer", "street_office", "officer")),
              reason=st.sampled_from(["社区社会组织备案", "annual check"]), occurred_on=st.dates()),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), text, st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.dates(), st.datetimes(timezones=st.just(timezone.utc)), st.uuids(), value_objects,
)


def nested(leaves: st.SearchStrategy) -> st.SearchStrategy:
    """Lists and dicts of ``leaves``, nested, up to 20 leaves."""
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)), max_leaves=20)


values = nested(scalars)
