"""The public site (/public/) in a real browser: Debian's Chromium driven by Playwright against a real server
(production mode: no dev sign-in), as tests/e2e/test_dashboard.py launches it. Search, an organization's page,
the lists, English, a phone, the keyboard alone. Screenshots: test-artifacts/screenshots/public-*.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.demo_data import HUB_NAME
from infra.postgres.private import free_port
# the browser and the page fixtures of the dashboard's tests, on this module's server
from tests.e2e.test_dashboard import Server, Watched, _serve, browser, desktop, phone, shot  # noqa: F401

SEARCH_LABEL = "组织名称或统一社会信用代码"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _serve(tmp_path_factory.mktemp("public-data"), free_port(), {}, dev=False)


def test_search_then_an_organizations_page(desktop: Watched, server: Server) -> None:
    page = desktop.page
    page.goto(f"{server.url}/public/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("script").count() == 0
    page.get_by_label(SEARCH_LABEL).fill("致远")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("heading", name="查询结果").wait_for()
    shot(page, "public-search.png")
    page.get_by_role("link", name=HUB_NAME).click()
    page.get_by_role("heading", level=1, name=HUB_NAME).wait_for()
    assert "5A" in page.locator(".facts").inner_text()
    assert page.get_by_role("heading", name="公示记录").is_visible()
    shot(page, "public-organization.png")


def test_the_lists_and_english(desktop: Watched, server: Server) -> None:
    page = desktop.page
    page.goto(f"{server.url}/public/lists/abnormal")
    row = page.get_by_role("row").filter(has_text="春森腰鼓队")
    assert "未按期完成整改" in row.inner_text() and "区民政局" in row.inner_text()
    shot(page, "public-abnormal-list.png")
    page.get_by_role("link", name="English").click()
    page.get_by_role("heading", level=1, name="Abnormal activities list").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Penalties").click()  # the language follows the links
    page.get_by_role("heading", level=1, name="Penalties").wait_for()
    shot(page, "public-penalties-en.png")


def test_a_phone_reads_an_organization_without_sideways_scrolling_of_the_page(phone: Watched, server: Server) -> None:
    page = phone.page
    page.goto(f"{server.url}/public/?q=致远")
    page.get_by_role("link", name=HUB_NAME).click()
    page.get_by_role("heading", level=1, name=HUB_NAME).wait_for()
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width  # wide tables scroll inside their own box
    shot(page, "public-phone-organization.png")


def test_the_keyboard_alone_searches_and_opens_an_organization(desktop: Watched, server: Server) -> None:
    page = desktop.page
    page.goto(f"{server.url}/public/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"
    focused = []
    for _ in range(12):  # on through the sections to the search field
        page.keyboard.press("Tab")
        focused.append(page.evaluate("() => document.activeElement.id || document.activeElement.textContent"))
        if focused[-1] == "q":
            break
    assert focused[-1] == "q", focused
    page.keyboard.type("致远")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="查询结果").wait_for()
    page.get_by_role("link", name=HUB_NAME).focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name=HUB_NAME).wait_for()
    shot(page, "public-keyboard.png")
