"""Printed documents as PDF, drawn on the server with fpdf2 and Debian's Noto Sans CJK: an organization's dossier
and a street's monthly supervision report. Every page carries its number, the time it was generated and the
data position (the event log's head) it shows, so two printouts can be told apart and matched to the record.

fpdf2 over ReportLab and WeasyPrint: ReportLab embeds TrueType outlines only, and Noto CJK is CFF (OpenType);
WeasyPrint needs Pango and Cairo from the system. fpdf2 is pure Python, reads the .ttc collection and embeds
only the glyphs used (a report of 3 pages is some 60 KB)."""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from domain.application import Supervision
from domain.clock import SHANGHAI
from domain.credit_lists import GROUND_BASIS
from domain.labels import CREDIT_LISTS, zh
from gateway.files.ledger import KIND_NAMES
from projections.audit.dossier import Dossier, _cell
from projections.runtime.db import ViewDatabase

FONT_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian's fonts-noto-cjk
              "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc")
FONT_SIMPLIFIED_CHINESE = 2  # the collection's faces: JP, KR, SC, TC, HK


def _font_file() -> str:
    for candidate in FONT_FILES:
        if Path(candidate).exists():
            return candidate
    raise OSError("no CJK font for PDF: install Debian's fonts-noto-cjk")


class _Document:
    """An A4 document with the CJK font, a title and a footer on every page."""

    def __init__(self, title: str, position: int, *, landscape: bool = False) -> None:
        from fpdf import FPDF

        generated = datetime.now(timezone.utc).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        footer_text = f"生成于 {generated}（北京时间） · 数据截至事件 #{position}"

        class Pdf(FPDF):
            def footer(self) -> None:
                self.set_y(-12)
                self.set_font("cjk", size=8)
                self.cell(0, 6, f"{footer_text} · 第 {self.page_no()} / {{nb}} 页", align="C")

        self.pdf = Pdf(orientation="L" if landscape else "P", format="A4")
        self.pdf.set_title(title)
        self.pdf.set_creator("Lianjian 联监")
        self.pdf.add_font("cjk", fname=_font_file(), collection_font_number=FONT_SIMPLIFIED_CHINESE)
        self.pdf.set_auto_page_break(True, margin=16)
        self.pdf.add_page()
        self.pdf.set_font("cjk", size=16)
        self.pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(2)

    def heading(self, text: str) -> None:
        self.pdf.set_font("cjk", size=12)
        self.pdf.ln(3)
        self.pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")

    def line(self, text: str) -> None:
        self.pdf.set_font("cjk", size=9.5)
        self.pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")

    def table(self, headers: tuple[str, ...], rows: list[list[Any]], widths: tuple[int, ...] | None = None) -> None:
        if not rows:
            self.line("（无）")
            return
        from fpdf import FontFace

        self.pdf.set_font("cjk", size=8)
        heading = FontFace(emphasis="", fill_color=(232, 232, 232))  # one face of the font: no bold needed
        with self.pdf.table(col_widths=widths, line_height=4.5, text_align="LEFT", headings_style=heading,
                            repeat_headings=1) as table:
            for cells in (headers, *rows):
                row = table.row()
                for value in cells:
                    row.cell("—" if value is None or value == "" else str(value))

    # Bar colours of a chart's series, in order (the dashboard's: navy, green).
    SERIES = ((31, 58, 96), (61, 145, 98), (200, 110, 20))

    def bars(self, title: str, rows: list[tuple[str, list[Any]]], legend: tuple[str, ...],
             shown: Any = lambda v: f"{v:,.0f}") -> None:
        """A horizontal bar chart: one row per label, one bar per series (``legend``), each with its value."""
        pdf = self.pdf
        self.line(title)
        if len(legend) > 1:  # the legend: each series' colour and name
            pdf.set_font("cjk", size=8)
            x = pdf.l_margin
            for n, name in enumerate(legend):
                pdf.set_fill_color(*self.SERIES[n % len(self.SERIES)])
                pdf.rect(x, pdf.get_y() + 1, 3, 3, style="F")
                pdf.set_x(x + 4)
                pdf.cell(pdf.get_string_width(name) + 6, 5, name)
                x = pdf.get_x()
            pdf.ln(5)
        if not rows:
            self.line("（无）")
            return
        largest = max((v for _, values in rows for v in values), default=0) or 1
        label_w, value_w = 34, 26
        width = pdf.w - pdf.l_margin - pdf.r_margin - label_w - value_w
        bar_h = 3.6
        pdf.set_font("cjk", size=8)
        for label, values in rows:
            if pdf.will_page_break(bar_h * len(values) + 2):
                pdf.add_page()
            top = pdf.get_y()
            pdf.set_xy(pdf.l_margin, top)
            pdf.cell(label_w, bar_h, label)
            for n, value in enumerate(values):
                y = top + n * bar_h
                pdf.set_fill_color(*self.SERIES[n % len(self.SERIES)])
                if value > 0:
                    pdf.rect(pdf.l_margin + label_w, y + 0.5, max(0.4, width * float(value) / float(largest)), bar_h - 1,
                             style="F")
                pdf.set_xy(pdf.l_margin + label_w + width + 1, y)
                pdf.cell(value_w - 1, bar_h, shown(value), align="R")
            pdf.set_y(top + bar_h * len(values) + 1.2)
        pdf.set_fill_color(255, 255, 255)  # what is drawn next is not filled with the last series' colour

    def bytes(self) -> bytes:
        return bytes(self.pdf.output())


