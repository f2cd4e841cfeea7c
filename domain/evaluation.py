"""Evaluation (社会组织评估, 民政部令第39号): grades 1A–5A and who may be evaluated."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum

from domain.calendar import add_years
from domain.credit_lists import PenaltyRecord
from domain.settings import LocalitySettings


class InspectionResult(StrEnum):
    """Annual inspection (年检) conclusion."""

    QUALIFIED = "qualified"  # 合格
    BASICALLY_QUALIFIED = "basically_qualified"  # 基本合格
    UNQUALIFIED = "unqualified"  # 不合格


def grade_for_score(score: int, settings: LocalitySettings) -> int | None:
    """The grade (5 = 5A) a score on the 1000-point scale earns, or None below the lowest cut-off."""
    for grade, cutoff in settings.grade_cutoffs:
        if score >= cutoff:
            return grade
    return None


def evaluation_ineligibility_reasons(
    *,
    registered_on: date | None,
    inspection_results: Mapping[int, str],
    penalties: Iterable[PenaltyRecord],
    under_investigation: bool,
    on_abnormal_list: bool,
    on_serious_list: bool,
    today: date,
    settings: LocalitySettings,
) -> list[str]:
    """Every reason the organization may not be evaluated today; empty when it is eligible."""
    reasons = []
    if registered_on is None:
        reasons.append("only registered organizations are evaluated")
    elif today < add_years(registered_on, settings.evaluation_min_registered_years):
        reasons.append(f"registered less than {settings.evaluation_min_registered_years} full years")
    last_year = today.year - 1
    if inspection_results.get(last_year) == InspectionResult.UNQUALIFIED:
        reasons.append(f"failed the annual inspection of {last_year}")
    if (
        inspection_results.get(last_year) == InspectionResult.BASICALLY_QUALIFIED
        and inspection_results.get(last_year - 1) == InspectionResult.BASICALLY_QUALIFIED
    ):
        reasons.append(f"basically qualified in both {last_year - 1} and {last_year}")
    penalties = list(penalties)
    if any(p.imposed_on.year == last_year for p in penalties):
        reasons.append(f"penalized in {last_year}")
    if any(not p.executed for p in penalties):
        reasons.append("a penalty is not yet executed")
    if under_investigation:
        reasons.append("under investigation")
    if on_abnormal_list:
        reasons.append("on the abnormal activities list")
    if on_serious_list:
        reasons.append("on the serious illegal and dishonest list")
    return reasons


def eligible_for_evaluation(**facts) -> bool:  # type: ignore[no-untyped-def]
    """True when no eligibility rule is broken (see evaluation_ineligibility_reasons)."""
    return not evaluation_ineligibility_reasons(**facts)


def grade_valid_until(awarded_on: date, settings: LocalitySettings) -> date:
    return add_years(awarded_on, settings.grade_valid_years)
