"""Credit-list rules (社会组织信用信息管理办法, 民政部令第60号).

Two lists: the abnormal activities list (活动异常名录) and the serious illegal and dishonest list
(严重违法失信名单). Each rule is a function named for what it decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from datetime import date
from decimal import Decimal
from enum import StrEnum

from domain.base import event_id
from domain.calendar import add_months, add_working_days, add_years
from domain.settings import LocalitySettings


class CreditList(StrEnum):
    ABNORMAL = "abnormal"  # 活动异常名录
    SERIOUS = "serious"  # 严重违法失信名单


class AbnormalGround(StrEnum):
    ANNUAL_REPORT_MISSING = "annual_report_missing"  # 未按规定报送年度报告
    ANNUAL_REPORT_LATE = "annual_report_late"
    NO_PARTY_ORGANIZATION = "no_party_organization"
    RECTIFICATION_OVERDUE = "rectification_overdue"  # 未按期整改
    # 具有公开募捐资格的慈善组织存在《慈善组织公开募捐管理办法》第二十一条情形: no longer meets the qualification's
    # conditions, or has held no public fundraising for six months or more
    PUBLIC_FUNDRAISING_BREACH = "public_fundraising_breach"
    WARNING_OR_SMALL_FINE = "warning_or_small_fine"  # 受到警告或不满5万元罚款
    UNREACHABLE_AT_DOMICILE = "unreachable_at_domicile"  # 通过登记的住所无法取得联系


class SeriousGround(StrEnum):
    ABNORMAL_TWO_YEARS = "abnormal_two_years"  # 列入活动异常名录满2年
    FRAUDULENT_CHANGE_REVOKED = "fraudulent_change_revoked"  # 弄虚作假办理变更登记被撤销
    ORDERED_TO_STOP_ACTIVITIES = "ordered_to_stop_activities"  # 被责令停止活动
    LARGE_FINE = "large_fine"  # 受到5万元以上罚款
    REPEATED_MINOR_PENALTIES = "repeated_minor_penalties"  # 3年内2次以上警告或不满5万元罚款
    COURT_DISHONEST_DEBTOR = "court_dishonest_debtor"  # 被人民法院列为失信被执行人
    CERTIFICATE_REVOKED = "certificate_revoked"  # 被撤销登记或吊销登记证书


class PenaltyKind(StrEnum):
    WARNING = "warning"  # 警告
    FINE = "fine"  # 罚款
    CONFISCATION = "confiscation"  # 没收违法所得 / 非法财产
    STOP_ACTIVITIES = "stop_activities"  # 责令停止活动
    REVOCATION = "revocation"  # 撤销登记 / 吊销登记证书


# The article and item of 民政部令第60号 each ground applies, and the ground in words as it is published.
# docs/credit.md says which of these numbers were confirmed against the promulgated text.
ABNORMAL_ARTICLE = 10  # 列入活动异常名录
SERIOUS_ARTICLE = 14  # 列入严重违法失信名单
EXEMPTION_ARTICLE = 11  # 业务主管单位书面证明不负直接责任, 可以不列入


@dataclass(frozen=True)
class Basis:
    article: int
    item: int
    words: str

    @property
    def citation(self) -> str:
        return f"《社会组织信用信息管理办法》第{_zh_number(self.article)}条第（{_zh_number(self.item)}）项"


GROUND_BASIS: dict[str, Basis] = {
    AbnormalGround.ANNUAL_REPORT_MISSING: Basis(ABNORMAL_ARTICLE, 1, "未按照规定时限和要求报送年度工作报告"),
    AbnormalGround.ANNUAL_REPORT_LATE: Basis(ABNORMAL_ARTICLE, 1, "未按照规定时限报送年度工作报告"),
    AbnormalGround.NO_PARTY_ORGANIZATION: Basis(ABNORMAL_ARTICLE, 2, "未按照有关规定设立党组织"),
    AbnormalGround.RECTIFICATION_OVERDUE: Basis(ABNORMAL_ARTICLE, 3, "未按期完成整改"),
    AbnormalGround.PUBLIC_FUNDRAISING_BREACH: Basis(
        ABNORMAL_ARTICLE, 4, "具有公开募捐资格的慈善组织，存在《慈善组织公开募捐管理办法》第二十一条规定情形"),
    AbnormalGround.WARNING_OR_SMALL_FINE: Basis(ABNORMAL_ARTICLE, 5, "受到警告或者不满5万元罚款处罚"),
    AbnormalGround.UNREACHABLE_AT_DOMICILE: Basis(ABNORMAL_ARTICLE, 6, "通过登记的住所无法与社会组织取得联系"),
    SeriousGround.ABNORMAL_TWO_YEARS: Basis(SERIOUS_ARTICLE, 1, "被列入活动异常名录满2年"),
    SeriousGround.FRAUDULENT_CHANGE_REVOKED: Basis(SERIOUS_ARTICLE, 2, "弄虚作假办理变更登记，被撤销变更登记"),
    SeriousGround.ORDERED_TO_STOP_ACTIVITIES: Basis(SERIOUS_ARTICLE, 3, "受到限期停止活动行政处罚"),
    SeriousGround.LARGE_FINE: Basis(SERIOUS_ARTICLE, 4, "受到5万元以上罚款处罚"),
    SeriousGround.REPEATED_MINOR_PENALTIES: Basis(SERIOUS_ARTICLE, 5, "三年内两次以上受到警告或者不满5万元罚款处罚"),
    SeriousGround.COURT_DISHONEST_DEBTOR: Basis(SERIOUS_ARTICLE, 6, "被司法机关纳入失信被执行人名单"),
    SeriousGround.CERTIFICATE_REVOKED: Basis(SERIOUS_ARTICLE, 7, "被登记管理机关作出吊销登记证书、撤销成（设）立登记决定"),
}


def _zh_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def list_of(ground: str) -> CreditList:
    """The list a ground belongs to."""
    return CreditList.ABNORMAL if ground in {g.value for g in AbnormalGround} else CreditList.SERIOUS


def listing_proposal(ground: str) -> dict[str, object]:
    """A proposal to civil affairs naming the exact list, ground, article and item (accepted as one command)."""
    basis, credit_list = GROUND_BASIS[ground], list_of(ground)
    command = ("escalate_to_serious_list" if ground == SeriousGround.ABNORMAL_TWO_YEARS
               else f"add_to_{credit_list.value}_list")
    return {"command": command, "list": credit_list.value, "ground": str(ground), "article": basis.article,
            "item": basis.item}


# Grounds that a duty owed ends; the others are facts that no later act undoes.
REQUIRES_RECTIFICATION = frozenset(
    {
        AbnormalGround.ANNUAL_REPORT_MISSING,
        AbnormalGround.ANNUAL_REPORT_LATE,
        AbnormalGround.NO_PARTY_ORGANIZATION,
        AbnormalGround.RECTIFICATION_OVERDUE,
        AbnormalGround.UNREACHABLE_AT_DOMICILE,
        AbnormalGround.PUBLIC_FUNDRAISING_BREACH,  # ends once the conditions are met again or fundraising resumes
    }
)


@dataclass
class Listing:
    """An organization's current spell on one list."""

    listed_on: date  # start of the spell: the 2-year escalation counts from here
    clock_started_on: date  # latest ground: the 6-month automatic exit counts from here
    grounds: list[str] = field(default_factory=list)
    entry_event: str | None = None  # the listing event that opened the spell (an escalation cites it)

    def add_ground(self, ground: str, on: date) -> None:
        """A new ground while listed restarts the clock."""
        self.grounds.append(ground)
        self.clock_started_on = max(self.clock_started_on, on)


