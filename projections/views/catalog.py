"""Every department view, by name."""

from __future__ import annotations

from projections.views.alerts import AlertsView
from projections.views.finance import FinanceLedger
from projections.views.history import EventHistoryView
from projections.views.inspection_board import InspectionBoard
from projections.views.partners import PartnersView
from projections.views.party_building import PartyBuildingView
from projections.views.public_disclosure import PublicDisclosure
from projections.views.registry import CivilAffairsRegistry
from projections.views.street_office import StreetOfficeView
from projections.views.base import View

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

