"""Stored events read back by orjson give exactly what the library's own JSON decoder gives."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.application import Supervision
from domain.transcodings import StoredJSONTranscoder
from stored_values import text, values


def _transcoders() -> tuple[JSONTranscoder, StoredJSONTranscoder]:
    app = Supervision(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    library = JSONTranscoder()
    app.register_transcodings(library)
    assert isinstance(app.mapper.transcoder, StoredJSONTranscoder)
    return library, app.mapper.transcoder


LIBRARY, OURS = _transcoders()

@settings(max_examples=300, deadline=None)
@given(state=st.dictionaries(text, values, max_size=6))
def test_reads_back_what_the_library_reads_back(state):
    stored = LIBRARY.encode(state)
    assert OURS.encode(state) == stored  # writing is the library's own
    assert OURS.decode(stored) == LIBRARY.decode(stored) == state


def test_what_orjson_refuses_is_read_by_the_library():
    stored = LIBRARY.encode({"big": 2**70, "when": date(2026, 1, 1), "amount": Decimal("1.50")})
    assert OURS.decode(stored) == {"big": 2**70, "when": date(2026, 1, 1), "amount": Decimal("1.50")}


@pytest.mark.parametrize("state", [{"": -2**63 - 1}, {"n": [1, 2**64]}, {"a": {"b": [{"c": -2**64 - 5}]}}, [2**64], 2**64],
                         ids=["in a dict", "in a list", "nested", "in a list alone", "alone"])
def test_integers_orjson_reads_as_floats_stay_integers(state):
    # orjson reads these as floats without a word (found by the test above, one run in many).
    stored = LIBRARY.encode(state)
    assert OURS.decode(stored) == LIBRARY.decode(stored) == state
    assert repr(OURS.decode(stored)) == repr(state)


def test_an_unknown_type_is_an_error_not_a_dict():
    with pytest.raises(TranscodingNotRegisteredError):
        OURS.decode(b'{"x": {"_type_": "no_such_type", "_data_": 1}}')
    lookalike = b'{"x": {"_type_": "date_iso", "other": 1}}'  # not a marker: two keys, but not these
    assert OURS.decode(lookalike) == LIBRARY.decode(lookalike)

