"""The overview's figures open their rows, in a real browser (the harness of test_dashboard.py): each figure's
drill-down page shows as many rows as the figure counts, or totals to the figure's money; the funding table sorts
on the server by its column headings; every filter, the sort and the page are in the URL, so they survive a
reload. Screenshots of each drill-down page, desktop and phone, go to test-artifacts/screenshots/."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.test_dashboard import (  # noqa: F401 - fixtures: server, browser, desktop, phone
    Server,
    Watched,
    browser,
    desktop,
    kpi,
    phone,
    server,
    shot,
    sign_in,
)


def _drilled(page: Any, go: Any) -> None:
    """Do ``go`` (a click, a navigation) and wait until the drill-down page it opens has drawn its rows."""
    page.evaluate("delete document.body.dataset.drill")  # a page drawn before is no sign of this one
    go()
    page.locator("body[data-drill='ready']").wait_for(state="attached")


def _open_figure(page: Any, name: str) -> None:
    _drilled(page, page.locator(f"[data-kpi='{name}'] a.kpi-link").click)


def _open_listed(page: Any) -> None:
    """The credit-list figure opens the organizations page, filtered."""
    page.locator("[data-kpi='listed'] a.kpi-link").click()
    page.wait_for_url(re.compile(r"#/organizations\?.*credit=ANY"))
    page.locator("#result-count").wait_for()


def _count(page: Any) -> int:
    """The rows counted at the head of a drill-down (共 N 条) or of the organizations page (共 N 个)."""
    return int(re.match(r"共 (\d+) [条个]", page.locator("#result-count").inner_text()).group(1))


def _back_to_overview(page: Any) -> None:
    page.go_back()
    page.locator("body[data-figures='ready']").wait_for(state="attached")
    page.locator("[data-kpi] a.kpi-link").first.wait_for()


def _fen(text: str) -> int:
    return int(text.replace("¥", "").replace(",", "").replace(".", ""))


def test_each_figure_opens_its_rows_and_they_agree(desktop: Watched, server: Server) -> None:
    page = desktop.page
    sign_in(desktop, "sqs-li")
    figures = {name: kpi(page, name) for name in ("inspections", "overdue", "listed", "awarded", "disbursed")}
    party_note = page.locator("[data-kpi='party'] .kpi-note").inner_text()
    covered, active = map(int, re.match(r"(\d+)/(\d+)", party_note).groups())

    _open_figure(page, "overdue")
    assert "overdue=1" in page.url and "street=shangqingsi" in page.url
    assert _count(page) == int(figures["overdue"]) > 0
    assert page.locator("#inspection-table tbody tr").count() == int(figures["overdue"])
    assert page.locator("#inspection-table tbody [data-days-overdue]").count() == int(figures["overdue"])
    shot(page, "inspections-desktop.png")
    _back_to_overview(page)

    _open_figure(page, "inspections")
    assert _count(page) == int(figures["inspections"])
    overdue = [row.locator("[data-days-overdue]").count() > 0 for row in page.locator("#inspection-table tbody tr").all()]
    assert overdue == sorted(overdue, reverse=True) and overdue.count(True) == int(figures["overdue"])
    _back_to_overview(page)

    _open_listed(page)
    assert _count(page) == int(figures["listed"]) > 0
    _back_to_overview(page)

    _open_figure(page, "party")
    assert _count(page) == active - covered
    shot(page, "party-gaps-desktop.png")
    _back_to_overview(page)

    _open_figure(page, "awarded")
    total = page.locator("#funding-table tfoot td").all_inner_texts()
    assert total[1:3] == [figures["awarded"], figures["disbursed"]]  # the project column's cell, then the money
    shot(page, "funding-desktop.png")


def test_the_funding_table_sorts_on_the_server_and_keeps_it_in_the_url(desktop: Watched, server: Server) -> None:
    page = desktop.page
    sign_in(desktop, "sqs-li")
    _drilled(page, lambda: page.goto(f"{server.url}/#/funding?year=2025&sort=awarded"))

    def column(index: int) -> list[str]:
        return page.locator(f"#funding-table tbody tr > :nth-child({index})").all_inner_texts()

    def sorted_by(key: str) -> str | None:
        return page.locator(f"#funding-table thead th:has(button[data-sort='{key}'])").get_attribute("aria-sort")

    awarded = [_fen(text) for text in column(3)]
    assert len(awarded) > 1 and awarded == sorted(awarded, reverse=True) and sorted_by("awarded") == "descending"
    for key, index, money in (("awarded", 3, True), ("disbursed", 4, True), ("organization", 1, False)):
        _drilled(page, page.locator(f"button[data-sort='{key}']").click)
        direction = sorted_by(key)
        values = [_fen(v) if money else v for v in column(index)]
        assert values == sorted(values, reverse=direction == "descending"), (key, direction)
        assert f"sort={key}" in page.url and "year=2025" in page.url
    # The filters, the sort and its direction are in the URL: a reload opens the same rows in the same order.
    shown, url = column(1), page.url
    _drilled(page, page.reload)
    assert page.url == url and column(1) == shown and sorted_by("organization") == "ascending"
    assert page.locator("#f-year").input_value() == "2025"


def test_a_drill_down_pages_through_the_url(desktop: Watched, server: Server) -> None:
    page = desktop.page
    sign_in(desktop, "sqs-li")
    _drilled(page, lambda: page.goto(f"{server.url}/#/party?gap=NO_PARTY_ORGANIZATION"))
    first = page.locator("#party-table tbody th").all_inner_texts()
    assert len(first) == 20 and "第 1 页" in page.locator("#result-count").inner_text()
    _drilled(page, page.locator("#next-page").click)
    assert "page=2" in page.url and "gap=NO_PARTY_ORGANIZATION" in page.url
    second = page.locator("#party-table tbody th").all_inner_texts()
    assert second and not set(second) & set(first) and max(first) <= min(second)  # by name, no row twice
    _drilled(page, page.reload)
    assert page.locator("#party-table tbody th").all_inner_texts() == second
    assert page.locator("#f-gap").input_value() == "NO_PARTY_ORGANIZATION"


def test_a_district_officer_who_picked_a_street_opens_that_streets_rows(desktop: Watched, server: Server) -> None:
    page = desktop.page
    sign_in(desktop, "ca-zhang")
    page.locator("#street-select").select_option("yuzhong/shangqingsi")  # a street is named within its district
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(re.compile(r"street=shangqingsi"))
    page.locator("h1", has_text="上清寺街道概览").wait_for()
    page.locator("body[data-figures='ready']").wait_for(state="attached")
    page.locator("[data-kpi] a.kpi-link").first.wait_for()
    figures = {name: kpi(page, name) for name in ("inspections", "listed", "awarded")}
    links = page.locator(".breakdowns a, [data-kpi] a, .credit-list h3 a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    assert len(links) > 6 and all("street=shangqingsi" in link for link in links), links  # the street picked

    _open_listed(page)  # the organizations page, filtered by the credit lists and the street picked
    assert _count(page) == int(figures["listed"])
    assert set(page.locator("#org-table td.col-street").all_inner_texts()) == {"上清寺街道"}
    assert page.locator("#f-street").input_value() == "shangqingsi"
    page.reload()
    page.locator("#org-table").wait_for()
    assert _count(page) == int(figures["listed"])
    _back_to_overview(page)

    _open_figure(page, "inspections")
    assert _count(page) == int(figures["inspections"]) and page.locator("#f-street").input_value() == "shangqingsi"
    _back_to_overview(page)
    _open_figure(page, "awarded")
    assert page.locator("#funding-table tfoot td").all_inner_texts()[1] == figures["awarded"]


def test_the_drill_down_pages_on_a_phone(phone: Watched, server: Server) -> None:
    page = phone.page
    sign_in(phone, "sqs-li")
    for path, name in (("/inspections?status=ALL", "inspections"), ("/funding?sort=disbursed", "funding"),
                       ("/party?gap=NO_INSTRUCTOR", "party-gaps")):
        _drilled(page, lambda path=path: page.goto(f"{server.url}/#{path}"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name  # nothing wider than the phone
        shot(page, f"{name}-phone.png")
