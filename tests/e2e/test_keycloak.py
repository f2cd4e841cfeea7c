"""Against a real Keycloak (infra/keycloak/start.sh on a free port): password grants for the demo users,
their access tokens verified by KeycloakVerifier, and what must be refused.

Without Keycloak (no Java 21+, no Maven to fetch it, no download) these tests skip with the reason, except
under CI=true, where they fail. A Keycloak already running from the same cache is used as it is and left
running; one started here is stopped at the end.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from pathlib import Path

import pytest
import requests
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakError

from auth.dev import DevTokenIssuer
from auth.tokens import InvalidToken, KeycloakVerifier
from domain.context import Department

pytestmark = pytest.mark.keycloak

ROOT = Path(__file__).resolve().parents[2]
START = ROOT / "infra" / "keycloak" / "start.sh"
REALM = "lianjian"
AUDIENCE = "lianjian-api"
PASSWORD = "lianjian-demo"
@pytest.fixture(scope="session")
def cli(keycloak_url: str) -> KeycloakOpenID:
    return KeycloakOpenID(server_url=keycloak_url + "/", realm_name=REALM, client_id="lianjian-cli")


@pytest.fixture(scope="session")
def verifier(keycloak_url: str) -> KeycloakVerifier:
    return KeycloakVerifier(keycloak_url, REALM, AUDIENCE)


@pytest.fixture(scope="session")
def tokens(cli: KeycloakOpenID) -> dict[str, dict]:
    """One password grant per user, kept for the session."""
    cache: dict[str, dict] = {}

    class Tokens(dict):
        def __missing__(self, username: str) -> dict:
            cache[username] = cli.token(username, PASSWORD)
            self[username] = cache[username]
            return cache[username]

    return Tokens()


@pytest.mark.parametrize(("username", "department", "jurisdiction", "role"), [
    ("ca-zhang", Department.CIVIL_AFFAIRS, "yuzhong", "civil_affairs_officer"),
    ("sqs-li", Department.STREET_OFFICE, "yuzhong/shangqingsi", "street_officer"),
    ("hlq-wang", Department.STREET_OFFICE, "yuzhong/hualongqiao", "street_officer"),
    ("fin-chen", Department.FINANCE, "yuzhong", "finance_officer"),
    ("insp-zhao", Department.INSPECTION, "yuzhong", "inspector"),
    ("party-liu", Department.PARTY_BUILDING, "yuzhong", "party_building_officer"),
    ("tax-he", Department.TAX, "yuzhong", "partner_officer"),
    ("mr-xu", Department.MARKET_REGULATION, "yuzhong", "partner_officer"),
    ("ps-guo", Department.PUBLIC_SECURITY, "yuzhong", "partner_officer"),
    ("audit-qian", Department.AUDIT, "yuzhong", "auditor"),
])
def test_password_grant_and_verification(tokens, verifier, username, department, jurisdiction, role):
    principal = verifier.verify(tokens[username]["access_token"])
    assert principal.username == username
    assert principal.department == department
    assert principal.jurisdiction == jurisdiction
    assert role in principal.roles
    assert principal.to_actor().role == role


def test_hualongqiao_officer_acts_only_in_hualongqiao(tokens, verifier):
    principal = verifier.verify(tokens["hlq-wang"]["access_token"])
    assert principal.jurisdiction == "yuzhong/hualongqiao"
    assert principal.display_name == "王磊"
    assert principal.in_jurisdiction("yuzhong", "hualongqiao")
    assert not principal.in_jurisdiction("yuzhong", "shangqingsi")


def test_keycloak_and_dev_tokens_name_the_same_principal(tokens, verifier, tmp_path_factory):
    """Dev mode reads the realm file: the same user id, department, jurisdiction, roles and name."""
    dev = DevTokenIssuer(tmp_path_factory.mktemp("dev"))
    for username in ("ca-zhang", "sqs-li", "hlq-wang", "tax-he", "audit-qian"):
        assert verifier.verify(tokens[username]["access_token"]) == dev.verifier().verify(dev.issue(username))


def test_tampered_payload_is_refused(tokens, verifier):
    header, payload, signature = tokens["sqs-li"]["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["jurisdiction"] = "yuzhong"  # a street officer widening itself to the district
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidToken, match="bad signature"):
        verifier.verify(f"{header}.{forged}.{signature}")


def test_id_and_refresh_tokens_are_no_access_tokens(tokens, verifier):
    with pytest.raises(InvalidToken, match="wrong audience"):  # the ID token is for the client, not the API
        verifier.verify(tokens["ca-zhang"]["id_token"])
    with pytest.raises(InvalidToken, match="not accepted"):  # refresh tokens are HMAC-signed
        verifier.verify(tokens["ca-zhang"]["refresh_token"])


def test_dev_tokens_are_refused_by_the_real_verifier(verifier, tmp_path):
    with pytest.raises(InvalidToken):
        verifier.verify(DevTokenIssuer(tmp_path).issue("ca-zhang"))


def test_jwks_is_fetched_once(tokens, keycloak_url):
    fresh = KeycloakVerifier(keycloak_url, REALM, AUDIENCE)
    for _ in range(20):
        fresh.verify(tokens["fin-chen"]["access_token"])
    assert fresh.fetches == 1


def test_wrong_password_is_refused(cli):
    with pytest.raises(KeycloakError, match="invalid_grant"):
        cli.token("ca-zhang", "not-the-password")


def test_dashboard_has_no_password_grant(keycloak_url):
    dashboard = KeycloakOpenID(server_url=keycloak_url + "/", realm_name=REALM, client_id="lianjian-dashboard")
    with pytest.raises(KeycloakError):
        dashboard.token("ca-zhang", PASSWORD)


def test_dashboard_requires_pkce_s256(keycloak_url, dashboard_port):
    auth = f"{keycloak_url}/realms/{REALM}/protocol/openid-connect/auth"
    params = {"client_id": "lianjian-dashboard", "response_type": "code", "scope": "openid",
              "redirect_uri": f"http://127.0.0.1:{dashboard_port}/callback", "state": "s"}
    without = requests.get(auth, params=params, allow_redirects=False, timeout=10)
    assert without.status_code == 302
    assert "error=invalid_request" in without.headers["Location"]
    assert "code_challenge" in urllib.parse.unquote_plus(without.headers["Location"])
    with_pkce = requests.get(auth, params={**params, "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                                           "code_challenge_method": "S256"}, allow_redirects=False, timeout=10)
    assert with_pkce.status_code == 200 and "kc-form-login" in with_pkce.text  # the login page
    elsewhere = requests.get(auth, params={**params, "redirect_uri": "http://evil.example/cb",
                                           "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                                           "code_challenge_method": "S256"}, allow_redirects=False, timeout=10)
    assert elsewhere.status_code == 400  # redirect URI not registered


def test_issuer_is_the_loopback_url(keycloak_url):
    well_known = requests.get(f"{keycloak_url}/realms/{REALM}/.well-known/openid-configuration", timeout=10).json()
    assert well_known["issuer"] == f"{keycloak_url}/realms/{REALM}"
    assert urllib.parse.urlsplit(keycloak_url).hostname == "127.0.0.1"
