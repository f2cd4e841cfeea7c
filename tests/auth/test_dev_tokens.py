"""Dev tokens: made from the realm file, accepted by DevVerifier, refused by a KeycloakVerifier; and the
realm file itself, which dev and production share."""

from __future__ import annotations

import json
import stat

import pytest

from auth.dev import REALM_FILE, DevTokenIssuer, DevVerifier, UnknownUser, load_realm_users
from auth.principal import PERSON_DEPARTMENTS, ROLES
from auth.tokens import InvalidToken
from domain.context import Department

EXPECTED = {  # username: (department, jurisdiction, role)
    "ca-zhang": (Department.CIVIL_AFFAIRS, "yuzhong", "civil_affairs_officer"),
    "sqs-li": (Department.STREET_OFFICE, "yuzhong/shangqingsi", "street_officer"),
    "hlq-wang": (Department.STREET_OFFICE, "yuzhong/hualongqiao", "street_officer"),
    "fin-chen": (Department.FINANCE, "yuzhong", "finance_officer"),
    "insp-zhao": (Department.INSPECTION, "yuzhong", "inspector"),
    "insp-sun": (Department.INSPECTION, "yuzhong", "inspector"),
    "party-liu": (Department.PARTY_BUILDING, "yuzhong", "party_building_officer"),
    "tax-he": (Department.TAX, "yuzhong", "partner_officer"),
    "mr-xu": (Department.MARKET_REGULATION, "yuzhong", "partner_officer"),
    "ps-guo": (Department.PUBLIC_SECURITY, "yuzhong", "partner_officer"),
    "audit-qian": (Department.AUDIT, "yuzhong", "auditor"),
    # The second district, whose one street has the code of a yuzhong street (上清寺) on purpose.
    "jb-ca-wu": (Department.CIVIL_AFFAIRS, "jiangbei", "civil_affairs_officer"),
    "jb-sqs-zhou": (Department.STREET_OFFICE, "jiangbei/shangqingsi", "street_officer"),
    "jb-fin-zheng": (Department.FINANCE, "jiangbei", "finance_officer"),
    "jb-insp-feng": (Department.INSPECTION, "jiangbei", "inspector"),
    "jb-tax-yang": (Department.TAX, "jiangbei", "partner_officer"),
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def issuer(data_dir):
    return DevTokenIssuer(data_dir)


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_dev_tokens_verify_for_every_demo_user(issuer, data_dir, username):
    department, jurisdiction, role = EXPECTED[username]
    principal = DevVerifier(data_dir).verify(issuer.issue(username))
    assert (principal.department, principal.jurisdiction, principal.roles) == (department, jurisdiction,
                                                                               frozenset({role}))
    assert principal.username == username
    assert principal.user_id == issuer.users[username].user_id
    assert principal.to_actor().role == role


def test_display_names_are_chinese(issuer):
    assert issuer.verifier().verify(issuer.issue("hlq-wang")).display_name == "王磊"
    assert issuer.verifier().verify(issuer.issue("ca-zhang")).display_name == "张伟"


def test_the_key_is_made_once_private_and_reused(issuer, data_dir):
    path = data_dir / "dev-signing-key.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = DevTokenIssuer(data_dir)
    assert again.kid == issuer.kid
    assert DevVerifier(data_dir).verify(again.issue("sqs-li")).username == "sqs-li"


def test_another_data_dir_has_another_key(issuer, tmp_path):
    with pytest.raises(InvalidToken, match="unknown signing key"):
        DevVerifier(tmp_path).verify(issuer.issue("sqs-li"))


def test_unknown_user(issuer):
    with pytest.raises(UnknownUser):
        issuer.issue("nobody")


def test_expired_dev_token_is_refused(issuer):
    with pytest.raises(InvalidToken, match="expired"):
        issuer.verifier().verify(issuer.issue("sqs-li", lifetime=-120))


def test_dev_verifier_refuses_other_issuers_and_audiences(issuer):
    claims = issuer.claims_for("sqs-li")
    for changed, why in (({"iss": "http://127.0.0.1:8180/realms/lianjian"}, "wrong issuer"),
                         ({"aud": "account"}, "wrong audience")):
        with pytest.raises(InvalidToken, match=why):
            issuer.verifier().verify(issuer.sign({**claims, **changed}))


def test_keycloak_verifier_refuses_dev_tokens(issuer, realm):
    """Production never accepts a dev token: neither its key nor its issuer is the realm's."""
    with pytest.raises(InvalidToken, match="unknown signing key"):
        realm.verifier().verify(issuer.issue("ca-zhang"))


def test_keycloak_verifier_refuses_dev_tokens_even_if_the_dev_key_were_published(issuer, realm):
    realm.extra.append(issuer.key.export_public(as_dict=True))
    with pytest.raises(InvalidToken, match="wrong issuer"):
        realm.verifier().verify(issuer.issue("ca-zhang"))


def test_dev_verifier_refuses_keycloak_tokens(issuer, realm):
    with pytest.raises(InvalidToken, match="unknown signing key"):
        issuer.verifier().verify(realm.mint())


# The realm file: what dev tokens and Keycloak both read.

@pytest.fixture(scope="module")
def realm_json():
    return json.loads(REALM_FILE.read_text(encoding="utf-8"))


def test_realm_users_resolve_like_keycloak():
    users = load_realm_users()
    assert set(users) == set(EXPECTED)
    assert len({user.user_id for user in users.values()}) == len(users)
    for username, (department, jurisdiction, role) in EXPECTED.items():
        user = users[username]
        assert (user.department, user.jurisdiction, user.roles) == (department.value, jurisdiction, {role})
        assert user.first_name and user.last_name and user.email  # Keycloak asks to complete a profile otherwise


def test_realm_roles_and_departments_are_the_ones_the_code_knows(realm_json):
    assert {role["name"] for role in realm_json["roles"]["realm"]} == set(ROLES)
    departments = {group["attributes"]["department"][0] for group in realm_json["groups"]}
    assert departments == {d.value for d in PERSON_DEPARTMENTS}
    street = next(group for group in realm_json["groups"] if group["name"] == "street_office")
    assert "jurisdiction" not in street["attributes"]  # no district-wide street officer by accident
    assert {sub["attributes"]["jurisdiction"][0] for sub in street["subGroups"]} == {
        "yuzhong/shangqingsi", "yuzhong/hualongqiao", "jiangbei/shangqingsi"}


def test_realm_clients(realm_json):
    assert realm_json["realm"] == "lianjian" and realm_json["sslRequired"] == "none"
    clients = {client["clientId"]: client for client in realm_json["clients"]}
    assert clients["lianjian-api"]["bearerOnly"] is True
    dashboard = clients["lianjian-dashboard"]
    assert dashboard["publicClient"] and dashboard["standardFlowEnabled"]
    assert not dashboard["directAccessGrantsEnabled"] and not dashboard["implicitFlowEnabled"]
    assert dashboard["attributes"]["pkce.code.challenge.method"] == "S256"
    assert set(dashboard["redirectUris"]) == {"http://127.0.0.1:8000/*", "http://localhost:8000/*"}
    cli = clients["lianjian-cli"]
    assert cli["publicClient"] and cli["directAccessGrantsEnabled"] and not cli["standardFlowEnabled"]
    for client in (dashboard, cli):
        mappers = {mapper["protocolMapper"]: mapper for mapper in client["protocolMappers"]}
        assert mappers["oidc-audience-mapper"]["config"]["included.client.audience"] == "lianjian-api"
        claims = {mapper["config"].get("claim.name") for mapper in client["protocolMappers"]}
        assert {"department", "jurisdiction", "realm_access.roles", "preferred_username"} <= claims

