"""One share of the log, by organization: what each of several processes rebuilding side by side applies.

Every row of every view belongs to one organization (its own, its projects', cases' and alerts'), except
the sample draws, which go to share 0. So the processes write disjoint rows, and each decodes only its
own events: an organization's by its id, any other aggregate's by the organization its first event
names (that first event is decoded by every share, to learn whose the aggregate is).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.application import event_type_name


@dataclass
class Share:
    index: int  # 0 … count - 1
    count: int
    decode: Callable[[Any], Any]  # a stored event to its domain event (the application's mapper)
    _mine: dict[Any, bool] = field(default_factory=dict, repr=False)  # aggregate id -> in this share
    _organization_topics: dict[str, bool] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise ValueError(f"share {self.index} of {self.count}: the index must be from 0 to {self.count - 1}")

    def tracked_as(self, tracking_name: str) -> str:
        """A view's tracking name in this share: the processes of one rebuild track apart."""
        return f"{tracking_name}~{self.index + 1}of{self.count}"

    def owns_organization(self, org_id: Any) -> bool:
        org = org_id if isinstance(org_id, UUID) else UUID(str(org_id))
        return org.int % self.count == self.index

    def wants(self, stored: Any) -> bool:
        """Is this stored event ours? Seen in the log's order, before any decoding (but of the first
        event of an aggregate other than an organization)."""
        known = self._mine.get(stored.originator_id)
        if known is not None:
            return known
        topic = stored.topic
        is_organization = self._organization_topics.get(topic)
        if is_organization is None:
            is_organization = self._organization_topics[topic] = event_type_name(topic).startswith("Organization.")
        if is_organization:
            return self.owns_organization(stored.originator_id)
        if stored.originator_version != 1:
            raise ValueError(f"{stored.originator_id}: a share of the log is applied from its beginning")
        org_id = getattr(self.decode(stored), "organization_id", None)
        mine = self._mine[stored.originator_id] = self.owns_organization(org_id) if org_id else self.index == 0
        return mine
