"""The dashboard's server side: the page, its static files and config, and the dev-only sign-in endpoints.

The browser tests are in tests/e2e/test_dashboard.py; these need no browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import Settings
from gateway.web.routes import STATIC

ME = "{ me { username department jurisdiction } }"


@pytest.fixture
def dev_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, dev_mode=True, embedded_projections=False)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def production_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, dev_mode=False, embedded_projections=False,
                        keycloak_url="https://sso.example.test/", keycloak_realm="lianjian")
    with TestClient(create_app(settings)) as client:
        yield client


def test_the_page_is_served_at_the_root_with_a_strict_content_security_policy(dev_client: TestClient) -> None:
    response = dev_client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in response.text
    assert '<script type="module" src="/static/app.js"></script>' in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "connect-src 'self'" in policy


@pytest.mark.parametrize("name", ["app.js", "api.js", "auth.js", "charts.js", "dom.js", "i18n.js", "styles.css",
                                  "favicon.svg", "index.html"])
def test_static_files_are_served(dev_client: TestClient, name: str) -> None:
    response = dev_client.get(f"/static/{name}")
    assert response.status_code == 200
    assert response.content == (STATIC / name).read_bytes()


def test_python_source_is_not_served(dev_client: TestClient) -> None:
    assert dev_client.get("/static/../routes.py").status_code == 404
    assert dev_client.get("/static/routes.py").status_code == 404


def test_config_in_dev_mode(dev_client: TestClient) -> None:
    config = dev_client.get("/config.json").json()
    assert config["devMode"] is True
    assert config["clientId"] == "lianjian-dashboard"
    assert config["realm"] == "lianjian"
    assert config["graphqlPath"] == "/graphql"


def test_config_in_production_names_keycloak(production_client: TestClient) -> None:
    config = production_client.get("/config.json").json()
    assert config == {"devMode": False, "keycloakUrl": "https://sso.example.test", "realm": "lianjian",
                      "clientId": "lianjian-dashboard", "graphqlPath": "/graphql", "timeZone": "Asia/Shanghai"}
    policy = production_client.get("/").headers["content-security-policy"]
    assert "connect-src 'self' https://sso.example.test" in policy


def test_dev_token_for_a_realm_user_is_accepted_by_the_api(dev_client: TestClient) -> None:
    users = dev_client.get("/dev/users").json()["users"]
    assert {"username": "sqs-li", "name": "李娜", "department": "street_office",
            "jurisdiction": "yuzhong/shangqingsi"} in users
    issued = dev_client.post("/dev/token", json={"username": "sqs-li"})
    assert issued.status_code == 200
    token = issued.json()["access_token"]
    assert issued.json()["token_type"] == "Bearer"
    me = dev_client.post("/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {"data": {"me": {"username": "sqs-li", "department": "street_office",
                                  "jurisdiction": "yuzhong/shangqingsi"}}}


def test_dev_token_for_an_unknown_user_is_refused(dev_client: TestClient) -> None:
    assert dev_client.post("/dev/token", json={"username": "nobody"}).status_code == 404
    assert dev_client.post("/dev/token", json={}).status_code == 422


def test_dev_endpoints_do_not_exist_in_production(production_client: TestClient) -> None:
    assert production_client.post("/dev/token", json={"username": "sqs-li"}).status_code == 404
    assert production_client.get("/dev/users").status_code == 404
    assert production_client.get("/").status_code == 200  # the page itself is there, signing in with Keycloak


def test_the_web_code_loads_nothing_from_elsewhere() -> None:
    """Offline: no CDN, no third-party URL; modules import only their neighbours."""
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        urls = [u for u in re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s\"'`)]*", text, flags=re.I)
                if "www.w3.org/2000/svg" not in u]
        assert urls == [], f"{path.name} refers to {urls}"
        if path.suffix == ".js":
            imports = re.findall(r"^import .* from \"([^\"]+)\";", text, flags=re.M)
            assert all(re.fullmatch(r"\./[a-z0-9]+\.js", name) for name in imports), (path.name, imports)
        assert "@import" not in text and "url(http" not in text


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# (foreground, background) custom properties of styles.css; the ratios are listed in docs/dashboard.md.
TEXT_PAIRS = [("text", "surface"), ("text", "bg"), ("muted", "surface"), ("muted", "bg"), ("primary", "surface"),
              ("primary", "bg"), ("on-primary", "primary"), ("on-primary", "primary-hover"),
              ("header-text", "header-bg"), ("header-muted", "header-bg"), ("header-bg", "surface"),
              ("warn-text", "warn-bg"), ("bad-text", "bad-bg"), ("good-text", "good-bg"), ("info-text", "info-bg"),
              ("grade-text", "grade-bg"), ("surface", "brand-red"), ("good-text", "bg"), ("bad-text", "surface")]
GRAPHICS_PAIRS = [("focus", "surface"), ("focus", "bg"), ("focus-on-dark", "header-bg"), ("control-border", "surface"),
                  ("s-registered", "surface"), ("s-filed", "surface"), ("s-awarded", "surface"),
                  ("s-disbursed", "surface"), ("s-registered", "s-filed"), ("s-awarded", "s-disbursed"),
                  ("bar", "bar-track")]


def test_colours_pass_wcag_aa() -> None:
    colours = dict(re.findall(r"--([a-z0-9-]+):\s*(#[0-9a-f]{6});", (STATIC / "styles.css").read_text(encoding="utf-8")))
    for foreground, background in TEXT_PAIRS:
        ratio = _contrast(colours[foreground], colours[background])
        assert ratio >= 4.5, f"text {foreground} on {background}: {ratio:.2f}:1"
    for foreground, background in GRAPHICS_PAIRS:
        ratio = _contrast(colours[foreground], colours[background])
        assert ratio >= 3.0, f"graphics {foreground} against {background}: {ratio:.2f}:1"
