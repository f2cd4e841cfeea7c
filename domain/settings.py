"""The numbers that vary by locality (docs/domain.md, "Settings that vary by locality"), in one object.

The domain reads them from here; the entrypoints build the object from the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


# Default deadlines by alert rule: a notice to read and act on in five working days; a listing proposal in ten
# (the registration authority's own decision); a party organization to set up in twenty.
TASK_DUE_WORKING_DAYS: dict[str, int] = {
    "funding_to_ineligible": 5,
    "ended_with_open_funding": 5,
    "organization_listed": 5,
    "objection_undecided": 5,
    "rectification_overdue": 10,
    "annual_report_missing": 10,
    "partner_penalty": 10,
    "court_dishonest_debtor": 10,
    "abnormal_two_years": 10,
    "graded_on_serious_list": 10,
    "revocation_requested": 10,
    "party_organization_missing": 20,
}


@dataclass(frozen=True)
class LocalitySettings:
    # Annual report (年度报告) is due on this month and day of the following year.
    annual_report_due_month: int = 5
    annual_report_due_day: int = 31
    # Yearly random inspection sample (双随机): at least this share of the population.
    sample_ratio: Decimal = Decimal("0.03")
    min_inspectors: int = 2
    # Evaluation (社会组织评估): lowest score on the 1000-point scale for each grade, highest grade first.
    grade_cutoffs: tuple[tuple[int, int], ...] = ((5, 900), (4, 800), (3, 700), (2, 600), (1, 500))
    grade_valid_years: int = 5
    evaluation_min_registered_years: int = 2
    # Credit lists (社会组织信用信息管理办法).
    abnormal_auto_exit_months: int = 6
    abnormal_escalation_years: int = 2
    abnormal_removal_working_days: int = 5
    serious_exit_years: int = 2
    large_fine: Decimal = Decimal("50000")
    repeated_penalty_count: int = 2
    repeated_penalty_years: int = 3
    # No new purchase-of-service award while on the abnormal list (local measures, e.g. Xiamen's, restrict it).
    abnormal_list_bars_award: bool = True
    # 联合惩戒: an organization on either list weighs this many times more in the yearly random draw.
    listed_draw_weight: int = 3
    # 守信激励: good credit is a grade at least this high (3 = 3A) and never a listing; a priority mark in funding.
    good_credit_min_grade: int = 3
    # An objection (异议) to a listing is decided within this many working days of its filing.
    objection_working_days: int = 10
    # Tasks (督办): working days from an alert or proposal to its deadline, by rule (others: the default);
    # the owner is reminded this many working days before; overdue, it escalates to civil affairs and the street.
    task_due_working_days: dict[str, int] = field(default_factory=lambda: dict(TASK_DUE_WORKING_DAYS))
    task_default_working_days: int = 10
    task_reminder_working_days: int = 2
    # Party building: a party organization of its own (单独组建) needs at least this many members.
    party_single_min_members: int = 3
    # Where community organizations are filed: "street" (街道备案) or "county" (县级民政备案, street manages).
    community_filing_authority: str = "street"
    grade_names: dict[int, str] = field(
        default_factory=lambda: {5: "5A", 4: "4A", 3: "3A", 2: "2A", 1: "1A"}
    )

    def __post_init__(self) -> None:
        if not 1 <= self.annual_report_due_month <= 12:
            raise ValueError("annual_report_due_month must be 1..12")
        if not Decimal(0) < self.sample_ratio <= 1:
            raise ValueError("sample_ratio must be in (0, 1]")
        if self.community_filing_authority not in ("street", "county"):
            raise ValueError("community_filing_authority must be 'street' or 'county'")
        if any(days < 1 for days in self.task_due_working_days.values()) or self.task_default_working_days < 1:
            raise ValueError("a task's working days must be at least 1")
        if self.task_reminder_working_days < 0:
            raise ValueError("task_reminder_working_days must not be negative")
        scores = [score for _, score in self.grade_cutoffs]
        if scores != sorted(scores, reverse=True):
            raise ValueError("grade_cutoffs must go from the highest grade down")


DEFAULT_SETTINGS = LocalitySettings()
