"""The auditor's console (#/audit) in a real browser, on the demo data: the global event log with its filters
kept in the URL, the chain's verification, the personal-data read audit, a view as of a time; a street officer
gets no console and the API refuses them; a bad filter shows the API's message beside the form.

Screenshots (desktop and phone) of each part go to test-artifacts/screenshots/audit-<part>-<size>.png.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.test_dashboard import (  # noqa: F401 - fixtures, used by name
    PHONE, Server, Watched, browser, desktop, phone, server, shot, sign_in,
)

AUDITOR = "audit-qian"
OLD_NAME, NEW_NAME = "重庆市渝中区上清寺新市民服务中心", "重庆市渝中区新市民服务中心"  # renamed 2019-05-14 09:00
WITH_ID_NUMBER = "上清寺路自治物业中心"  # its legal representative's ID number is on record
LOG = """query($filter: EventLogFilter, $first: Int!) { eventLog(filter: $filter, first: $first) {
  events { position type actor { username department } } } }"""


def refused(server: Server, user: str, query: str) -> str | None:
    response = httpx.post(f"{server.url}/graphql", json={"query": query},
                          headers={"Authorization": f"Bearer {server.issuer.issue(user)}"}, timeout=30)
    errors = response.json().get("errors")
    return errors[0]["extensions"]["code"] if errors else None


def open_part(watched: Watched, part: str, query: str = "") -> Any:
    page = watched.page
    page.evaluate("document.body.dataset.audit = 'left'")  # so that the wait below is for this part's answer
    page.goto(f"{watched.server.url}/#/audit?part={part}{'&' + query if query else ''}")
    shown(page)
    assert page.locator(f".audit-part[data-part='{part}']").count() == 1
    return page


def shown(page: Any) -> None:
    """The console's part has its answer (rows, or the API's refusal)."""
    page.locator("body[data-audit='ready']").wait_for(state="attached")


def log_positions(page: Any) -> list[int]:
    shown(page)
    return [int(p) for p in page.locator("#audit-log > li").evaluate_all("items => items.map(i => i.dataset.position)")]


def test_the_auditor_reads_the_log_with_filters_in_the_url(desktop: Watched, server: Server) -> None:
    page = desktop.page
    sign_in(desktop, AUDITOR)
    page.get_by_role("link", name="审计", exact=True).click()
    page.get_by_role("heading", name="审计控制台").wait_for()
    expected = server.graphql(AUDITOR, LOG, {"filter": None, "first": 50})["eventLog"]["events"]
    assert log_positions(page) == [e["position"] for e in expected]
    first = page.locator("#audit-log > li").first
    assert first.locator(".badge.position").inner_text() == f"#{expected[0]['position']}"
    assert first.get_attribute("data-type") == expected[0]["type"]
    assert "北京时间" in page.locator(".site-footer").inner_text()
    shot(page, "audit-log-desktop.png")

    # A filter goes into the URL; a reload keeps it; the next page's cursor is in the URL too.
    page.get_by_label("部门").select_option("finance")
    page.get_by_label("记录时间起（含，北京时间）").fill("2018-01-01T00:00:00")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**department=finance**")
    finance = server.graphql(AUDITOR, LOG, {"filter": {"department": "finance", "since": "2018-01-01T00:00:00"},
                                            "first": 50})["eventLog"]["events"]
    assert finance and log_positions(page) == [e["position"] for e in finance]
    assert set(page.locator("#audit-log .event-who").all_inner_texts()) <= {
        f"{e['actor']['username']}（财政局）" for e in finance}
    page.reload()
    page.get_by_role("heading", name="审计控制台").wait_for()
    assert log_positions(page) == [e["position"] for e in finance]
    assert page.get_by_label("部门").input_value() == "finance"
    if page.locator("#audit-next").is_enabled():
        page.locator("#audit-next").click()
        page.wait_for_url(f"**after={finance[-1]['position']}**")
        assert min(log_positions(page)) > finance[-1]["position"]

    # One organization's events, in a range of positions.
    org = server.org_id(AUDITOR, NEW_NAME)
    own = server.graphql(AUDITOR, LOG, {"filter": {"organizationId": org}, "first": 50})["eventLog"]["events"]
    low, high = own[1]["position"], own[-1]["position"]
    open_part(desktop, "log", f"org={org}&from={low}&to={high}")
    assert log_positions(page) == [e["position"] for e in own[1:]]
    assert page.locator("#a-org").input_value() == org


def test_the_auditor_verifies_the_chain(desktop: Watched, server: Server) -> None:
    page = desktop.page
    sign_in(desktop, AUDITOR)
    open_part(desktop, "chain")
    page.get_by_role("button", name="运行校验").click()
    page.locator("#audit-verdict").wait_for()
    assert page.locator("#audit-verdict").inner_text().strip() == "链完整"
    report = server.graphql(AUDITOR, "{ verifyChain { sealedHead algorithm } }")["verifyChain"]
    facts = page.locator("#audit-chain-facts").inner_text()
    assert report["algorithm"] in facts and "已封存至序号" in facts
    assert "尚无存储的检查点" in page.locator("#audit-chain").inner_text()
    assert "null" not in page.locator("#audit-chain").inner_text()  # what is absent shows as nothing
    shot(page, "audit-chain-desktop.png")


def test_a_read_of_personal_data_shows_in_the_read_audit(desktop: Watched, server: Server) -> None:
    page = desktop.page
    org = server.org_id(AUDITOR, WITH_ID_NUMBER)
    person = server.graphql("ca-zhang", "query($o: ID!) { organization(id: $o) { legalRepresentative { idNumber } } }",
                            {"o": org})["organization"]["legalRepresentative"]
    assert person["idNumber"] and "*" not in person["idNumber"]
    sign_in(desktop, AUDITOR)
    open_part(desktop, "reads")
    page.get_by_label("查阅人（用户名）").fill("ca-zhang")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**user=ca-zhang**")
    page.locator("#audit-reads").wait_for()
    rows = page.locator("#audit-reads tbody tr")
    assert rows.count() >= 1
    row = rows.filter(has_text=WITH_ID_NUMBER).last
    assert "ca-zhang (区民政局)" in row.inner_text() and "organization.legalRepresentative" in row.inner_text()
    assert set(page.locator("#audit-reads .reader").all_inner_texts()) == {"ca-zhang (区民政局)"}
    page.reload()
    page.locator("#audit-reads").wait_for()
    assert page.get_by_label("查阅人（用户名）").input_value() == "ca-zhang"
    shot(page, "audit-reads-desktop.png")


def test_a_view_as_of_a_time_before_an_event_lacks_it_and_after_has_it(desktop: Watched, server: Server) -> None:
    page = desktop.page
    org = server.org_id(AUDITOR, NEW_NAME)
    sign_in(desktop, AUDITOR)

    def name_at(at: str) -> str:
        open_part(desktop, "asof", f"view=civil_affairs_registry&table=organizations&at={at}&org={org}")
        page.locator("#audit-asof-rows").wait_for()
        rows = page.locator("#audit-asof-rows tbody tr")
        assert rows.count() == 1
        return page.locator("#audit-asof-rows").inner_text()

    before = name_at("2019-05-14T08:59:59")
    assert OLD_NAME in before and NEW_NAME not in before
    after = name_at("2019-05-14T09:00:00")
    assert NEW_NAME in after
    assert "null" not in page.locator("#audit-results").inner_text().split(NEW_NAME)[0]
    assert "截至 2019/05/14 09:00:00" in page.locator("#audit-count").inner_text()
    assert page.locator("#v-org").is_visible() and page.locator("#v-street").is_visible()
    shot(page, "audit-asof-desktop.png")

    # The form picks the view and table; the organization and street fields follow the table.
    page.get_by_label("视图", exact=True).select_option("event_history")
    assert page.locator("#v-table").input_value() == "events"
    assert page.locator("#v-org").is_visible() and not page.locator("#v-street").is_visible()
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**view=event_history**")
    page.locator("#audit-asof-rows").wait_for()
    assert "Organization.RegistrationChanged" in page.locator("#audit-asof-rows").inner_text()


def test_a_street_officer_has_no_console_and_the_api_refuses(desktop: Watched, server: Server) -> None:
    page = desktop.page
    sign_in(desktop, "sqs-li")
    assert page.locator("a[data-nav='audit']").count() == 0
    for query in ("{ eventLog(first: 1) { upTo } }", "{ verifyChain { intact } }",
                  "{ personalDataReads(first: 1) { nextAfter } }", "{ auditViews { name } }",
                  '{ viewAsOf(view: "party_building", at: "2020-01-01T00:00:00") { position } }'):
        assert refused(server, "sqs-li", query) == "FORBIDDEN", query
    open_part(desktop, "log")  # the address typed by hand: the API's answer, not a broken page
    assert page.locator("#audit-error").inner_text() == "接口拒绝了该查询：sqs-li may not query eventLog"


def test_a_bad_filter_shows_the_apis_message(desktop: Watched, server: Server) -> None:
    page = desktop.page
    sign_in(desktop, AUDITOR)
    open_part(desktop, "log", "since=2020-13-01T00:00:00")
    page.locator("#audit-error").wait_for()
    assert page.locator("#audit-error").inner_text().startswith("接口拒绝了该查询：")
    assert page.locator("#audit-log-form").is_visible()

    page.get_by_label("记录时间起（含，北京时间）").fill("2021-01-01T00:00:00")
    page.get_by_label("记录时间止（不含，北京时间）").fill("2020-01-01T00:00:00")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**until=2020-01-01**")
    page.get_by_text("the end of the time range is not after its start").wait_for()

    open_part(desktop, "log", "from=9&to=3")
    page.get_by_text("toPosition < fromPosition").wait_for()
    open_part(desktop, "asof", "view=civil_affairs_registry&table=penalties&at=2020-01-01&street=shangqingsi")
    page.get_by_text("has no street column").wait_for()
    open_part(desktop, "asof", "view=civil_affairs_registry&at=2020-02-30T00:00:00")
    page.locator("#audit-error").wait_for()
    shot(page, "audit-bad-filter-desktop.png")


def test_each_part_on_a_phone(phone: Watched, server: Server) -> None:
    page = phone.page
    sign_in(phone, AUDITOR)
    for part, query, ready in (("log", "", "#audit-log"), ("reads", "", "#audit-results > p.result-count"),
                               ("asof", "view=civil_affairs_registry&at=2020-01-01T00:00:00&street=shangqingsi",
                                "#audit-asof-rows"),
                               ("chain", "", None)):
        open_part(phone, part, query)
        if ready:
            page.locator(ready).wait_for()
        else:
            page.get_by_role("button", name="运行校验").click()
            page.locator("#audit-verdict").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], part
        shot(page, f"audit-{part}-phone.png")

    page.get_by_role("button", name="Switch to English").click()
    page.get_by_role("heading", name="Audit console").wait_for()
    assert page.get_by_role("link", name="Audit", exact=True).count() == 1