@dataclass(frozen=True)
class PenaltyRecord:
    penalty_id: str
    kind: str
    amount: Decimal | None
    department: str
    imposed_on: date
    executed: bool = False
    annulled: bool = False  # annulled on review or appeal (行政复议/诉讼): it counts for nothing
    discounted: bool = False  # the listing it caused was withdrawn as erroneous: it counts toward no window

    @property
    def counts_for_lists(self) -> bool:
        return not (self.annulled or self.discounted)

    def is_minor(self, settings: LocalitySettings) -> bool:
        """A warning or a fine under the large-fine threshold."""
        return self.kind == PenaltyKind.WARNING or (
            self.kind == PenaltyKind.FINE and self.amount is not None and self.amount < settings.large_fine
        )


@dataclass(frozen=True)
class ListingEntry:
    """One listing event of a list's current spell, still in force."""

    event_id: str
    credit_list: str
    ground: str
    listed_on: date
    causes: tuple[str, ...]


def entries_in_force(events: Iterable[Any]) -> dict[str, list[ListingEntry]]:
    """Each list's listing events in force, from an organization's stored events in order (the library's
    event objects): a removal ends the spell; a withdrawal takes one listing out of it."""
    entries: dict[str, list[ListingEntry]] = {CreditList.ABNORMAL: [], CreditList.SERIOUS: []}
    for event in events:
        kind = type(event).__name__
        if kind in ("AddedToAbnormalList", "AddedToSeriousList"):
            credit_list = list_of(event.ground)
            entries[credit_list].append(ListingEntry(
                event_id(event.originator_id, event.originator_version), credit_list, event.ground,
                event.ctx.occurred_on, tuple(event.causes)))
        elif kind in ("RemovedFromAbnormalList", "RemovedFromSeriousList"):
            entries[CreditList.ABNORMAL if "Abnormal" in kind else CreditList.SERIOUS] = []
        elif kind == "ListingWithdrawn":
            entries[event.list] = [e for e in entries[event.list] if e.event_id != event.listing_event]
    return entries


