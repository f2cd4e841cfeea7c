"""The overview and the organization pages as an officer works in them, in a real browser (the server, browser
and helpers of tests/e2e/test_dashboard.py): the community filter kept with a status; every figure equal to
its breakdown on every street; the alert feed (open ones, or all; the street picked; in English); the figures
and feed following a listing recorded through the API, without a reload; the timeline by date, a page at a
time, in a range. Screenshots: overview-* and timeline-* (desktop, phone) in test-artifacts/screenshots/."""

from __future__ import annotations

import re
from typing import Any

from gateway.demo_data import HUB_NAME
from tests.e2e.test_dashboard import (  # noqa: F401 - fixtures, used by name
    PHONE,
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

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
ACCEPT = """mutation($alert: ID!) { acceptProposal(command: {reason: "采纳建议，列入活动异常名录", occurredOn: "2026-11-20"},
  alertId: $alert) { eventIds } }"""


def _count(text: str) -> int:
    return int(re.match(r"[\d,]+", text.strip()).group(0).replace(",", ""))


def _breakdown_sum(page: Any, selector: str) -> int:
    return sum(_count(text) for text in page.locator(f"{selector} tbody td .num").all_inner_texts())


def _feed_ids(page: Any) -> list[str]:
    return page.locator("#alert-feed li").evaluate_all("items => items.map(i => i.dataset.alertId)")


def _api_alerts(server: Server, user: str, **asked: Any) -> list[dict[str, Any]]:
    query = """query($open: Boolean!, $street: String, $district: String) {
      alerts(first: 20, openOnly: $open, street: $street, district: $district) { alerts { id status organizationName proposal } } }"""
    return server.graphql(user, query, {"open": True, **asked})["alerts"]["alerts"]


def test_the_community_of_a_link_stays_when_a_status_is_chosen(desktop: Watched, server: Server) -> None:
    page = desktop.page
    sign_in(desktop, "sqs-li")
    page.locator("body[data-charts='ready']").wait_for(state="attached")
    link = page.locator(".community-chart tbody a").first
    community = link.inner_text()
    link.click()
    page.locator("#result-count").wait_for()
    page.locator(f"#f-community option[value='{community}']").wait_for(state="attached")
    assert page.locator("#f-community").input_value() == community
    assert page.locator("#f-community option").count() > 2  # every community of the street, and "all"
    page.locator("#f-status").select_option("filed")
    page.get_by_role("button", name="查询").click()
    page.wait_for_function("() => location.hash.includes('status=filed')")
    page.locator("#result-count").wait_for()
    assert f"community={community}" in page.evaluate("decodeURIComponent(location.hash)")
    assert page.locator("#f-community").input_value() == community
    communities = set(page.locator("#org-table td[data-label='社区']").all_inner_texts())
    assert communities == {community}
    statuses = set(page.locator("#org-table td[data-label='状态']").all_inner_texts())
    assert statuses == {"已备案"}


def test_every_figure_equals_its_breakdown_on_every_street(desktop: Watched, server: Server) -> None:
    page = desktop.page
    sign_in(desktop, "ca-zhang")  # civil affairs: the district, a street picked
    options = page.locator("#street-select option")
    options.first.wait_for(state="attached")
    values = options.evaluate_all("os => os.map(o => [o.value, o.textContent])")
    assert len(values) >= 2 and all(re.fullmatch(r"yuzhong/\w+", value) for value, _ in values), values
    for value, name in values:
        page.locator("#street-select").select_option(value)
        page.get_by_role("button", name="查看").click()
        page.get_by_role("heading", name=f"{name}概览").wait_for()
        page.locator(".kpis").wait_for(state="attached")
        organizations = _count(kpi(page, "organizations"))
        for breakdown in (".breakdown-kind", ".breakdown-status", ".breakdown-category"):
            assert _breakdown_sum(page, breakdown) == organizations, (name, breakdown)
        page.locator(".community-chart").wait_for(state="attached")
        assert _breakdown_sum(page, ".community-chart") == organizations, name
        ended = _count(kpi(page, "ended"))
        note = page.locator("[data-kpi='ended'] .kpi-note")
        noted = sum(map(int, re.findall(r"\d+", note.inner_text()))) if note.count() else 0
        assert noted == ended, name
        district, street = value.split("/")
        assert page.evaluate("location.hash") == f"#/?district={district}&street={street}"
        # The feed is the street's: the open alerts the API gives for it, in order.
        page.wait_for_function("n => document.querySelectorAll('#alert-feed li').length === n",
                               arg=len(_api_alerts(server, "ca-zhang", street=street, district=district)))
        assert _feed_ids(page) == [a["id"] for a in _api_alerts(server, "ca-zhang", street=street, district=district)]


def test_the_feed_shows_open_alerts_or_all_and_english_words(desktop: Watched, server: Server) -> None:
    page = desktop.page
    sign_in(desktop, "sqs-li")
    page.locator(".live-state[data-live='open']").wait_for()
    opened = [a["id"] for a in _api_alerts(server, "sqs-li")]
    every = [a["id"] for a in _api_alerts(server, "sqs-li", open=False)]
    assert len(every) > len(opened)
    assert _feed_ids(page) == opened
    assert set(page.locator("#alert-feed li").evaluate_all("is => is.map(i => i.dataset.status)")) == {"open"}

    page.locator(".alert-toggle a[data-alerts='all']").click()
    page.wait_for_function("() => location.hash.includes('alerts=all')")
    page.locator("#alert-feed[data-shown='all']").wait_for(state="attached")
    page.wait_for_function("n => document.querySelectorAll('#alert-feed li').length === n", arg=len(every))
    assert _feed_ids(page) == every
    assert "resolved" in page.locator("#alert-feed li").evaluate_all("is => is.map(i => i.dataset.status)")

    page.get_by_role("button", name="Switch to English").click()
    page.get_by_role("heading", name="Joint supervision alerts").wait_for()
    page.wait_for_function("n => document.querySelectorAll('#alert-feed li').length === n", arg=len(every))
    for item in page.locator("#alert-feed li").all():
        name = item.locator(".alert-foot a").inner_text()
        message = item.locator(".alert-message").inner_text()
        assert name in message and not CJK.search(message.replace(name, "")), message
    page.get_by_role("button", name="切换到中文").click()
    page.get_by_role("link", name="概览").wait_for()


def test_the_timeline_by_date_a_page_at_a_time_in_a_range(desktop: Watched, server: Server) -> None:
    page = desktop.page
    sign_in(desktop, "sqs-li")
    hub = server.org_id("sqs-li", HUB_NAME)
    page.goto(f"{server.url}/#/org/{hub}")
    page.locator("body[data-timeline='ready']").wait_for(state="attached")
    dates = lambda: page.locator("#timeline .event-when > time").evaluate_all(  # noqa: E731
        "ts => ts.map(t => t.getAttribute('datetime'))")
    first = dates()
    assert len(first) == 20 and first == sorted(first, reverse=True)  # the newest by the date shown
    total = _count(page.locator("#timeline-count").inner_text())
    assert total > 40
    assert page.locator(".event-recorded time").count() == 20  # the recording time beside each date
    shot(page, "timeline-desktop.png")
    page.evaluate("window.__stillTheSamePage = true")
    page.locator("#timeline-next").click()
    page.wait_for_function("() => location.hash.includes('page=2')")
    page.wait_for_function("d => document.querySelector('#timeline .event-when > time').getAttribute('datetime') !== d",
                           arg=first[0])
    second = dates()
    assert second == sorted(second, reverse=True) and second[0] <= first[-1]
    assert page.locator("h1").inner_text() == HUB_NAME and page.evaluate("window.__stillTheSamePage") is True
    page.locator("#timeline-prev").click()
    page.wait_for_function("() => !location.hash.includes('page=')")
    page.wait_for_function("d => document.querySelector('#timeline .event-when > time').getAttribute('datetime') === d",
                           arg=first[0])

    # A range, its first and last day included.
    days = sorted(set(first + second))
    start, end = days[-8], days[-3]  # within the first two pages, away from their oldest day
    page.locator("#timeline-from").fill(start)
    page.locator("#timeline-to").fill(end)
    page.locator(".timeline-controls button[type='submit']").click()
    page.wait_for_function("() => location.hash.includes('from=') && location.hash.includes('to=')")
    page.wait_for_function("n => document.querySelector('#timeline-count')?.textContent.startsWith(n) === false",
                           arg=f"{total} ")
    ranged = dates()
    assert ranged and all(start <= d <= end for d in ranged) and {start, end} <= set(ranged)
    expected = sum(1 for d in first + second if start <= d <= end)
    assert _count(page.locator("#timeline-count").inner_text()) == expected == len(ranged)
    assert page.locator("#timeline-next").count() == 0  # one page: no pager


def test_the_pages_on_a_phone(phone: Watched, server: Server) -> None:
    page = phone.page
    sign_in(phone, "sqs-li")
    page.locator("body[data-charts='ready']").wait_for(state="attached")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "overview-phone.png")
    page.goto(f"{server.url}/#/org/{server.org_id('sqs-li', HUB_NAME)}")
    page.locator("body[data-timeline='ready']").wait_for(state="attached")
    assert page.locator("#timeline li").count() == 20
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "timeline-phone.png")


