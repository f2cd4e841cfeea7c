"""A caller that loaded an organization (to check a permission) has the command decide on that very
version: a change in between is a concurrent update, not silently decided on a newer version."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import ConcurrentUpdate

ON = date(2024, 3, 1)


def count(story, org_id: str, members: int):
    return story.app.count_party_members(story.ctx(ON, by="party_building"), org_id, members=members)


def test_the_command_decides_on_the_organization_the_caller_loaded(story) -> None:
    org_id = story.register()
    checked = story.app.organization(org_id)
    with story.app.reusing(checked):
        count(story, org_id, 4)
    assert story.app.organization(org_id).version == checked.version  # the very instance was saved
    assert story.app.organization(org_id).party_members == 4


def test_a_change_after_the_caller_loaded_it_is_a_concurrent_update(story) -> None:
    org_id = story.register()
    checked = story.app.organization(org_id)
    count(story, org_id, 3)  # another writer, after the caller's check
    with story.app.reusing(checked), pytest.raises(ConcurrentUpdate):
        count(story, org_id, 5)
    assert story.app.organization(org_id).party_members == 3
    count(story, org_id, 5)  # outside, the command loads the organization afresh
    assert story.app.organization(org_id).party_members == 5


def test_the_loaded_organization_is_taken_once(story) -> None:
    org_id = story.register()
    checked = story.app.organization(org_id)
    with story.app.reusing(checked):
        assert story.app.organization(org_id) is checked
        assert story.app.organization(org_id) is not checked