def penalty_events(events: Iterable[Any]) -> dict[str, str]:
    """Penalty event id -> penalty id, from an organization's stored events."""
    return {event_id(e.originator_id, e.originator_version): e.penalty_id
            for e in events if type(e).__name__ == "PenaltyImposed"}


def abnormal_auto_exit_on(listing: Listing, settings: LocalitySettings) -> date | None:
    """The date an abnormal listing ends by itself, or None when a duty must first be fulfilled."""
    if any(ground in REQUIRES_RECTIFICATION for ground in listing.grounds):
        return None
    return add_months(listing.clock_started_on, settings.abnormal_auto_exit_months)


def abnormal_list_exit_due(listing: Listing, today: date, settings: LocalitySettings) -> bool:
    """Six months after the latest ground passed, where no rectification was needed."""
    exit_on = abnormal_auto_exit_on(listing, settings)
    return exit_on is not None and today >= exit_on


def serious_list_escalation_due(listing: Listing, today: date, settings: LocalitySettings) -> bool:
    """Still on the abnormal list two years after entering it: moves to the serious list."""
    return today >= add_years(listing.listed_on, settings.abnormal_escalation_years)


def abnormal_list_removal_deadline(verified_on: date, settings: LocalitySettings) -> date:
    """Removal on request is due within 5 working days of verifying that the duty is fulfilled."""
    return add_working_days(verified_on, settings.abnormal_removal_working_days)


def serious_list_exit_refusal(
    listing: Listing, today: date, settings: LocalitySettings, *, deregistered: bool
) -> str | None:
    """Why the organization may not yet leave the serious list, or None when it may.

    It may leave on request two years after the latest ground, or once deregistration completes where
    the ground was revocation.
    """
    if deregistered and SeriousGround.CERTIFICATE_REVOKED in listing.grounds:
        return None
    exit_on = add_years(listing.clock_started_on, settings.serious_exit_years)
    if today >= exit_on:
        return None
    return f"on the serious list until {exit_on.isoformat()} (two years after its latest ground)"


def credit_list_grounds_for_penalty(
    kind: str,
    amount: Decimal | None,
    imposed_on: date,
    earlier: Iterable[PenaltyRecord],
    settings: LocalitySettings,
) -> list[tuple[CreditList, str]]:
    """Which lists a new penalty is a ground for, given the organization's earlier penalties."""
    grounds: list[tuple[CreditList, str]] = []
    new = PenaltyRecord("new", kind, amount, "", imposed_on)
    if new.is_minor(settings):
        grounds.append((CreditList.ABNORMAL, AbnormalGround.WARNING_OR_SMALL_FINE))
        window_start = add_years(imposed_on, -settings.repeated_penalty_years)
        minors = [p for p in earlier if p.is_minor(settings) and p.counts_for_lists
                  and window_start < p.imposed_on <= imposed_on]
        if len(minors) + 1 >= settings.repeated_penalty_count:
            grounds.append((CreditList.SERIOUS, SeriousGround.REPEATED_MINOR_PENALTIES))
    elif kind == PenaltyKind.FINE:
        grounds.append((CreditList.SERIOUS, SeriousGround.LARGE_FINE))
    elif kind == PenaltyKind.STOP_ACTIVITIES:
        grounds.append((CreditList.SERIOUS, SeriousGround.ORDERED_TO_STOP_ACTIVITIES))
    elif kind == PenaltyKind.REVOCATION:
        grounds.append((CreditList.SERIOUS, SeriousGround.CERTIFICATE_REVOKED))
    return grounds
