"""Who is calling: the identity the gateway hands to the access policy, as the identity provider named it.

A principal comes from a verified access token (auth/tokens.py, auth/dev.py) or is the anonymous public.
Jurisdiction is a path down the tree district → street → community, e.g. ``yuzhong`` (渝中区, the whole
district) or ``yuzhong/shangqingsi`` (上清寺街道 only); a principal with no jurisdiction acts nowhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.context import Actor, Department

# The realm roles of infra/keycloak/realm-lianjian.json, in the order that picks a principal's main role.
CIVIL_AFFAIRS_OFFICER = "civil_affairs_officer"
STREET_OFFICER = "street_officer"
FINANCE_OFFICER = "finance_officer"
INSPECTOR = "inspector"
PARTY_BUILDING_OFFICER = "party_building_officer"
PARTNER_OFFICER = "partner_officer"
AUDITOR = "auditor"
ROLES: tuple[str, ...] = (
    CIVIL_AFFAIRS_OFFICER, STREET_OFFICER, FINANCE_OFFICER, INSPECTOR, PARTY_BUILDING_OFFICER,
    PARTNER_OFFICER, AUDITOR,
)

# Departments a person can belong to: SYSTEM is Lianjian's own rules, never a token's department.
PERSON_DEPARTMENTS = frozenset(Department) - {Department.SYSTEM}

_SEGMENT = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class NotAnActor(Exception):
    """The principal may not give commands (the public, or a user without a department)."""


def parse_jurisdiction(value: str | None) -> str | None:
    """A normalized jurisdiction path ('yuzhong', 'yuzhong/shangqingsi'), or None when empty.

    Raises ValueError for a malformed path (empty segment, upper case, spaces, more than 3 levels).
    """
    if value is None:
        return None
    value = value.strip().strip("/")
    if not value:
        return None
    parts = value.split("/")
    if len(parts) > 3 or not all(_SEGMENT.match(part) for part in parts):
        raise ValueError(f"malformed jurisdiction {value!r}")
    return "/".join(parts)


def display_name_of(given_name: str | None, family_name: str | None, name: str | None, username: str) -> str:
    """张伟 for a Chinese name (family name first, no space), 'Wei Zhang' otherwise; else name, else username."""
    given, family = (given_name or "").strip(), (family_name or "").strip()
    if given and family:
        if _CJK.search(given + family):
            return family + given
        return f"{given} {family}"
    return given or family or (name or "").strip() or username


@dataclass(frozen=True)
class Principal:
    user_id: str
    username: str
    display_name: str
    department: Department | None  # None: the public
    roles: frozenset[str] = field(default_factory=frozenset)
    jurisdiction: str | None = None  # 'yuzhong', 'yuzhong/shangqingsi'; None: nowhere

    def __post_init__(self) -> None:
        if self.department is not None:
            object.__setattr__(self, "department", Department(self.department))
        object.__setattr__(self, "roles", frozenset(self.roles))
        object.__setattr__(self, "jurisdiction", parse_jurisdiction(self.jurisdiction))

    @property
    def is_public(self) -> bool:
        return self.department is None

    @property
    def role(self) -> str | None:
        """The main role: the first of ROLES the principal has, else any role it has (sorted), else None."""
        for role in ROLES:
            if role in self.roles:
                return role
        return min(self.roles) if self.roles else None

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def in_jurisdiction(self, district: str | None, street: str | None = None, community: str | None = None) -> bool:
        """Whether a place (district, street, community) lies inside this principal's jurisdiction.

        A district officer ('yuzhong') covers every street of yuzhong; a street officer
        ('yuzhong/shangqingsi') covers only that street, so a place whose street is unknown is outside.
        The public and principals without a jurisdiction cover nothing.
        """
        if self.jurisdiction is None or not district:
            return False
        mine = self.jurisdiction.split("/")
        place: list[str] = [district]
        for part in (street, community):
            if not part:
                break
            place.append(part)
        return len(place) >= len(mine) and place[: len(mine)] == mine

    def to_actor(self) -> Actor:
        """The actor recorded on the events of this principal's commands."""
        if self.department is None:
            raise NotAnActor("the public may not give commands")
        return Actor(user_id=self.user_id, username=self.username, department=self.department,
                     role=self.role or "")


ANONYMOUS = Principal(user_id="", username="", display_name="公众", department=None, roles=frozenset(),
                      jurisdiction=None)
PUBLIC = ANONYMOUS
