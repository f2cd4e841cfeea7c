"""The public site (/public/): its pages, open data and feed show what the law publishes and nothing more;
conditional requests, the rate limit, the headers; bad input is a 4xx, never a 5xx."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from gateway.public.guard import RateLimited
from gateway.settings import Settings
from tests.gateway.conftest import HUB, Gateway, _gateway, command, seed_jiangbei, settle

UNLIMITED = "100000/minute"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    yield from _gateway(tmp_path_factory.mktemp("public"), public_rate_limit=UNLIMITED)


def _secrets(gw: Gateway) -> set[str]:
    """Every ID number and phone the registry holds, and every funding amount (as the pages would write it)."""
    runtime = gw.client.app.state.runtime
    registry, finance = runtime.view("civil_affairs_registry"), runtime.view("finance_ledger")
    with runtime.db.transaction(commit=False) as tx:
        people = tx.rows(f"SELECT representative_id_number, representative_phone FROM {registry.t('organizations')}")
        money = tx.rows(f"SELECT amount_fen, disbursed_fen FROM {finance.t('projects')}")
    found = {v for row in people for v in row.values() if v}
    for row in money:
        for fen in row.values():
            if fen:
                found |= {f"{fen / 100:.2f}", f"{fen / 100:,.2f}"}
    return found


def _crawl(client: TestClient) -> dict[str, str]:
    """Every public page (both languages, an as-of date), download and feed page: URL -> body."""
    seen: dict[str, str] = {}
    todo = ["/public/", "/public/lists/abnormal", "/public/lists/serious", "/public/penalties", "/public/grades",
            "/public/data/", "/public/feed.json?limit=500", "/public/feed.json?after=0&limit=500"]
    todo += [f"/public/data/{n}.{f}" for n in ("organizations", "listings", "penalties", "projects")
             for f in ("csv", "json")]
    orgs = json.loads(client.get("/public/data/organizations.json").text)["rows"]
    for org in orgs:
        key = org["credit_code"] or org["org_id"]
        todo += [f"/public/org/{key}", f"/public/org/{key}?lang=en", f"/public/org/{key}?at=2020-01-01",
                 f"/public/?q={org['name'][:4]}"]
    for url in todo:
        response = client.get(url)
        assert response.status_code == 200, url
        seen[url] = response.text
    return seen


def test_no_personal_data_funding_amount_or_other_view_on_any_public_page(settings: Settings, tmp_path: Path) -> None:
    for gw in _gateway(tmp_path / "gateway", database_url=settings.database_url, public_rate_limit=UNLIMITED):
        seed_jiangbei(gw)  # more people with ID numbers and phones, a funded project, a penalty
        settle(gw)
        secrets = _secrets(gw)
        assert len(secrets) > 50  # the demo's people and projects: the test has something to find
        pages = _crawl(gw.client)
        assert len(pages) > 250
        for url, body in pages.items():
            leaked = [s for s in secrets if s in body]
            assert not leaked, (url, leaked[:5])
            # nothing another view holds: no purpose, business scope, reason, finding, party count
            for column in ("representative_id_number", "representative_phone", "purpose", "business_scope",
                           "party_members", "amount_fen", "disbursed", "under_investigation", "reason"):
                assert column not in body, (url, column)
        # the pages do say what is public: the hub's name, its grade and where it came from
        hub = next(body for url, body in pages.items() if url.startswith("/public/org/") and HUB in body
                   and "?" not in url)
        assert "5A" in hub and "渝中民发〔2024〕63号" in hub and "区民政局" in hub


def test_search_by_part_of_a_name_or_by_credit_code(site: Gateway) -> None:
    page = site.client.get("/public/", params={"q": "致远"}).text
    code = re.search(r'href="/public/org/([0-9A-Z]{18})"', page).group(1)
    assert HUB in page
    assert HUB in site.client.get("/public/", params={"q": code.lower()}).text
    assert "没有找到" in site.client.get("/public/", params={"q": "%"}).text  # a wildcard is a character here
    assert site.client.get(f"/public/org/{code}").status_code == 200
    assert site.client.get("/public/org/915000000000000000").status_code == 404


def test_the_lists_show_only_listings_in_force_with_ground_date_authority_and_basis(site: Gateway) -> None:
    page = site.client.get("/public/lists/abnormal").text
    assert "春森腰鼓队" in page and "未按期完成整改" in page and "第十条第（三）项" in page and "区民政局" in page
    assert "春生社工室" not in page  # listed in 2023 and off the list six months later


def test_english_pages_carry_their_language(site: Gateway) -> None:
    zh = site.client.get("/public/lists/abnormal").text
    en = site.client.get("/public/lists/abnormal?lang=en").text
    assert '<html lang="zh-CN">' in zh and "活动异常名录</h1>" in zh
    assert '<html lang="en">' in en and "Abnormal activities list</h1>" in en


def test_an_organizations_record_as_of_a_past_date(site: Gateway) -> None:
    page = site.client.get("/public/", params={"q": "致远"}).text
    code = re.search(r'href="/public/org/([0-9A-Z]{18})"', page).group(1)
    now = site.client.get(f"/public/org/{code}").text
    then = site.client.get(f"/public/org/{code}", params={"at": "2020-01-01"}).text
    assert "5A" in now and "2024-11-25" in now
    assert "4A" in then and "2024-11-25" not in then and "5A" not in then
    assert "2023年度 合格" in now and "2023年度" not in then  # the annual duty, year by year
    assert site.client.get(f"/public/org/{code}", params={"at": "2020-13-01"}).status_code == 400


def test_downloads_carry_their_position_and_after_gives_only_what_changed(site: Gateway) -> None:
    whole = site.client.get("/public/data/organizations.csv")
    position = int(whole.headers["x-data-position"])
    rows = list(csv.reader(io.StringIO(whole.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["org_id", "name", "credit_code"] and len(rows) > 80
    assert json.loads(site.client.get("/public/data/organizations.json").text)["position"] == position
    assert json.loads(site.client.get(f"/public/data/organizations.json?after={position}").text)["rows"] == []
    feed = site.client.get("/public/feed.json", params={"after": 0, "limit": 5}).json()
    first = [i["_lianjian"]["position"] for i in feed["items"]]
    assert first == sorted(first) and len(first) == 5 and feed["next_url"].endswith(f"after={first[-1]}&limit=5")
    changed = json.loads(site.client.get(f"/public/data/organizations.json?after={first[-1]}").text)["rows"]
    assert 0 < len(changed) < len(rows) - 1


def _register(gw: Gateway, name: str, serial: int) -> None:
    from domain.credit_code import make_credit_code

    gw.data("ca-zhang", f"""mutation {{ registerOrganization({command("准予成立登记", "2026-03-02", "public_disclosure")},
        input: {{name: "{name}", kind: "social_group", creditCode: "{make_credit_code('social_group', '500103', serial)}",
        domicile: "渝中区1号", purpose: "互助", businessScope: "互助", legalRepresentative: {{name: "甲"}},
        funds: "30000", district: "yuzhong", street: "shangqingsi"}}) {{ aggregateId }} }}""")


def test_a_cell_that_looks_like_a_formula_is_written_as_text(site: Gateway) -> None:
    _register(site, "=HYPERLINK(1)协会", 91)
    text = site.client.get("/public/data/organizations.csv").text
    assert "'=HYPERLINK(1)协会" in text and ",=HYPERLINK" not in text


def test_a_repeated_request_is_answered_304_until_the_view_moves(site: Gateway) -> None:
    first = site.client.get("/public/grades")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert site.client.get("/public/grades", headers={"If-None-Match": etag}).status_code == 304
    assert site.client.get("/public/grades", headers={"If-Modified-Since": modified}).status_code == 304
    assert site.client.get("/public/grades?lang=en", headers={"If-None-Match": etag}).status_code == 200
    _register(site, "渝中区新成立协会", 92)
    assert site.client.get("/public/grades", headers={"If-None-Match": etag}).status_code == 200


def test_every_answer_has_the_security_headers_and_no_script(site: Gateway) -> None:
    for url in ("/public/", "/public/penalties", "/public/nowhere", "/public/?page=0", "/public/data/x.csv"):
        response = site.client.get(url)
        assert "default-src 'self'" in response.headers["content-security-policy"], url
        assert "script-src 'none'" in response.headers["content-security-policy"], url
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "<script" not in response.text


@pytest.mark.parametrize("url, status", [
    ("/public/?q=" + "长" * 101, 400), ("/public/?page=0", 400), ("/public/?page=10001", 400),
    ("/public/?q=a%00b", 400), ("/public/?lang=fr", 400), ("/public/feed.json?limit=501", 400),
    ("/public/data/organizations.csv?after=-1", 400), ("/public/org/" + "x" * 65, 400), ("/public/lists/x", 404),
    ("/public/data/secrets.csv", 404),
])
def test_bad_parameters_are_refused_with_a_reason(site: Gateway, url: str, status: int) -> None:
    assert site.client.get(url).status_code == status


def test_a_client_past_its_limit_is_answered_429_with_retry_after() -> None:
    app = RateLimited(Starlette(routes=[Route("/", lambda r: PlainTextResponse("ok"))]), "3/minute")
    with TestClient(app) as client:
        assert [client.get("/").status_code for _ in range(3)] == [200, 200, 200]
        refused = client.get("/")
        assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["x-content-type-options"] == "nosniff"


def test_the_rate_setting_is_checked() -> None:
    assert Settings(public_rate_limit="10/second;300/hour").public_rate_limit
    with pytest.raises(ValueError, match="LIANJIAN_PUBLIC_RATE_LIMIT"):
        Settings(public_rate_limit="lots")


SEGMENTS = st.sampled_from(["", "org", "lists", "abnormal", "serious", "penalties", "grades", "data", "feed.json",
                            "organizations.csv", "listings.json", "static", "public.css", "..", "%00", "%ff"])
PARAMS = st.dictionaries(st.sampled_from(["q", "page", "lang", "at", "after", "limit", "x"]),
                         st.text(max_size=120) | st.integers(-10, 1 << 70).map(str), max_size=4)


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.lists(SEGMENTS | st.text(max_size=30).map(lambda t: quote(t, safe="")), max_size=4), params=PARAMS)
def test_fuzzed_paths_and_parameters_never_answer_5xx(site: Gateway, path: list[str], params: dict[str, str]) -> None:
    response = site.client.get("/public/" + "/".join(path), params=params)
    assert response.status_code < 500, (path, params, response.text[:300])


def test_the_language_switch_keeps_the_search_encoded(site: Gateway) -> None:
    page = site.client.get("/public/", params={"q": "致远&page=0"}).text
    switch = re.search(r'href="([^"]*)" lang="en"', page).group(1)
    assert site.client.get(switch.replace("&amp;", "&")).status_code == 200


@pytest.mark.parametrize("count", [0, 1, 499, 500, 501, 1000])
def test_the_json_download_is_json_at_every_chunk_boundary(count: int) -> None:
    from gateway.public.site import PublicSite

    site = PublicSite.__new__(PublicSite)  # only its writer: the rows are given
    site.rows = lambda table, columns, after: iter([[i] for i in range(count)])  # type: ignore[method-assign]
    body = json.loads(b"".join(site.json_chunks("organizations", ("x",), None, 7)))
    assert body["position"] == 7 and [r["x"] for r in body["rows"]] == list(range(count))


def test_an_annulled_penalty_and_the_listing_it_bore_leave_every_public_page(fresh_gateway: Gateway) -> None:
    from datetime import date
    from decimal import Decimal

    from domain.context import Actor, Context

    gw = fresh_gateway
    org = gw.org_id("春森腰鼓队")
    actor = Actor("ca-1", "ca-zhang", "civil_affairs", "officer")
    before = {p.penalty_id for p in gw.app.organization(org).penalties}
    gw.app.impose_penalty(Context(actor, "罚款", date(2026, 11, 2), legal_basis="渝中民罚〔2026〕9号"), org,
                          kind="fine", amount=Decimal("3210.00"))
    (penalty,) = {p.penalty_id for p in gw.app.organization(org).penalties} - before
    settle(gw)
    page = gw.client.get(f"/public/org/{org}").text
    assert "3210.00" in page and "渝中民罚〔2026〕9号" in page and "受到警告或者不满5万元罚款处罚" in page

    gw.app.annul_penalty(Context(actor, "复议撤销", date(2026, 11, 20)), org, penalty_id=penalty,
                         decision="渝中府复决〔2026〕3号")
    settle(gw)
    page = gw.client.get(f"/public/org/{org}").text
    for url in ("/public/penalties", "/public/lists/abnormal", "/public/data/penalties.csv",
                "/public/data/listings.json", "/public/feed.json?after=0&limit=500", f"/public/org/{org}"):
        body = gw.client.get(url).text
        assert "3210.00" not in body and "渝中民罚〔2026〕9号" not in body and penalty not in body, url
    assert "受到警告或者不满5万元罚款处罚" not in page
    listings = json.loads(gw.client.get("/public/data/listings.json").text)["rows"]
    assert [r["ground"] for r in listings if r["org_id"] == org] == ["rectification_overdue"]
    assert "更正" in page  # a follower learns to fetch it again, not what was void
