"""公众: the public credit disclosure (信用信息公示). Only what the access matrix makes public: each
organization's name, credit code, kind, status, grade and list membership with its dates; its penalties
(kind, amount, date, department); each listing on a credit list with its ground in words, date, deciding
authority and legal basis (an erroneous listing, withdrawn, is never shown); and the names of its funded
projects, without amounts. No person's ID number or phone is ever stored here; of a person, only the name
of a legal representative or person in charge as announced in a change of registration.

``events`` holds the public events, one row per stored event that publishes something (registered, changed,
ended, an annual report in, an annual inspection concluded, graded, honoured, penalized, listed, removed), keyed by the event's position: the public site's
timeline and feed, each citing its date, deciding authority and legal basis. A withdrawn listing and an
annulled penalty leave it, as they leave ``listings`` and ``penalties``.

``name_grams`` indexes the names for search by part of a name (see ``search``): each name's overlapping
two-character grams, ASCII folded to lower case, with the name beside each so that one gram's names are read
in the search's order."""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from typing import Any

from domain.application import RecordedEvent
from domain.credit_lists import GROUND_BASIS, list_of
from domain.labels import DEPARTMENTS, zh
from domain.funding import FundingProject
from domain.organization import Organization
from projections.runtime.db import Tx
from projections.views.rows import ORGANIZATION_EVENTS, organization_row, penalty_row
from projections.views.base import View, handles, iso, renamed

PUBLIC_COLUMNS = ("org_id", "name", "credit_code", "kind", "status", "registered_on", "filed_on", "ended_on",
                  "grade", "grade_valid_until", "on_abnormal_list", "abnormal_listed_on", "on_serious_list",
                  "serious_listed_on")

PUBLIC_FACTS = {
    "Organization.Registered": "registered", "Organization.Filed": "filed",
    "Organization.ConvertedToRegistration": "converted", "Organization.RegistrationChanged": "changed",
    "Organization.FilingChanged": "changed", "Organization.Deregistered": "deregistered",
    "Organization.RegistrationRevoked": "revoked", "Organization.Banned": "banned",
    "Organization.FilingCancelled": "filing_cancelled", "Organization.GradeAwarded": "graded",
    "Organization.GradeLowered": "grade_lowered", "Organization.GradeCancelled": "grade_cancelled",
    "Organization.HonourConferred": "honoured", "Organization.AnnualReportSubmitted": "annual_report",
    "Organization.AnnualInspectionConcluded": "annual_inspection",
}


