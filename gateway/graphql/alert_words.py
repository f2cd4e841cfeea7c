"""Alerts in English (the Alert type's messageEn): one sentence per rule, from the alert's rule, the
organization's name and its proposal. The rules write their messages in Chinese; what a sentence needs
beyond those three (a date, a count, a department) is read from the message where it is plainly there, and
left out where it is not, so an alert from an older or a newer wording still gets a sentence."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.labels import (
    CREDIT_LISTS,
    CREDIT_LISTS_EN,
    DEPARTMENTS,
    DEPARTMENTS_EN,
    GROUNDS_EN,
    PENALTIES,
    PENALTIES_EN,
    REVOCATION_GROUNDS_EN,
    STATUSES,
    STATUSES_EN,
    en,
)

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Said:
    """What an alert says: its organization's name, its Chinese message and its proposal."""

    org: str
    message: str
    proposal: dict[str, Any]

    @property
    def rest(self) -> str:
        """The message after the organization's name, which may hold any word or digit."""
        return self.message.removeprefix(self.org)

    def dates(self) -> list[str]:
        return DATE.findall(self.rest)

    def number(self, pattern: str) -> str | None:
        found = re.search(pattern, self.rest)
        return found.group(1) if found else None

    def named(self, zh_names: dict[str, str], en_names: dict[str, str]) -> list[str]:
        """The English names of the codes whose Chinese names the message holds, in the order they appear."""
        at = {code: self.rest.find(name) for code, name in zh_names.items() if name in self.rest}
        return [en(en_names, code) for code in sorted(at, key=at.get)]

    def credit_list(self) -> str | None:
        """The list the proposal names, else the one the message names."""
        code = self.proposal.get("list")
        if code in CREDIT_LISTS_EN:
            return CREDIT_LISTS_EN[code]
        named = self.named(CREDIT_LISTS, CREDIT_LISTS_EN)
        return named[0] if named else None


def _since(dates: list[str]) -> str:
    return f" since {dates[0]}" if dates else ""


def _by(dates: list[str]) -> str:
    return f" by {dates[0]}" if dates else ""


def _funding_to_ineligible(said: Said) -> str:
    problems = [f"on the {name}" for name in said.named(CREDIT_LISTS, CREDIT_LISTS_EN)]
    problems += said.named(STATUSES, STATUSES_EN)
    verb = "disbursed" if "拨付" in said.rest else "awarded"
    return (f"{said.org}: purchase-of-service funding was {verb} while the organization was "
            f"{' and '.join(problems) or 'ineligible'}.")


def _partner_penalty(said: Said) -> str:
    departments = said.named(DEPARTMENTS, DEPARTMENTS_EN)
    penalties = said.named(PENALTIES, PENALTIES_EN)
    amount = said.number(r"(\d+(?:\.\d+)?) ?元")
    what = (penalties[0] if penalties else "a penalty") + (f" of ¥{amount}" if amount else "")
    return f"{said.org} received {what} from {departments[0] if departments else 'a partner department'}."


def _abnormal_two_years(said: Said) -> str:
    return f"{said.org} has been on the abnormal activities list for two years{_since(said.dates())}."


def _rectification_overdue(said: Said) -> str:
    return f"{said.org} did not complete its rectification{_by(said.dates())}."


def _annual_report_missing(said: Said) -> str:
    year = said.number(r"(\d{4})年度")
    return f"{said.org} did not submit its {year + ' ' if year else ''}annual report{_by(said.dates())}."


def _ended_with_open_funding(said: Said) -> str:
    status = said.named(STATUSES, STATUSES_EN)
    ended = f"has ended ({status[0]})" if status else "has ended"
    return f"{said.org} {ended} with a purchase-of-service project still open: finance must stop the payments."


def _party_organization_missing(said: Said) -> str:
    members = said.number(r"党员(\d+)名")
    return f"{said.org} has {members or 'three or more'} party members and no party organization yet."


def _court_dishonest_debtor(said: Said) -> str:
    return f"{said.org} was put on the courts' list of dishonest debtors."


def _graded_on_serious_list(said: Said) -> str:
    grade = said.number(r"(\d)A")
    held = f"a {grade}A grade" if grade else "an evaluation grade"
    return f"{said.org} is on the serious illegal and dishonest list and holds {held}."


def _objection_undecided(said: Said) -> str:
    listed = said.credit_list()
    about = f" to its listing on the {listed}" if listed else ""
    return f"{said.org}'s objection{about} was due to be decided{_by(said.dates())} and is still undecided."


def _organization_listed(said: Said) -> str:
    return f"{said.org} was put on the {said.credit_list() or 'a credit list'}."


def _revocation_requested(said: Said) -> str:
    ground = said.proposal.get("ground")
    why = f" ({en(REVOCATION_GROUNDS_EN, ground)})" if ground else ""
    return f"{said.org}: another department asks for its registration to be revoked{why}."


# One sentence per rule (domain/alerts.py's AlertRule; tests/gateway/test_alert_words.py holds every rule to it).
SENTENCES: dict[str, Callable[[Said], str]] = {
    "funding_to_ineligible": _funding_to_ineligible,
    "rectification_overdue": _rectification_overdue,
    "annual_report_missing": _annual_report_missing,
    "ended_with_open_funding": _ended_with_open_funding,
    "party_organization_missing": _party_organization_missing,
    "partner_penalty": _partner_penalty,
    "abnormal_two_years": _abnormal_two_years,
    "court_dishonest_debtor": _court_dishonest_debtor,
    "graded_on_serious_list": _graded_on_serious_list,
    "objection_undecided": _objection_undecided,
    "organization_listed": _organization_listed,
    "revocation_requested": _revocation_requested,
}

PROPOSED = {
    "suspend_funding": "suspend the project's payments",
    "cancel_grade": "cancel or lower its grade",
    "revoke_registration": "revoke its registration (and list it, as a revocation does)",
}


def _proposal_words(proposal: dict[str, Any]) -> str:
    command = str(proposal.get("command") or "")
    if proposal.get("list") in CREDIT_LISTS_EN and command != "":
        ground = proposal.get("ground")
        why = f" ({en(GROUNDS_EN, ground)})" if ground else ""
        return f" Proposed: put it on the {CREDIT_LISTS_EN[proposal['list']]}{why}."
    if command in PROPOSED:
        return f" Proposed: {PROPOSED[command]}."
    return ""


def english(rule: str, organization: str | None, message: str, proposal: dict[str, Any] | None) -> str:
    """The alert in one English sentence, and what it proposes, if anything."""
    said = Said(org=organization or "An organization", message=message or "",
                proposal=proposal if isinstance(proposal, dict) else {})
    sentence = SENTENCES.get(rule)
    text = sentence(said) if sentence else f"{said.org}: an alert under the rule {rule}."
    if rule != "organization_listed":  # its proposal, if any, is what it reports done
        text += _proposal_words(said.proposal)
    return text
