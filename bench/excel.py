"""Files at scale: the ledger's import beside the domain service given the same commands, an export of 20,000
organizations to .xlsx (time and peak memory), and one street's monthly PDF report.

    .venv/bin/python -m bench.excel [--rows 2000]

SQLite stores in a temporary folder; prints a table, writes nothing else. Never part of the tests."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.application import Supervision  # noqa: E402
from domain.credit_code import make_credit_code  # noqa: E402
from gateway.files.export import Table, organizations_table, write_xlsx  # noqa: E402
from gateway.files.ledger import COLUMNS, Importer  # noqa: E402


def ledger_rows(n: int) -> list[dict]:
    """A ledger of ``n`` organizations: one in ten registered (with a credit code), the rest filed; a third
    with party members."""
    communities = ["上清寺路", "学田湾", "春森路", "曾家岩"]
    rows = []
    for i in range(n):
        row = {"名称": f"测试社会组织{i:05d}", "法定代表人或负责人": f"负责人{i % 97}", "区": "yuzhong",
               "街道": "shangqingsi", "社区": communities[i % 4], "服务类别": "志愿服务",
               "登记或备案日期": date(2012, 1, 2) + timedelta(days=i % 4000), "党员人数": 3 if i % 3 == 0 else None}
        if i % 10 == 0:
            row.update({"类型": "社会团体", "统一社会信用代码": make_credit_code("social_group", "500103", 500000 + i),
                        "住所": f"渝中区人民路{i}号", "宗旨": "服务社区", "业务范围": "志愿服务", "注册资金": 30000,
                        "身份证号码": "50010319850202123X", "联系电话": "13900139000"})
        else:
            row["类型"] = "社区社会组织"
        rows.append(row)
    return rows


def write_ledger(path: Path, rows: list[dict]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("社会组织")
    headers = [c.header for c in COLUMNS]
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    book.save(path)


def store(folder: Path, name: str) -> Supervision:
    return Supervision(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(folder / name),
                            "SQLITE_LOCK_TIMEOUT": "10"})


def bench_import(folder: Path, n: int) -> tuple[float, float, float]:
    """Seconds of the import (read and check, then record), and of the service given the same commands."""
    path = folder / "ledger.xlsx"
    write_ledger(path, ledger_rows(n))
    app = store(folder, "import.sqlite")
    started = time.perf_counter()
    Importer(app, path, max_bytes=1 << 30, login="bench").run(dry_run=True)  # reading and checking alone
    checked = time.perf_counter() - started
    started = time.perf_counter()
    importer = Importer(app, path, max_bytes=1 << 30, login="bench")
    report = importer.run(dry_run=False)
    total = time.perf_counter() - started
    assert len(report.recorded) == n and not report.problems, report.problems[:3]
    good = importer.rows
    app.close()
    direct = store(folder, "direct.sqlite")
    calls = [(getattr(direct, row.command), importer._contexts(row), importer.idempotency_key("社会组织", row.number), row.fields)
             for row in good]
    started = time.perf_counter()
    for command, (ctx, party), key, fields in calls:
        command(ctx, idempotency_key=key, party_count=party, **fields)
    service = time.perf_counter() - started
    direct.close()
    return total, checked, service


def bench_export(folder: Path, n: int) -> tuple[float, float, float]:
    """Seconds and peak MiB (Python allocations) to write ``n`` organizations as .xlsx; and the file's MiB."""
    app = store(folder, "empty.sqlite")
    from projections.runtime.runner import ViewRunner
    from projections.views.catalog import all_views

    ViewRunner(app, all_views()).catch_up()
    columns = organizations_table(app).columns
    app.close()
    day = date(2015, 1, 1)

    def rows():
        for i in range(n):
            yield [f"测试社会组织{i:05d}", "社会团体", make_credit_code("social_group", "500103", i), "李代表", None, None,
                   f"渝中区人民路{i}号", "yuzhong", "shangqingsi", "学田湾", "志愿服务", "服务社区", "志愿服务",
                   Decimal("30000.00"), None, day + timedelta(days=i % 3000), 3, "registered", None, "", "",
                   f"00000000-0000-0000-0000-{i:012d}"]

    out = folder / "organizations.xlsx"
    started = time.perf_counter()
    write_xlsx(Table("社会组织", columns, rows()), out)
    seconds = time.perf_counter() - started
    tracemalloc.start()  # a second run for the memory: tracing slows Python down several times
    write_xlsx(Table("社会组织", columns, rows()), out)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, out.stat().st_size / 2**20


def bench_report(folder: Path) -> float:
    from gateway.demo import load_demo
    from gateway.files.pdf import Month, monthly_report_pdf
    from projections.runtime.runner import ViewRunner
    from projections.views.catalog import all_views

    app = store(folder, "demo.sqlite")
    load_demo(app)
    ViewRunner(app, all_views()).catch_up()
    started = time.perf_counter()
    monthly_report_pdf(app, "shangqingsi", Month.parse("2026-06"))
    seconds = time.perf_counter() - started
    app.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000, help="ledger rows to import (2,000-10,000)")
    parser.add_argument("--export-rows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        total, checked, service = bench_import(folder, args.rows)
        export_seconds, peak, size = bench_export(folder, args.export_rows)
        report = bench_report(folder)
    print(f"{'measure':<58}{'value':>14}{'baseline':>14}{'ratio':>8}")
    print(f"{f'import {args.rows:,} rows (read, check, record), s':<58}{total:>14.2f}{service:>14.2f}"
          f"{total / service:>8.2f}")
    print(f"{'  of which reading and checking, s':<58}{checked:>14.2f}")
    print(f"{'  rows a second / service commands a second':<58}{args.rows / total:>14.0f}{args.rows / service:>14.0f}")
    print(f"{f'export {args.export_rows:,} organizations to .xlsx, s':<58}{export_seconds:>14.2f}")
    print(f"{'  peak Python memory, MiB / file, MiB':<58}{peak:>14.1f}{size:>14.1f}")
    print(f"{'monthly PDF report, shangqingsi 2026-06 (demo), s':<58}{report:>14.2f}")


if __name__ == "__main__":
    main()
