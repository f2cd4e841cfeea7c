"""An organization's dossier (档案) for auditors: its current record and its full history, with who, when,
why and on what legal basis, exported as JSON, CSV or a printable HTML page.

Personal data (ID card numbers, phone numbers) is masked unless the caller asks for it; the gateway
decides who may ask. Each event carries its chain hash when sealed, so a printed dossier can be matched
against the chain (`lianjian verify`).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from html import escape
from typing import Any
from uuid import UUID

from domain.application import RecordedEvent, Supervision
from domain.clock import SHANGHAI
from domain.organization import Organization
from domain.people import Person
from projections.audit.chain import ChainTables
from projections.spreadsheet import SpreadsheetWriter

DOSSIER_FORMAT = "lianjian-dossier/1"
MASKED = "[masked]"
FORMATS = ("json", "csv", "html")

SUMMARY_FIELDS = (
    "name", "kind", "status", "credit_code", "district", "street", "community", "domicile", "purpose",
    "business_scope", "activity_area", "legal_representative", "person_in_charge", "funds", "supervising_unit",
    "category", "role", "registered_on", "filed_on", "ended_on", "revocation_ground", "grade", "grade_awarded_on",
    "grade_valid_until", "abnormal_listing", "serious_listing", "party_members", "party_organization",
    "party_organization_name", "party_instructor",
)
CSV_COLUMNS = (
    "position", "recorded_at", "occurred_on", "event", "aggregate_id", "version", "user_id", "username",
    "department", "role", "reason", "legal_basis", "details", "chain_hash",
)


def plain(value: Any, personal_data: bool = False) -> Any:
    """A JSON-ready copy of a domain value; people's ID and phone numbers masked unless asked for."""
    if isinstance(value, Person):
        return {
            "name": value.name,
            "id_number": value.id_number if personal_data or value.id_number is None else MASKED,
            "phone": value.phone if personal_data or value.phone is None else MASKED,
        }
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name), personal_data) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v, personal_data) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v, personal_data) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def organization_summary(org: Organization, personal_data: bool = False) -> dict[str, Any]:
    summary: dict[str, Any] = {"id": str(org.id), "version": org.version}
    for name in SUMMARY_FIELDS:
        summary[name] = plain(getattr(org, name, None), personal_data)
    return summary


@dataclass(frozen=True)
class Dossier:
    organization: dict[str, Any]
    events: list[dict[str, Any]]
    generated_at: str
    personal_data: bool
    chain: dict[str, Any] | None  # the chain's algorithm and how far it is sealed; None without a chain

    def as_dict(self) -> dict[str, Any]:
        return {"format": DOSSIER_FORMAT, "generated_at": self.generated_at, "personal_data": self.personal_data,
                "organization": self.organization, "chain": self.chain, "events": self.events}


def build_dossier(app: Supervision, reference: str, *, personal_data: bool = False) -> Dossier:
    """The dossier of the organization named by id, credit code or name."""
    org = app.find_organization(reference)
    history = app.history(org.id)
    tables = ChainTables(app)
    hashes = tables.hashes([e.position for e in history])
    chain = None
    if tables.exists():
        with tables.db.transaction(commit=False) as tx:
            algorithm = tables.algorithm(tx)
            sealed_through, _ = tables.head(tx)
        chain = {"algorithm": algorithm, "sealed_through": sealed_through}
    return Dossier(
        organization=organization_summary(org, personal_data),
        events=[_event_row(e, hashes.get(e.position), personal_data) for e in history],
        generated_at=datetime.now(timezone.utc).isoformat(),
        personal_data=personal_data,
        chain=chain,
    )


def _event_row(event: RecordedEvent, chain_hash: str | None, personal_data: bool) -> dict[str, Any]:
    ctx = event.ctx
    actor = ctx.actor if ctx else None
    return {
        "position": event.position,
        "recorded_at": event.recorded_at.isoformat(),
        "occurred_on": ctx.occurred_on.isoformat() if ctx else None,
        "event": event.type,
        "aggregate_id": event.aggregate_id,
        "version": event.version,
        "actor": None if actor is None else {"user_id": actor.user_id, "username": actor.username,
                                             "department": actor.department.value, "role": actor.role},
        "reason": ctx.reason if ctx else None,
        "legal_basis": ctx.legal_basis if ctx else None,
        "details": {k: plain(v, personal_data) for k, v in event.data.items() if v is not None},
        "chain_hash": chain_hash,
    }


# -- formats ---------------------------------------------------------------------------------------------


