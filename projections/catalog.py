"""Every department view, by name."""

from __future__ import annotations

from projections.alerts_view import AlertsView
from projections.finance import FinanceLedger
from projections.history import EventHistoryView
from projections.inspection_board import InspectionBoard
from projections.partners import PartnersView
from projections.party_building import PartyBuildingView
from projections.public_disclosure import PublicDisclosure
from projections.registry import CivilAffairsRegistry
from projections.street_office import StreetOfficeView
from projections.view import View

ALL_VIEWS: tuple[type[View], ...] = (
    CivilAffairsRegistry,
    StreetOfficeView,
    FinanceLedger,
    InspectionBoard,
    PartyBuildingView,
    PartnersView,
    PublicDisclosure,
    AlertsView,
    EventHistoryView,
)


def all_views(prefix: str = "") -> list[View]:
    """One instance of every view, its tables named with ``prefix`` (e.g. "scratch_" for a rebuild)."""
    return [view_class(prefix) for view_class in ALL_VIEWS]


def view_by_name(name: str, prefix: str = "") -> View:
    for view_class in ALL_VIEWS:
        if view_class.name == name:
            return view_class(prefix)
    known = ", ".join(view_class.name for view_class in ALL_VIEWS)
    raise KeyError(f"no view {name!r}; the views are: {known}")


# Each view's share of the work of applying the log, relative to the cheapest: its handlers' time alone
# over the district data (bench/scale.py), writing excluded. Used to split views between worker
# processes that rebuild side by side.
REBUILD_COST = {
    "event_history": 20, "finance_ledger": 12, "street_office": 11, "civil_affairs_registry": 6,
    "public_disclosure": 5, "inspection_board": 3, "partners": 3, "party_building": 2, "joint_alerts": 1,
}


def split_for_jobs(views: list[View], jobs: int) -> list[list[View]]:
    """The views in ``jobs`` groups of about equal cost (greedy: costliest first, to the lightest group).
    Every group also reads and decodes the whole log, which is why two groups are not twice as fast."""
    groups: list[list[View]] = [[] for _ in range(max(1, min(jobs, len(views))))]
    loads = [0] * len(groups)
    for view in sorted(views, key=lambda v: -REBUILD_COST.get(v.name, 1)):
        lightest = loads.index(min(loads))
        groups[lightest].append(view)
        loads[lightest] += REBUILD_COST.get(view.name, 1)
    return [group for group in groups if group]
