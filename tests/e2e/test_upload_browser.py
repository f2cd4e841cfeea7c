"""The ledger's upload page and the lists' download buttons in a real browser (Debian's Chromium driven by
Playwright, as tests/e2e/test_dashboard.py launches it): a street officer checks a file (the dry run's report
names the bad row by row and column), confirms, and finds the organizations in the list; a download arrives as
a workbook holding the list's rows. Screenshots: test-artifacts/screenshots/upload-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook

# the server, the browser and the page fixtures of the dashboard's tests, on this module's own server
from tests.e2e.test_dashboard import Server, Watched, browser, desktop, phone, server, shot, sign_in  # noqa: F401
from tests.gateway.test_ledger_files import filed, ledger


def open_upload(watched: Watched) -> None:
    sign_in(watched, "sqs-li")
    watched.page.locator("a[data-nav='upload']").click()
    watched.page.get_by_role("heading", level=1, name="导入社会组织台账").wait_for()


def test_upload_check_confirm_and_the_organizations_are_listed(desktop: Watched, server: Server,
                                                               tmp_path: Path) -> None:
    page = desktop.page
    open_upload(desktop)
    shot(page, "upload-empty-desktop.png")
    path = ledger(tmp_path / "上清寺台账.xlsx", [
        filed("上清寺社区书画社"),
        {**filed("化龙桥社区合唱队"), "街道": "hualongqiao"},  # another street's row: refused, row 3
        filed("上清寺社区乒乓球队"),
    ])
    page.locator("#ledger-file").set_input_files(str(path))
    page.get_by_role("button", name="检查（不写入）").click()
    bad = page.locator("#upload-problems tr[data-row='3'][data-column='街道']")
    bad.wait_for()
    assert "hualongqiao" in bad.inner_text() and "outside your jurisdiction" in bad.inner_text()
    assert page.locator("#upload-problems tbody tr").count() == 1
    assert "共 3 行，1 行有问题" in page.locator("#upload-summary").inner_text()
    shot(page, "upload-desktop.png")

    page.get_by_role("button", name="确认导入 2 行").click()
    done = page.locator("#upload-recorded")
    done.wait_for()
    assert "已导入 2 行" in done.inner_text() and "第 2、4 行" in done.inner_text()
    assert page.locator("#upload-progress").count() == 0  # the progress gave way to the result
    shot(page, "upload-done-desktop.png")

    page.locator("#upload-see-list").click()
    page.locator("#f-name").fill("上清寺社区")
    page.get_by_role("button", name="查询").click()
    table = page.locator("#org-table")
    table.get_by_role("link", name="上清寺社区书画社").wait_for()
    assert table.get_by_role("link", name="上清寺社区乒乓球队").is_visible()
    assert "化龙桥社区合唱队" not in table.inner_text()


def test_the_organizations_list_downloads_as_a_workbook_of_its_rows(desktop: Watched, server: Server,
                                                                     tmp_path: Path) -> None:
    page = desktop.page
    sign_in(desktop, "sqs-li")
    page.goto(f"{server.url}/#/organizations?kind=community")
    page.locator("#result-count").wait_for()
    total = int(page.locator("#result-count").inner_text().split("共")[1].split("个")[0].strip().replace(",", ""))
    with page.expect_download() as waiting:
        page.locator("[data-download='ORGANIZATIONS-XLSX']").click()
    download = waiting.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.suffix == ".xlsx"
    rows = list(load_workbook(saved).active.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == total and total > 0
    kind, street = header.index("类型"), header.index("街道")
    assert {(row[kind], row[street]) for row in body} == {("社区社会组织", "shangqingsi")}
    page.get_by_text(f"（{total} 行）").wait_for()


def test_the_upload_page_on_a_phone(phone: Watched, server: Server, tmp_path: Path) -> None:
    page = phone.page
    sign_in(phone, "sqs-li")
    page.goto(f"{server.url}/#/upload")
    page.get_by_role("heading", level=1, name="导入社会组织台账").wait_for()
    path = ledger(tmp_path / "phone.xlsx", [filed("上清寺社区手机队"), {**filed("未来队"), "登记或备案日期": "2999-01-01"}])
    page.locator("#ledger-file").set_input_files(str(path))
    page.get_by_role("button", name="检查（不写入）").click()
    page.locator("#upload-problems tr[data-row='3']").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "upload-phone.png")


def _downloaded(page: Any, button: str, tmp_path: Path) -> list[dict]:
    with page.expect_download() as waiting:
        page.locator(f"[data-download='{button}']").click()
    saved = tmp_path / waiting.value.suggested_filename
    waiting.value.save_as(saved)
    if saved.suffix == ".csv":
        import csv

        return list(csv.DictReader(saved.read_text(encoding="utf-8-sig").splitlines()))
    rows = list(load_workbook(saved).active.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_the_tasks_and_inspections_lists_download_the_rows_their_pages_list(desktop: Watched, server: Server,
                                                                            tmp_path: Path) -> None:
    page = desktop.page
    sign_in(desktop, "sqs-li")
    page.goto(f"{server.url}/#/tasks?tab=street&status=")
    page.locator("body[data-tasks='ready']").wait_for(state="attached")
    tasks = _downloaded(page, "TASKS-XLSX", tmp_path)
    listed = server.graphql("sqs-li", "{ tasks(first: 100) { tasks { id } counts { total } } }")["tasks"]
    assert [r["事项ID"] for r in tasks] == [t["id"] for t in listed["tasks"]] and listed["counts"]["total"] == len(tasks)
    page.goto(f"{server.url}/#/inspections?status=ALL")
    page.locator("#inspection-table, .results p").first.wait_for()
    cases = _downloaded(page, "INSPECTIONS-CSV", tmp_path)
    assert cases and {r["街道"] for r in cases} == {"shangqingsi"}