def render(dossier: Dossier, fmt: str) -> str:
    if fmt == "json":
        return dossier_json(dossier)
    if fmt == "csv":
        return dossier_csv(dossier)
    if fmt == "html":
        return dossier_html(dossier)
    raise ValueError(f"no dossier format {fmt!r}; choose one of: {', '.join(FORMATS)}")


def dossier_json(dossier: Dossier) -> str:
    return json.dumps(dossier.as_dict(), ensure_ascii=False, indent=2) + "\n"


def dossier_csv(dossier: Dossier) -> str:
    """One row per event (the history); the organization's record is in the JSON and HTML forms."""
    out = io.StringIO()
    writer = SpreadsheetWriter(out, lineterminator="\n")  # no cell a spreadsheet would run as a formula
    writer.writerow(CSV_COLUMNS)
    for row in dossier.events:
        actor = row["actor"] or {}
        writer.writerow([
            row["position"], _local(row["recorded_at"]), row["occurred_on"] or "", row["event"], row["aggregate_id"],
            row["version"], actor.get("user_id", ""), actor.get("username", ""), actor.get("department", ""),
            actor.get("role", ""), row["reason"] or "", row["legal_basis"] or "",
            json.dumps(row["details"], ensure_ascii=False, sort_keys=True), row["chain_hash"] or "",
        ])
    return out.getvalue()


def _local(iso_time: str) -> str:
    return datetime.fromisoformat(iso_time).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value) or "—"
    return str(value)


_STYLE = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; font-size: 10.5pt;
       margin: 2em; color: #111; }
h1 { font-size: 16pt; margin-bottom: 0.2em; } h2 { font-size: 12pt; margin-top: 1.5em; }
.meta { color: #444; font-size: 9pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #999; padding: 3px 5px; vertical-align: top; text-align: left; }
th { background: #eee; } td.hash { font-family: monospace; font-size: 7.5pt; word-break: break-all; }
tr { page-break-inside: avoid; }
@media print { body { margin: 0; } thead { display: table-header-group; } @page { size: A4 landscape; margin: 12mm; } }
"""


def dossier_html(dossier: Dossier) -> str:
    """A self-contained page, printable on A4 (landscape), every value escaped."""
    org = dossier.organization
    e = escape
    generated = _local(dossier.generated_at)
    privacy = ("个人信息未遮蔽 personal data shown" if dossier.personal_data
               else "个人信息已遮蔽 personal data masked")
    chain = dossier.chain
    chain_line = (f"哈希链 chain: {e(str(chain['algorithm']))}, sealed through #{chain['sealed_through']}"
                  if chain else "哈希链 chain: not sealed")
    record = "".join(f"<tr><th>{e(k)}</th><td>{e(_cell(v))}</td></tr>" for k, v in org.items())
    rows = []
    for row in dossier.events:
        actor = row["actor"] or {}
        who = f"{actor.get('username', '—')} ({actor.get('department', '—')}, {actor.get('role', '—')})"
        rows.append(
            "<tr>"
            f"<td>{row['position']}</td><td>{e(_local(row['recorded_at']))}</td>"
            f"<td>{e(row['occurred_on'] or '—')}</td>"
            f"<td>{e(row['event'])}</td><td>{e(who)}</td><td>{e(row['reason'] or '—')}</td>"
            f"<td>{e(row['legal_basis'] or '—')}</td><td>{e(_cell(row['details']))}</td>"
            f"<td class=\"hash\">{e(row['chain_hash'] or 'unsealed')}</td>"
            "</tr>"
        )
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        f"<title>{e(str(org.get('name')))} 档案 dossier</title><style>{_STYLE}</style></head><body>\n"
        f"<h1>{e(str(org.get('name')))} — 社会组织档案 dossier</h1>\n"
        f"<p class=\"meta\">{e(str(org.get('id')))} · generated {e(generated)} Asia/Shanghai · {e(privacy)}"
        f" · {chain_line}</p>\n"
        f"<h2>登记信息 Record (version {org.get('version')})</h2>\n<table>{record}</table>\n"
        f"<h2>历史 History ({len(dossier.events)} events)</h2>\n"
        "<table><thead><tr><th>#</th><th>recorded 记录时间</th><th>effective 业务日期</th><th>event 事项</th>"
        "<th>by 经办</th><th>reason 理由</th><th>legal basis 依据</th><th>details 内容</th><th>chain hash</th>"
        "</tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>\n</body></html>\n"
    )