# -- the dossier ---------------------------------------------------------------------------------------------

def dossier_pdf(dossier: Dossier, position: int) -> bytes:
    """The dossier (projections/audit/dossier.py) printed: its record, then its history with who, why, basis."""
    org = dossier.organization
    doc = _Document(f"{org.get('name')} — 社会组织档案", position, landscape=True)
    privacy = "个人信息未遮蔽" if dossier.personal_data else "个人信息已遮蔽"
    doc.line(f"组织ID {org.get('id')} · 版本 {org.get('version')} · {privacy}")
    doc.heading("登记信息")
    doc.table(("项目", "内容"), [[k, _cell(v)] for k, v in org.items() if k not in ("id", "version")], (1, 4))
    doc.heading(f"历史（{len(dossier.events)} 件）")
    rows = []
    for e in dossier.events:
        actor = e["actor"] or {}
        rows.append([e["position"], e["occurred_on"], e["event"], f"{actor.get('username', '—')}（{actor.get('department', '—')}）",
                     e["reason"], e["legal_basis"], _cell(e["details"])])
    doc.table(("#", "业务日期", "事项", "经办", "理由", "依据", "内容"), rows, (2, 5, 8, 7, 12, 8, 18))
    return doc.bytes()


# -- the street's monthly report -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Month:
    first: date
    last: date

    @classmethod
    def parse(cls, text: str) -> Month:
        try:
            year, month = (int(part) for part in text.split("-"))
            first = date(year, month, 1)
        except ValueError:
            raise ValueError(f"--month is a month like 2026-11, not {text!r}") from None
        return cls(first, date(year, month, calendar.monthrange(year, month)[1]))


# A listing's change as the report words it (projections/views/registry.py's credit_list_history.change).
CHANGES = {"added": "列入", "withdrawn": "撤销（错误列入）", "removed": "移出", "on_request": "移出（申请）",
           "automatic": "移出（期满）", "deregistered": "移出（注销）", "escalated": "转入严重违法失信名单"}