def test_the_open_overview_follows_a_listing_recorded_through_the_api(desktop: Watched, server: Server) -> None:
    """Civil affairs accepts a proposal to list one of the street's organizations not yet listed: the street
    officer's open overview counts the listing, drops the proposal from its open alerts and shows the rules'
    notice of the listing, without a reload."""
    page = desktop.page
    sign_in(desktop, "sqs-li")
    page.locator(".live-state[data-live='open']").wait_for()
    page.evaluate("window.__stillTheSamePage = true")
    listed = _count(kpi(page, "listed"))
    shown = _feed_ids(page)
    # A proposal to list an organization of the street, addressed to civil affairs and the street office both.
    listed_names = page.locator(".credit-list").inner_text()
    proposal = next(a for a in _api_alerts(server, "ca-zhang", street="shangqingsi") if a["id"] in shown
                    and (a["proposal"] or {}).get("list") and a["organizationName"] not in listed_names)
    shot(page, "overview-desktop.png")

    server.graphql("ca-zhang", ACCEPT, {"alert": proposal["id"]})
    page.wait_for_function("n => document.querySelector(\"[data-kpi='listed'] .kpi-value\").textContent === String(n)",
                           arg=listed + 1)
    page.wait_for_function("id => !document.querySelector(`#alert-feed li[data-alert-id='${id}']`)", arg=proposal["id"])
    assert proposal["organizationName"] in page.locator(".credit-list").inner_text()
    assert page.evaluate("window.__stillTheSamePage") is True  # no reload
    assert _feed_ids(page) == [a["id"] for a in _api_alerts(server, "sqs-li")]
