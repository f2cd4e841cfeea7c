"""The street office's dashboard in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by
Playwright, against a real server (``python -m gateway serve --dev`` on a free port, demo data loaded into a
temporary data directory, the embedded SQLite store).

Screenshots of every page go to test-artifacts/screenshots/. The first load (navigation start to the
overview's figures rendered) is measured and printed (run with ``-s`` to see it) and written to
test-artifacts/first-load.txt.

Without Chromium (or the playwright package) these tests skip with the reason, except under CI=true,
where they fail. Never ``playwright install``: the browser is the system's.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from auth.dev import DevTokenIssuer
from gateway.demo import load_demo
from gateway.demo_data import HUB_NAME
from gateway.settings import Settings
from gateway.storage import open_application
from infra.postgres.private import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SHOTS = ARTIFACTS / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
WAIT_MS = 20_000


@dataclass
class Server:
    url: str
    issuer: DevTokenIssuer
    log: Path

    def call(self, user: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The API's whole answer, errors included."""
        response = httpx.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}},
                              headers={"Authorization": f"Bearer {self.issuer.issue(user)}"}, timeout=30)
        return response.json()

    def graphql(self, user: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = self.call(user, query, variables)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def org_id(self, user: str, name: str) -> str:
        found = self.graphql(user, "query($n: String) { organizations(filter: {name: $n}) { edges { node { id name } } } }",
                             {"n": name})["organizations"]["edges"]
        return next(e["node"]["id"] for e in found if e["node"]["name"] == name)


def _serve(data_dir: Path, port: int, extra_env: dict[str, str], dev: bool) -> Iterator[Server]:
    """A real gateway process (``python -m gateway serve``) on the demo data in ``data_dir``, embedded store."""
    application = open_application(Settings(data_dir=data_dir, database_url=None))
    load_demo(application)
    application.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANJIAN_")}
    env.update(LIANJIAN_DATA_DIR=str(data_dir), LIANJIAN_TICK_INTERVAL_SECONDS="1000000000", **extra_env)
    command = [sys.executable, "-m", "gateway", "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command + (["--dev"] if dev else []), cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer within 60 s:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield Server(url=url, issuer=DevTokenIssuer(data_dir), log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The gateway in dev mode on a free port (dev sign-in picker)."""
    yield from _serve(tmp_path_factory.mktemp("dashboard-data"), free_port(), {"LIANJIAN_DEV_MODE": "true"}, dev=True)


@pytest.fixture(scope="module")
def browser(unavailable) -> Iterator[Any]:
    if not CHROMIUM.exists():
        unavailable("Chromium", f"{CHROMIUM} is missing (apt-get install -y chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Chromium", "the playwright package is missing (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except Exception as error:  # noqa: BLE001 - any failure to start is the reason to give
            unavailable("Chromium", f"Chromium did not start: {error}")
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Watched:
    """A page, and what went wrong in it or left this machine's server."""

    page: Any
    server: Server
    problems: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


def _open(browser: Any, server: Server, viewport: dict[str, int], also: tuple[str, ...] = ()) -> Iterator[Watched]:
    # The browser's own zone is New York on purpose: the page must still show Beijing time.
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="America/New_York",
                                  device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    watched = Watched(page, server)
    page.on("pageerror", lambda error: watched.problems.append(f"page error: {error}"))
    page.on("console", lambda message: message.type == "error" and watched.problems.append(f"console: {message.text}"))
    ours = (server.url, server.url.replace("http://", "ws://"), *also)
    page.on("request", lambda request: None if request.url.startswith(ours) or request.url.startswith("data:")
            else watched.foreign.append(request.url))
    page.on("websocket", lambda ws: None if ws.url.startswith(ours) else watched.foreign.append(ws.url))
    try:
        yield watched
    finally:
        context.close()
    assert watched.problems == [], watched.problems
    assert watched.foreign == [], f"requests left the server: {watched.foreign}"


@pytest.fixture
def desktop(browser: Any, server: Server) -> Iterator[Watched]:
    yield from _open(browser, server, DESKTOP)


@pytest.fixture
def phone(browser: Any, server: Server) -> Iterator[Watched]:
    yield from _open(browser, server, PHONE)


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(150)  # let the charts' first drawing settle
    page.screenshot(path=str(SHOTS / name), full_page=True)


def sign_in(watched: Watched, username: str = "sqs-li") -> None:
    page = watched.page
    page.goto(f"{watched.server.url}/")
    page.get_by_role("heading", name="开发模式：选择演示用户").wait_for()
    page.locator(f"button[data-username='{username}']").click()
    page.locator("body[data-figures='ready']").wait_for(state="attached")


def kpi(page: Any, name: str) -> str:
    return page.locator(f"[data-kpi='{name}'] .kpi-value").inner_text().strip()


# -- the tests ---------------------------------------------------------------------------------------------


def test_street_officer_signs_in_sees_only_their_street_and_reads_a_timeline(desktop: Watched, server: Server) -> None:
    page = desktop.page
    page.goto(f"{server.url}/")
    page.get_by_role("heading", name="开发模式：选择演示用户").wait_for()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.locator("button[data-username='sqs-li']").wait_for()
    assert page.locator("button[data-username]").count() == len(server.issuer.users)
    shot(page, "01-sign-in-dev-picker.png")

    page.locator("button[data-username='sqs-li']").click()
    page.locator("body[data-figures='ready']").wait_for(state="attached")
    page.locator("body[data-charts='ready']").wait_for(state="attached")
    assert page.locator("h1").inner_text() == "上清寺街道概览"
    assert page.locator(".who-name").inner_text() == "李娜"
    assert kpi(page, "organizations") == "74"
    assert re.fullmatch(r"¥\d{1,3}(,\d{3})*\.\d{2}", kpi(page, "awarded")), kpi(page, "awarded")
    assert page.get_by_role("img", name=re.compile("每年登记和备案的社会组织")).count() == 1
    assert page.get_by_role("img", name=re.compile("每年政府购买服务资金")).count() == 1
    shot(page, "02-overview-sqs-li.png")

    # The list: every organization is in 上清寺, across all pages (cursor pagination).
    page.get_by_role("link", name="社会组织", exact=True).click()
    page.locator("#result-count").wait_for()
    assert page.locator("#result-count").inner_text().startswith("共 74 个")
    shot(page, "03-organizations.png")
    streets: list[str] = []
    names: list[str] = []
    while True:
        page.locator("#org-table").wait_for()
        streets += page.locator("#org-table td.col-street").all_inner_texts()
        names += page.locator("#org-table tbody th a").all_inner_texts()
        following = page.locator("#next-page")
        if following.is_disabled():
            break
        before = names[-1]
        following.click()
        page.wait_for_function("n => document.querySelector('#org-table tbody th a')?.textContent !== n", arg=before)
    assert len(names) == 74 and len(set(names)) == 74
    assert set(streets) == {"上清寺街道"}

    # A 化龙桥 organization exists (civil affairs sees it) but is not found by the 上清寺 officer.
    assert server.org_id("ca-zhang", "李子坝社区社工室")
    page.get_by_label("名称").fill("李子坝")
    page.get_by_role("button", name="查询").click()
    page.get_by_text("没有符合条件的社会组织。").wait_for()

    # Open the hub and read its timeline: who, when (Beijing time), why, legal basis.
    page.get_by_label("名称").fill("致远")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name=HUB_NAME).click()
    page.locator("body[data-timeline='ready']").wait_for(state="attached")
    assert page.locator("h1").inner_text() == HUB_NAME
    assert page.locator("#timeline li").count() == 20  # a page of the newest; the first event is on the last
    page.locator("#timeline-order").click()
    page.locator("#timeline-order[aria-pressed='false']").wait_for()
    registered = page.locator("#timeline li[data-type='Organization.Registered']")
    assert registered.locator(".event-title").inner_text() == "成立登记"
    assert registered.locator("time").first.inner_text() == "2014年10月20日"
    assert registered.locator(".event-who").inner_text() == "ca-zhang（区民政局）"
    assert registered.locator(".event-why").inner_text() == "准予成立登记，核发登记证书"
    assert "《社会团体登记管理条例》" in registered.locator(".event-basis").inner_text()
    assert "2014/10/20 09:00" in registered.inner_text()  # recorded 01:00 UTC, shown in Beijing time
    assert "¥60,000.00" in page.locator(".panel", has_text="政府购买服务").inner_text()
    shot(page, "04-organization-timeline.png")


def test_an_event_recorded_through_the_api_reaches_the_open_overview_live(desktop: Watched, server: Server) -> None:
    page = desktop.page
    sign_in(desktop, "sqs-li")
    page.locator(".live-state[data-live='open']").wait_for()
    page.evaluate("window.__stillTheSamePage = true")
    before = page.locator("#alert-feed li").count()

    organization = server.org_id("tax-he", "木兰艺术团")
    started = time.perf_counter()
    result = server.graphql("tax-he", """
        mutation($org: ID!) {
          imposePenalty(organizationId: $org, kind: "fine", amount: "500.00",
                        command: {reason: "未按规定办理税务登记", occurredOn: "2026-11-20",
                                  legalBasis: "《中华人民共和国税收征收管理法》第六十条"}) { eventIds }
        }""", {"org": organization})
    assert result["imposePenalty"]["eventIds"]

    message = "木兰艺术团受到税务局处罚：罚款 500.00 元"
    fresh = page.locator("#alert-feed li.fresh", has_text=message)
    fresh.wait_for(timeout=WAIT_MS)
    print(f"\nlive alert: recorded through the API -> shown on the open overview in {time.perf_counter() - started:.2f} s")
    assert page.evaluate("window.__stillTheSamePage") is True  # no reload
    assert page.locator("#alert-feed li").count() == before + 1
    assert page.locator("#alert-feed li").first.get_attribute("data-alert-id") == fresh.get_attribute("data-alert-id")
    assert page.locator("#alert-feed").get_attribute("aria-live") == "polite"
    assert message in page.locator("#alert-announcer").inner_text()
    assert fresh.locator(".badge.rule").inner_text() == "联合监管部门处罚"
    shot(page, "05-overview-live-alert.png")


def test_the_english_switch_is_remembered(desktop: Watched, server: Server) -> None:
    page = desktop.page
    sign_in(desktop, "sqs-li")
    page.get_by_role("button", name="Switch to English").click()
    page.get_by_role("heading", name="Shangqingsi Subdistrict: overview").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.evaluate("localStorage.getItem('lianjian.lang')") == "en"
    assert page.get_by_role("link", name="Organizations", exact=True).count() == 1
    assert page.get_by_role("heading", name="Joint supervision alerts").count() == 1
    assert re.fullmatch(r"¥\d{1,3}(,\d{3})*\.\d{2}", kpi(page, "disbursed"))

    page.reload()  # the choice and the session survive a reload
    page.locator("body[data-figures='ready']").wait_for(state="attached")
    page.get_by_role("heading", name="Shangqingsi Subdistrict: overview").wait_for()
    page.locator("body[data-charts='ready']").wait_for(state="attached")
    shot(page, "06-overview-english.png")

    page.goto(f"{server.url}/#/org/{server.org_id('sqs-li', HUB_NAME)}?order=oldest")
    page.locator("body[data-timeline='ready']").wait_for(state="attached")
    registered = page.locator("#timeline li[data-type='Organization.Registered']")
    assert registered.locator(".event-title").inner_text() == "Registered"
    assert registered.locator("time").first.inner_text() == "20 Oct 2014"
    assert registered.locator(".event-who").inner_text() == "ca-zhang (Civil Affairs Bureau)"
    shot(page, "07-organization-english.png")

    page.get_by_role("button", name="切换到中文").click()
    page.get_by_role("link", name="概览").wait_for()
    assert page.evaluate("localStorage.getItem('lianjian.lang')") == "zh-CN"


def test_keyboard_skip_link_and_focus(desktop: Watched, server: Server) -> None:
    page = desktop.page
    sign_in(desktop, "sqs-li")
    assert page.evaluate("document.activeElement.tagName") == "H1"  # after signing in, focus is on the page
    page.goto(f"{server.url}/")  # a signed-in user opens the dashboard: the first Tab reaches the skip link
    page.locator("body[data-figures='ready']").wait_for(state="attached")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.evaluate("document.activeElement.textContent") == "跳到主要内容"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.tagName") == "H1"
    # The navigation is links, reachable by Tab, and a route change moves focus to the new page's heading.
    page.evaluate("document.querySelector('.brand-link').focus()")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "社会组织"
    page.keyboard.press("Enter")
    page.locator("#result-count").wait_for()
    assert page.evaluate("document.activeElement.tagName + ':' + document.activeElement.textContent") == "H1:社会组织"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_the_pages_work_on_a_phone(phone: Watched, server: Server) -> None:
    page = phone.page
    sign_in(phone, "sqs-li")
    page.locator("body[data-charts='ready']").wait_for(state="attached")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert kpi(page, "organizations") == "74"
    shot(page, "08-phone-overview.png")

    page.get_by_role("link", name="社会组织", exact=True).click()
    page.locator("#result-count").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    first = page.locator("#org-table tbody th a").first
    assert first.is_visible()
    shot(page, "09-phone-organizations.png")

    first.click()
    page.locator("body[data-timeline='ready']").wait_for(state="attached")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("#timeline li").count() >= 1
    shot(page, "10-phone-organization.png")


def test_first_load_time(browser: Any, server: Server) -> None:
    """Navigation start to the overview's figures rendered, demo data, embedded store: measured and printed."""
    cold: list[float] = []
    warm: list[float] = []
    charts: list[float] = []
    for _ in range(3):
        for watched in _open(browser, server, DESKTOP):
            page = watched.page
            sign_in(watched, "sqs-li")  # a new browser context: empty cache, the sign-in included
            cold.append(page.evaluate("performance.getEntriesByName('lianjian:figures')[0].startTime"))
            page.locator("body[data-charts='ready']").wait_for(state="attached")
            for _ in range(2):  # a signed-in user opening the dashboard again
                page.goto(f"{server.url}/")
                page.locator("body[data-figures='ready']").wait_for(state="attached")
                page.locator("body[data-charts='ready']").wait_for(state="attached")
                warm.append(page.evaluate("performance.getEntriesByName('lianjian:figures')[0].startTime"))
                charts.append(page.evaluate("performance.getEntriesByName('lianjian:charts')[0].startTime"))
    report = (
        "first load of the dashboard (demo data, embedded SQLite store, headless Chromium, this machine):\n"
        f"  signed-in user, navigation start -> overview figures rendered: median {statistics.median(warm):.0f} ms"
        f" (runs: {', '.join(f'{v:.0f}' for v in warm)})\n"
        f"  ... -> charts rendered: median {statistics.median(charts):.0f} ms\n"
        f"  new browser (empty cache) incl. dev sign-in, navigation start -> figures: median {statistics.median(cold):.0f} ms"
        f" (runs: {', '.join(f'{v:.0f}' for v in cold)})\n"
    )
    print("\n" + report)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "first-load.txt").write_text(report, encoding="utf-8")
    assert statistics.median(warm) < 5000


# -- production sign-in: Keycloak, authorization code flow with PKCE -------------------------------------------

@pytest.mark.keycloak
def test_production_sign_in_through_keycloak_with_pkce(browser: Any, keycloak_url: str, dashboard_port: int,
                                                        tmp_path_factory: pytest.TempPathFactory) -> None:
    # dashboard_port: a free port the test realm's dashboard client redirects to (tests/e2e/conftest.py)
    for server in _serve(tmp_path_factory.mktemp("dashboard-keycloak"), dashboard_port,
                         {"LIANJIAN_KEYCLOAK_URL": keycloak_url}, dev=False):
        assert httpx.post(f"{server.url}/dev/token", json={"username": "sqs-li"}).status_code == 404
        for watched in _open(browser, server, DESKTOP, also=(keycloak_url,)):
            page = watched.page
            page.goto(f"{server.url}/")
            page.get_by_role("button", name="通过统一身份认证登录").click()
            page.locator("#username").wait_for()
            assert page.url.startswith(f"{keycloak_url}/realms/lianjian/protocol/openid-connect/auth?")
            assert "client_id=lianjian-dashboard" in page.url and "code_challenge_method=S256" in page.url
            shot(page, "11-keycloak-sign-in.png")
            page.fill("#username", "sqs-li")
            page.fill("#password", "lianjian-demo")
            page.click("#kc-login")
            page.locator("body[data-figures='ready']").wait_for(state="attached")
            assert page.url == f"{server.url}/#/"  # the code and state are gone from the address
            assert page.locator("h1").inner_text() == "上清寺街道概览"
            assert page.evaluate("JSON.parse(sessionStorage.getItem('lianjian.session')).mode") == "keycloak"
            page.locator(".live-state[data-live='open']").wait_for()  # the websocket accepted Keycloak's token
            page.locator("body[data-charts='ready']").wait_for(state="attached")
            shot(page, "12-keycloak-overview.png")
            # Keycloak's access tokens live 5 minutes: one about to expire is refreshed before the next query.
            first_token = page.evaluate("""() => {
                const s = JSON.parse(sessionStorage.getItem('lianjian.session'));
                s.expiresAt = Date.now() + 5000;
                sessionStorage.setItem('lianjian.session', JSON.stringify(s));
                return s.accessToken; }""")
            page.get_by_role("link", name="社会组织", exact=True).click()
            page.locator("#result-count").wait_for()
            assert page.locator("#result-count").inner_text().startswith("共 74 个")
            assert page.evaluate("JSON.parse(sessionStorage.getItem('lianjian.session')).accessToken") != first_token
            page.get_by_role("button", name="退出登录").click()
            page.get_by_role("button", name="通过统一身份认证登录").wait_for()
            assert page.evaluate("sessionStorage.getItem('lianjian.session')") is None