def monthly_report_pdf(app: Supervision, street: str, month: Month) -> bytes:
    """上清寺街道 2026年11月 社会组织监管月报: counts and this month's changes, listings and removals, penalties,
    funding awarded and disbursed, inspections, tasks opened, closed and overdue; all read from the views, as
    of their position."""
    from projections.views.catalog import all_views

    views = {v.name: v for v in all_views()}
    reg, fin, insp = views["civil_affairs_registry"], views["finance_ledger"], views["inspection_board"]
    alerts = views["joint_alerts"]
    first, last = month.first.isoformat(), month.last.isoformat() + "T99"  # a date-time on the last day sorts below
    db = ViewDatabase(app)
    with db.transaction(commit=False) as tx:
        orgs = tx.rows(f"SELECT * FROM {reg.t('organizations')} WHERE street = ? ORDER BY name", [street])
        if not orgs:
            raise ValueError(f"no organizations in street {street!r}")
        names = {o["org_id"]: o["name"] for o in orgs}
        marks = ",".join("?" * len(names))
        listings = tx.rows(f"SELECT * FROM {reg.t('credit_list_history')} WHERE org_id IN ({marks})"
                           " AND occurred_on >= ? AND occurred_on <= ? ORDER BY position", [*names, first, last])
        penalties = tx.rows(f"SELECT * FROM {reg.t('penalties')} WHERE org_id IN ({marks})"
                            " AND imposed_on >= ? AND imposed_on <= ? ORDER BY imposed_on", [*names, first, last])
        # The year so far, by month: the funding chart.
        year_entries = tx.rows(f"SELECT kind, occurred_on, amount_fen FROM {fin.t('entries')} WHERE org_id IN ({marks})"
                               " AND occurred_on >= ? AND occurred_on <= ?",
                               [*names, date(month.first.year, 1, 1).isoformat(), last])
        entries = tx.rows(f"SELECT e.*, p.project_name FROM {fin.t('entries')} e JOIN {fin.t('projects')} p"
                          f" ON p.project_id = e.project_id WHERE e.org_id IN ({marks}) AND e.occurred_on >= ?"
                          " AND e.occurred_on <= ? ORDER BY e.position", [*names, first, last])
        cases = tx.rows(f"SELECT * FROM {insp.t('cases')} WHERE org_id IN ({marks}) AND ((opened_on >= ? AND"
                        " opened_on <= ?) OR (closed_on >= ? AND closed_on <= ?)) ORDER BY opened_on",
                        [*names, first, last, first, last])
        # Tasks (督办) about the street's organizations that were raised by the month's end and not resolved
        # before it began: opened, closed and overdue this month are counted from them.
        tasks = tx.rows(f"SELECT * FROM {alerts.t('alerts')} WHERE org_id IN ({marks}) AND raised_on <= ?"
                        " AND (resolved_on IS NULL OR resolved_on >= ?) ORDER BY due_key, alert_id",
                        [*names, last, first])
    position = min(db.position(v.name) for v in (reg, fin, insp, alerts))

    def in_month(day: str | None) -> bool:
        return bool(day) and first <= day <= last  # type: ignore[operator]

    started = lambda o: o["registered_on"] or o["filed_on"]  # noqa: E731
    # In being at the month's end: begun by then and not ended by then (ended_on is None while active).
    standing = [o for o in orgs if (started(o) or "9") <= last and (o["ended_on"] or "9") > last]
    doc = _Document(f"{street} 街道 {month.first:%Y年%m月} 社会组织监管月报", position)
    doc.line(f"统计期间 {month.first} 至 {month.last}")
    doc.heading("一、组织数量与本月变化")
    by_kind = Counter(KIND_NAMES.get(o["kind"], o["kind"]) for o in standing)
    doc.line(f"月末在册 {sum(by_kind.values())} 个：" + "，".join(f"{k} {n} 个" for k, n in sorted(by_kind.items())))
    new = [o for o in orgs if in_month(started(o))]
    ended = [o for o in orgs if in_month(o["ended_on"])]
    doc.table(("变化", "组织名称", "类型", "日期"),
              [["新登记/备案", o["name"], KIND_NAMES.get(o["kind"], o["kind"]), started(o)[:10]] for o in new]
              + [[f"终止（{o['status']}）", o["name"], KIND_NAMES.get(o["kind"], o["kind"]), o["ended_on"][:10]]
                 for o in ended], (3, 8, 3, 2))
    doc.bars("图1 月末在册组织（按类型）", [(k, [n]) for k, n in sorted(by_kind.items())], ("组织数",))
    doc.heading("二、信用名单列入与移出")
    doc.table(("组织名称", "名单", "变化", "事由", "日期"),
              [[names[r["org_id"]], zh(CREDIT_LISTS, r["list"]), CHANGES.get(r["change"], r["change"]),
                GROUND_BASIS[r["ground"]].words if r["ground"] in GROUND_BASIS else r["ground"], r["occurred_on"][:10]]
               for r in listings],
              (8, 2, 2, 5, 2))
    doc.heading("三、行政处罚")
    doc.table(("组织名称", "种类", "金额（元）", "部门", "日期", "已执行"),
              [[names[r["org_id"]], r["kind"], _yuan(r["amount_fen"]), r["department"], r["imposed_on"][:10],
                "是" if r["executed"] else "否"] for r in penalties], (8, 2, 2, 3, 2, 1))
    doc.heading("四、政府购买服务")
    totals = Counter()
    for r in entries:
        totals[r["kind"]] += int(r["amount_fen"] or 0)
    doc.line(f"本月立项 ¥{_yuan(totals['awarded'])}，拨付 ¥{_yuan(totals['disbursed'])}，"
             f"追回 ¥{_yuan(totals['clawed_back'])}")
    by_month: dict[int, Counter] = {m: Counter() for m in range(1, month.first.month + 1)}
    for r in year_entries:
        by_month[int(r["occurred_on"][5:7])][r["kind"]] += int(r["amount_fen"] or 0)
    doc.bars(f"图2 {month.first.year}年各月政府购买服务资金（元）",
             [(f"{m}月", [Decimal(by_month[m]["awarded"]) / 100, Decimal(by_month[m]["disbursed"]) / 100])
              for m in by_month], ("立项", "拨付"), shown=lambda v: f"¥{v:,.2f}")
    doc.table(("组织名称", "项目", "事项", "金额（元）", "日期"),
              [[names[r["org_id"]], r["project_name"], r["kind"], _yuan(r["amount_fen"]), r["occurred_on"][:10]]
               for r in entries], (6, 7, 2, 2, 2))
    doc.heading("五、检查")
    doc.table(("组织名称", "检查事项", "立案", "整改", "结案"),
              [[names[r["org_id"]], r["subject"], r["opened_on"][:10], r["rectification"],
                (r["closed_on"] or "")[:10]] for r in cases], (6, 8, 2, 2, 2))
    doc.heading("六、督办事项")
    opened = [r for r in tasks if in_month(r["raised_on"])]
    closed = [r for r in tasks if in_month(r["resolved_on"])]
    # Overdue at the month's end: due before its last day and not resolved by then.
    overdue = [r for r in tasks if r["due_on"] and r["due_on"] < month.last.isoformat()
               and not (r["resolved_on"] and r["resolved_on"] <= last)]
    doc.line(f"本月新增 {len(opened)} 件，办结 {len(closed)} 件，月末逾期未办结 {len(overdue)} 件")
    doc.table(("组织名称", "事项", "主办部门", "办理期限", "办结"),
              [[names[r["org_id"]], r["message"][:60], r["departments"], (r["due_on"] or "")[:10],
                (r["resolved_on"] or "")[:10]] for r in overdue], (5, 8, 3, 2, 2))
    return doc.bytes()


def _yuan(fen: Any) -> str:
    return "" if fen is None else f"{Decimal(int(fen)) / 100:,.2f}"
