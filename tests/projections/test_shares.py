"""Shares of the log by organization: each event is applied by exactly one share, and with it every
event of the same organization (its projects', cases' and alerts' too)."""

from __future__ import annotations

from collections import Counter

import pytest

from gateway.demo import load_demo
from projections.runtime.shares import Share


@pytest.fixture(scope="module")
def demo_log(tmp_path_factory):
    from gateway.settings import Settings
    from gateway.storage import open_application

    app = open_application(Settings(data_dir=tmp_path_factory.mktemp("shares")))
    load_demo(app)
    stored = app.recorder.select_notifications(start=1, limit=1_000_000)
    events = {event.position: event for event in app.read_events(1, 1_000_000)}
    yield app, stored, events
    app.close()


def _organization_of(event, owners):
    if event.type.startswith("Organization."):
        return event.aggregate_id
    if event.version == 1:
        org = event.data.get("organization_id")
        owners[event.aggregate_id] = str(org) if org else None
    return owners[event.aggregate_id]


@pytest.mark.parametrize("count", [2, 3, 5])
def test_every_event_is_wanted_by_exactly_one_share_with_its_organization(demo_log, count):
    app, stored, events = demo_log
    shares = [Share(index, count, app.mapper.to_domain_event) for index in range(count)]
    wanted_by: Counter[int] = Counter()
    share_of_org: dict[str | None, set[int]] = {}
    owners: dict[str, str | None] = {}
    for record in stored:  # in the log's order, as a share sees them, before decoding
        org = _organization_of(events[record.id], owners)
        for share in shares:
            if share.wants(record):
                wanted_by[record.id] += 1
                share_of_org.setdefault(org, set()).add(share.index)
    assert set(wanted_by) == {record.id for record in stored} and set(wanted_by.values()) == {1}
    assert all(len(indexes) == 1 for indexes in share_of_org.values())
    assert share_of_org.get(None, {0}) == {0}  # sample draws belong to no organization: the first share
    assert len({i for indexes in share_of_org.values() for i in indexes}) == count  # every share has work


def test_a_share_that_missed_an_aggregate_s_first_event_refuses(demo_log):
    app, stored, events = demo_log
    later = next(r for r in stored if r.originator_version > 1 and not events[r.id].type.startswith("Organization."))
    with pytest.raises(ValueError, match="from its beginning"):
        Share(0, 2, app.mapper.to_domain_event).wants(later)


def test_a_share_index_must_be_below_the_count(demo_log):
    with pytest.raises(ValueError, match="from 0 to 1"):
        Share(2, 2, demo_log[0].mapper.to_domain_event)


@pytest.mark.parametrize("count", [2, 3])
def test_a_share_reads_from_the_database_exactly_what_the_library_would_give_it(make_app, count):
    """The share's own reader (its rows only, by two queries a batch) gives the events, the batch ends
    and so the tracking positions that filtering the library's reading gives, on both stores, with
    batches small enough that aggregates begin in one batch and go on in later ones."""
    from projections.views.catalog import all_views
    from projections.runtime.rebuild import scratch_of
    from projections.runtime.runner import ViewRunner

    app = make_app()
    load_demo(app)
    head = app.head_position()
    for index in range(count):
        runner = ViewRunner(make_app(), [scratch_of(view) for view in all_views()],
                            share=Share(index, count, app.mapper.to_domain_event))
        assert runner._reader is not None  # a file or a server: a connection of its own sees the store
        through_library = ViewRunner(make_app(), [scratch_of(view) for view in all_views()],
                                     share=Share(index, count, app.mapper.to_domain_event))
        batches: dict[str, list[tuple[int, list[int]]]] = {"reader": [], "library": []}
        for name, read in (("reader", runner._reader.read_batch), ("library", through_library.app.read_batch)):
            keep = (runner if name == "reader" else through_library)._wants
            start = 1
            while True:
                events, last = read(start, 7, head, keep)
                if not last:
                    break
                batches[name].append((last, [event.position for event in events]))
                start = last + 1
        runner.close()
        through_library.close()
        assert batches["reader"] == batches["library"]
        assert batches["reader"][-1][0] == head
        assert sum(len(positions) for _, positions in batches["reader"]) > 0
