"""Principal: jurisdiction containment, the actor it records as, and the anonymous public."""

from __future__ import annotations

import dataclasses

import pytest

from auth.principal import ANONYMOUS, NotAnActor, Principal, display_name_of
from domain.context import Actor, Department


def person(department: Department | None, jurisdiction: str | None, *roles: str) -> Principal:
    return Principal(user_id="u-1", username="someone", display_name="某人", department=department,
                     roles=frozenset(roles), jurisdiction=jurisdiction)


DISTRICT = person(Department.CIVIL_AFFAIRS, "yuzhong", "civil_affairs_officer")
SHANGQINGSI = person(Department.STREET_OFFICE, "yuzhong/shangqingsi", "street_officer")
COMMUNITY = person(Department.STREET_OFFICE, "yuzhong/shangqingsi/xuetianwan", "street_officer")


@pytest.mark.parametrize(("principal", "place", "inside"), [
    (DISTRICT, ("yuzhong", "shangqingsi"), True),
    (DISTRICT, ("yuzhong", "hualongqiao"), True),
    (DISTRICT, ("yuzhong", None), True),
    (DISTRICT, ("jiangbei", "guanyinqiao"), False),
    (DISTRICT, (None, None), False),
    (SHANGQINGSI, ("yuzhong", "shangqingsi"), True),
    (SHANGQINGSI, ("yuzhong", "hualongqiao"), False),
    (SHANGQINGSI, ("yuzhong", None), False),  # street unknown: not provably inside
    (SHANGQINGSI, ("jiangbei", "shangqingsi"), False),  # same street name, other district
    (COMMUNITY, ("yuzhong", "shangqingsi"), False),
    (ANONYMOUS, ("yuzhong", "shangqingsi"), False),
    (person(Department.FINANCE, None, "finance_officer"), ("yuzhong", None), False),
])
def test_in_jurisdiction(principal, place, inside):
    assert principal.in_jurisdiction(*place) is inside


def test_community_level_jurisdiction():
    assert COMMUNITY.in_jurisdiction("yuzhong", "shangqingsi", "xuetianwan")
    assert not COMMUNITY.in_jurisdiction("yuzhong", "shangqingsi", "chunsenlu")
    assert SHANGQINGSI.in_jurisdiction("yuzhong", "shangqingsi", "chunsenlu")


@pytest.mark.parametrize("bad", ["Yuzhong", "yuzhong//x", "a/b/c/d", "yu zhong", "../etc"])
def test_malformed_jurisdiction_is_refused(bad):
    with pytest.raises(ValueError):
        person(Department.CIVIL_AFFAIRS, bad)


def test_jurisdiction_is_normalized():
    assert person(Department.CIVIL_AFFAIRS, "/yuzhong/").jurisdiction == "yuzhong"
    assert person(Department.CIVIL_AFFAIRS, "").jurisdiction is None


def test_to_actor_uses_the_main_role():
    actor = person(Department.STREET_OFFICE, "yuzhong/shangqingsi", "street_officer", "viewer").to_actor()
    assert actor == Actor(user_id="u-1", username="someone", department=Department.STREET_OFFICE, role="street_officer")


def test_the_public_is_no_actor():
    assert ANONYMOUS.is_public and ANONYMOUS.department is None and ANONYMOUS.roles == frozenset()
    with pytest.raises(NotAnActor):
        ANONYMOUS.to_actor()


def test_principal_is_frozen_and_hashable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DISTRICT.jurisdiction = "jiangbei"  # type: ignore[misc]
    assert len({DISTRICT, DISTRICT, SHANGQINGSI}) == 2


def test_department_is_coerced():
    assert person("tax", "yuzhong").department is Department.TAX  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        person("police", "yuzhong")  # type: ignore[arg-type]


def test_display_names():
    assert display_name_of("伟", "张", "伟 张", "ca-zhang") == "张伟"
    assert display_name_of("Wei", "Zhang", None, "ca-zhang") == "Wei Zhang"
    assert display_name_of(None, None, None, "ca-zhang") == "ca-zhang"