class PublicDisclosure(View):
    name = "public_disclosure"
    title = "社会组织信用信息公示"
    tables = {
        "organizations": "org_id TEXT PRIMARY KEY, name TEXT NOT NULL, credit_code TEXT, kind TEXT NOT NULL,"
                         " status TEXT NOT NULL, registered_on TEXT, filed_on TEXT, ended_on TEXT, grade BIGINT,"
                         " grade_valid_until TEXT, on_abnormal_list BIGINT NOT NULL, abnormal_listed_on TEXT,"
                         " on_serious_list BIGINT NOT NULL, serious_listed_on TEXT",
        "penalties": "penalty_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, kind TEXT NOT NULL, amount_fen BIGINT,"
                     " department TEXT NOT NULL, imposed_on TEXT NOT NULL",
        "projects": "project_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, project_name TEXT NOT NULL",
        "listings": "listing_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, list TEXT NOT NULL, ground TEXT NOT NULL,"
                    " ground_words TEXT NOT NULL, listed_on TEXT NOT NULL, authority TEXT NOT NULL,"
                    " legal_basis TEXT NOT NULL, removed_on TEXT",
        "events": "position BIGINT PRIMARY KEY, event_id TEXT NOT NULL, org_id TEXT NOT NULL, kind TEXT NOT NULL,"
                  " occurred_on TEXT NOT NULL, authority TEXT NOT NULL, legal_basis TEXT, subject TEXT, detail TEXT NOT NULL",
        "name_grams": "org_id TEXT NOT NULL, gram TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (org_id, gram)",
    }
    keys = {"organizations": "org_id", "penalties": "penalty_id", "projects": "project_id", "listings": "listing_id",
            "events": "position", "name_grams": "org_id, gram"}
    indexes = {"organizations": ("credit_code", "name, org_id"), "listings": ("org_id",), "penalties": ("org_id",),
               "projects": ("org_id",), "events": ("org_id", "event_id"), "name_grams": ("gram, name, org_id",)}
    json_columns = {"events": ("detail",)}

    @handles(*ORGANIZATION_EVENTS)
    def organization_changed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        self.upsert_organization(tx, event, org, public_row)

    @handles("Organization.Registered", "Organization.Filed", "Organization.RegistrationChanged",
             "Organization.FilingChanged")
    def named(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        """A name given or changed: its grams replace the old name's (only a rename has old ones to delete,
        so a rebuild's registrations stay buffered)."""
        if event.type.endswith("Changed"):
            if not renamed(event):
                return
            tx.execute(f"DELETE FROM {self.t('name_grams')} WHERE org_id = ?", (event.aggregate_id,))
        for gram in grams(org.name):
            self.upsert(tx, "name_grams", {"org_id": event.aggregate_id, "gram": gram, "name": org.name},
                        ["org_id", "gram"])

    @handles("Organization.PenaltyImposed")
    def penalty_imposed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        row = penalty_row(org, event.data["penalty_id"])
        del row["executed"]  # the public sees the penalty, not the enforcement file
        self.upsert(tx, "penalties", row, ["penalty_id"])
        self.publish(tx, event, "penalty_imposed", {"kind": row["kind"], "amount_fen": row["amount_fen"]},
                     subject=row["penalty_id"])

    @handles("Organization.PenaltyAnnulled")
    def penalty_annulled(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        """A penalty annulled on review or by a court was never validly imposed: it is no longer published."""
        tx.execute(f"DELETE FROM {self.t('penalties')} WHERE org_id = ? AND penalty_id = ?",
                   (event.aggregate_id, event.data["penalty_id"]))
        tx.execute(f"DELETE FROM {self.t('events')} WHERE org_id = ? AND kind = 'penalty_imposed' AND subject = ?",
                   (event.aggregate_id, event.data["penalty_id"]))
        self.publish(tx, event, "corrected", {"name": org.name})  # followers refresh it; what was void is not said

    @handles("Organization.AddedToAbnormalList", "Organization.AddedToSeriousList")
    def listed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        basis = GROUND_BASIS[event.data["ground"]]
        self.upsert(tx, "listings", {
            "listing_id": event.event_id, "org_id": event.aggregate_id, "list": list_of(event.data["ground"]).value,
            "ground": event.data["ground"], "ground_words": basis.words,
            "listed_on": iso(event.ctx.occurred_on if event.ctx else event.recorded_at.date()),
            "authority": zh(DEPARTMENTS, event.ctx.actor.department if event.ctx else "system"),
            "legal_basis": basis.citation,
        }, ["listing_id"])
        self.publish(tx, event, "listed", {"list": list_of(event.data["ground"]).value, "ground": event.data["ground"],
                                           "ground_words": basis.words}, legal_basis=basis.citation)

    @handles("Organization.RemovedFromAbnormalList", "Organization.RemovedFromSeriousList")
    def removed(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        credit_list = "abnormal" if event.type.endswith("AbnormalList") else "serious"
        tx.execute(f"UPDATE {self.t('listings')} SET removed_on = ? WHERE org_id = ? AND list = ?"
                   " AND removed_on IS NULL",
                   (iso(event.ctx.occurred_on if event.ctx else event.recorded_at.date()), event.aggregate_id,
                    credit_list))
        self.publish(tx, event, "removed", {"list": credit_list})

    @handles("Organization.ListingWithdrawn")
    def withdrawn(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        """An erroneous listing (an upheld objection, an annulled penalty) is never published."""
        tx.execute(f"DELETE FROM {self.t('listings')} WHERE listing_id = ?", (event.data["listing_event"],))
        tx.execute(f"DELETE FROM {self.t('events')} WHERE event_id = ?", (event.data["listing_event"],))
        self.publish(tx, event, "corrected", {"name": org.name})

    @handles(*PUBLIC_FACTS)
    def fact(self, tx: Tx, event: RecordedEvent, org: Organization) -> None:
        detail = public_detail(event, org)
        if detail is not None:
            self.publish(tx, event, PUBLIC_FACTS[event.type], detail)

    def publish(self, tx: Tx, event: RecordedEvent, kind: str, detail: dict[str, Any],
                legal_basis: str | None = None, subject: str | None = None) -> None:
        """One public event: what, when, by which authority, under which legal basis (the document cited)."""
        ctx = event.ctx
        self.insert_event_row(tx, "events", {
            "position": event.position, "event_id": event.event_id, "org_id": event.aggregate_id, "kind": kind,
            "occurred_on": iso(ctx.occurred_on if ctx else event.recorded_at.date()),
            "authority": zh(DEPARTMENTS, ctx.actor.department if ctx else "system"),
            "legal_basis": legal_basis or (ctx.legal_basis if ctx else None), "subject": subject,
            "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True),
        })

    @handles("FundingProject.Awarded")
    def project_awarded(self, tx: Tx, event: RecordedEvent, project: FundingProject) -> None:
        self.upsert(tx, "projects", {
            "project_id": event.aggregate_id, "org_id": str(project.organization_id),
            "project_name": project.project_name,
        }, ["project_id"])

    # -- what the public site asks (gateway/public/) ----------------------------------------------------------

    def search(self, tx: Tx, text: str, limit: int, offset: int = 0) -> list[dict[str, Any]]:
        """Organizations whose name contains ``text`` (``LIKE '%text%'``: on SQLite ASCII letters in either
        case), or whose credit code it is; by name.

        A name that contains the text holds every gram of it, so the names of its rarest gram (``name_grams``)
        hold every match: they are read from the index in the answer's order, each confirmed by the same LIKE,
        until the page is full. A text of one character has no gram: all names are read so, from their own
        index. The credit code's organization is added when its name did not match already."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        gram = self.rarest_gram(tx, grams(text))
        if gram is None:
            names, first = f"SELECT * FROM {self.t('organizations')} g WHERE", ()
        else:  # the index's name and org_id, so that its order is the answer's
            columns = ", ".join(f"g.{c}" if c in ("org_id", "name") else f"o.{c}" for c in PUBLIC_COLUMNS)
            names, first = (f"SELECT {columns} FROM {self.t('name_grams')} g JOIN {self.t('organizations')} o"
                            " ON o.org_id = g.org_id WHERE g.gram = ? AND", (gram,))
        # The names' own LIMIT lets PostgreSQL too read the index in order rather than sort every match.
        return tx.rows(f"SELECT * FROM ({names} g.name LIKE ? ESCAPE '\\' ORDER BY g.name, g.org_id LIMIT ?) named"
                       f" UNION ALL SELECT * FROM {self.t('organizations')} WHERE credit_code = ?"
                       " AND NOT name LIKE ? ESCAPE '\\' ORDER BY name, org_id LIMIT ? OFFSET ?",
                       (*first, pattern, offset + limit, text.upper(), pattern, limit, offset))

    def rarest_gram(self, tx: Tx, among: list[str]) -> str | None:
        """Of these grams, the one fewest names hold, each counted up to ``GRAM_COUNT_CAP``; of those as
        common, the latest in the text (a name begins with its city and district, what most names share)."""
        if len(among) <= 1:
            return among[0] if among else None
        count = (f"SELECT COUNT(*) AS n FROM (SELECT 1 FROM {self.t('name_grams')} WHERE gram = ? LIMIT ?)"
                 " counted")
        held = {gram: tx.row(count, (gram, GRAM_COUNT_CAP))["n"] for gram in reversed(among[-MAX_GRAMS_COUNTED:])}
        return min(held, key=held.__getitem__)

    def organization(self, tx: Tx, key: str) -> dict[str, Any] | None:
        """An organization by its credit code or its id."""
        return tx.row(f"SELECT * FROM {self.t('organizations')} WHERE credit_code = ? OR org_id = ?",
                      (key.upper(), key))

    def of_organization(self, tx: Tx, table: str, org_id: str) -> list[dict[str, Any]]:
        """Its listings, penalties, projects or public events, oldest first."""
        order = {"listings": "listed_on, listing_id", "penalties": "imposed_on, penalty_id",
                 "projects": "project_name, project_id", "events": "position"}[table]
        return tx.rows(f"SELECT * FROM {self.t(table)} WHERE org_id = ? ORDER BY {order}", (org_id,))

    def current_listings(self, tx: Tx, credit_list: str, limit: int, offset: int = 0) -> list[dict[str, Any]]:
        """Listings in force on one list, newest first, with the organization's name and credit code."""
        return tx.rows(f"SELECT l.*, o.name, o.credit_code FROM {self.t('listings')} l JOIN {self.t('organizations')} o"
                       " ON o.org_id = l.org_id WHERE l.list = ? AND l.removed_on IS NULL"
                       " ORDER BY l.listed_on DESC, l.listing_id LIMIT ? OFFSET ?", (credit_list, limit, offset))

    def all_penalties(self, tx: Tx, limit: int, offset: int = 0) -> list[dict[str, Any]]:
        """Penalties, newest first, with the organization's name and credit code."""
        return tx.rows(f"SELECT p.*, o.name, o.credit_code FROM {self.t('penalties')} p JOIN {self.t('organizations')} o"
                       " ON o.org_id = p.org_id ORDER BY p.imposed_on DESC, p.penalty_id LIMIT ? OFFSET ?",
                       (limit, offset))

    def graded(self, tx: Tx, limit: int, offset: int = 0) -> list[dict[str, Any]]:
        """Organizations holding an evaluation grade, highest first."""
        return tx.rows(f"SELECT * FROM {self.t('organizations')} WHERE grade IS NOT NULL"
                       " ORDER BY grade DESC, name, org_id LIMIT ? OFFSET ?", (limit, offset))

    def events_after(self, tx: Tx, after: int | None, limit: int) -> list[dict[str, Any]]:
        """Public events past a position, oldest first; with no position, the newest, newest first. Each
        with the organization's current name and code."""
        where, order = ("WHERE e.position > ? ", "") if after is not None else ("", " DESC")
        return tx.rows(f"SELECT e.*, o.name, o.credit_code FROM {self.t('events')} e JOIN {self.t('organizations')} o"
                       f" ON o.org_id = e.org_id {where}ORDER BY e.position{order} LIMIT ?",
                       ((after,) if after is not None else ()) + (limit,))

    def table_rows(self, tx: Tx, table: str, after: int | None = None, batch: int = 1000) -> Iterator[dict[str, Any]]:
        """Every row of a table in key order, read in batches (a download of the whole registry); with
        ``after``, only those of organizations with a public event past that position."""
        key = self.keys[table]
        changed = (f" AND org_id IN (SELECT org_id FROM {self.t('events')} WHERE position > ?)"
                   if after is not None else "")
        last: Any = ""
        while True:
            rows = tx.rows(f"SELECT * FROM {self.t(table)} WHERE {key} > ?{changed} ORDER BY {key} LIMIT ?",
                           (last,) + ((after,) if after is not None else ()) + (batch,))
            yield from rows
            if len(rows) < batch:
                return
            last = rows[-1][key]


# Counting a gram's names costs about as much as reading them: a search counts at most its last 8 grams (any
# one finds every match) up to 1,000 names each; past that a gram is common alike.
GRAM_COUNT_CAP = 1000
MAX_GRAMS_COUNTED = 8
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def grams(text: str) -> list[str]:
    """The distinct overlapping two-character grams of a text, in order, folded as SQLite's LIKE compares (ASCII
    letters to lower case; nothing else, so a text LIKE matches within a name has its grams among the name's)."""
    folded = text.translate(ASCII_LOWER)
    return list(dict.fromkeys(folded[i:i + 2] for i in range(len(folded) - 1)))


ANNOUNCED_CHANGES = ("name", "domicile")  # and the new legal representative's or person in charge's name


def public_detail(event: RecordedEvent, org: Organization) -> dict[str, Any] | None:
    """What a public fact publishes: the name, a grade, an honour's title, the announced changes (the new name,
    domicile, the representative's name: never an ID number or phone). None: nothing public changed."""
    kind = PUBLIC_FACTS[event.type]
    if kind == "changed":
        changes = event.data.get("changes") or {}
        detail = {f: changes[f] for f in ANNOUNCED_CHANGES if f in changes}
        person = changes.get("legal_representative") or changes.get("person_in_charge")
        if person is not None:
            detail["representative"] = person.name if hasattr(person, "name") else person["name"]
        return detail or None
    if kind in ("graded", "grade_lowered", "grade_cancelled"):
        return {"name": org.name, "grade": org.grade}
    if kind == "honoured":
        return {"name": org.name, "title": event.data["title"]}
    if kind == "annual_report":
        return {"name": org.name, "year": event.data["year"]}
    if kind == "annual_inspection":
        return {"name": org.name, "year": event.data["year"], "result": str(event.data["result"])}
    return {"name": org.name}


def public_row(org: Organization, updated_at: str) -> dict[str, Any]:
    row = organization_row(org, updated_at)
    return {c: row[c] for c in PUBLIC_COLUMNS}
