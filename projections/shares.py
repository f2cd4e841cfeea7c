"""One share of the log, by organization: what each of several processes rebuilding side by side applies.

Every row of every view belongs to one organization (its own, its projects', cases' and alerts'), except
the sample draws, which go to share 0. So the processes write disjoint rows, and each decodes only its
own events: an organization's by its id, any other aggregate's by the organization its first event
names (read once, as every share must, to learn whose it is).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.application import RecordedEvent, event_type_name


@dataclass
class Share:
    index: int  # 0 … count - 1
    count: int
    _mine: dict[Any, bool] = field(default_factory=dict, repr=False)  # aggregate id -> in this share

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
        """Before decoding a batch: may this stored event be ours? An aggregate first seen in this
        batch is not known yet: its events are decoded, and ``keeps`` decides."""
        known = self._mine.get(stored.originator_id)
        if known is not None:
            return known
        if event_type_name(stored.topic).startswith("Organization."):
            return self.owns_organization(stored.originator_id)
        return True

    def keeps(self, event: RecordedEvent) -> bool:
        """After decoding, in order: is this event ours? A first event says whose its aggregate is."""
        aggregate_id = event.domain_event.originator_id
        if event.version != 1:
            known = self._mine.get(aggregate_id)
            if known is None:
                raise ValueError(f"{event.aggregate_id}: a share of the log is applied from its beginning")
            return known
        if event.type.startswith("Organization."):
            mine = self.owns_organization(aggregate_id)
        else:
            org_id = event.data.get("organization_id")
            mine = self.owns_organization(org_id) if org_id else self.index == 0
        self._mine[aggregate_id] = mine
        return mine
