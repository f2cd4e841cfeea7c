"""KeycloakVerifier against locally made keys and a fake JWKS: what it accepts, what it refuses, and how
often it asks Keycloak for keys."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from auth.principal import Principal
from auth.tokens import InvalidToken, KeysUnavailable, TokenVerifier, principal_from_claims
from domain.context import Department


def reason(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        verifier.verify(token)
    return caught.value.reason


def test_a_valid_token_maps_to_a_principal(realm):
    principal = realm.verifier().verify(realm.mint())
    assert principal == Principal(
        user_id="a2e35906-c961-5f78-bed3-a7c37b50ca41", username="hlq-wang", display_name="王磊",
        department=Department.STREET_OFFICE, roles=frozenset({"street_officer"}),
        jurisdiction="yuzhong/hualongqiao",
    )
    assert principal.in_jurisdiction("yuzhong", "hualongqiao")
    assert not principal.in_jurisdiction("yuzhong", "shangqingsi")


def test_the_verifier_meets_the_protocol(realm):
    assert isinstance(realm.verifier(), TokenVerifier)


@pytest.mark.parametrize(("overrides", "department", "jurisdiction", "roles"), [
    ({"department": "civil_affairs", "jurisdiction": "yuzhong", "realm_access": {"roles": ["civil_affairs_officer"]}},
     Department.CIVIL_AFFAIRS, "yuzhong", {"civil_affairs_officer"}),
    ({"department": "tax", "jurisdiction": "yuzhong", "realm_access": {"roles": ["partner_officer"]}},
     Department.TAX, "yuzhong", {"partner_officer"}),
    ({"department": "audit", "jurisdiction": "yuzhong", "realm_access": {"roles": ["auditor", "offline_access"]}},
     Department.AUDIT, "yuzhong", {"auditor"}),
    ({"department": ["street_office"], "jurisdiction": ["yuzhong/shangqingsi"]},
     Department.STREET_OFFICE, "yuzhong/shangqingsi", {"street_officer"}),
    ({"department": None, "jurisdiction": None, "realm_access": None}, None, None, set()),
])
def test_claims_map_department_jurisdiction_and_roles(realm, overrides, department, jurisdiction, roles):
    principal = realm.verifier().verify(realm.mint(realm.claims(**overrides)))
    assert principal.department == department
    assert principal.jurisdiction == jurisdiction
    assert principal.roles == frozenset(roles)


def test_display_name_falls_back_to_name_then_username():
    base = {"sub": "u1", "preferred_username": "someone"}
    assert principal_from_claims({**base, "given_name": "Wei", "family_name": "Zhang"}).display_name == "Wei Zhang"
    assert principal_from_claims({**base, "name": "张伟"}).display_name == "张伟"
    assert principal_from_claims(base).display_name == "someone"
    assert principal_from_claims({"sub": "u1"}).username == "u1"


def test_forged_signature_is_refused(realm):
    forger = realm.key("forger")
    token = realm.sign(realm.claims(), forger, kid=realm.keys[0]["kid"])  # the realm's kid, another key
    assert reason(realm.verifier(), token) == "bad signature"


def test_tampered_payload_is_refused(realm):
    header, _, signature = realm.mint().split(".")
    payload = realm.b64json(realm.claims(jurisdiction="yuzhong"))  # widen the jurisdiction
    assert reason(realm.verifier(), f"{header}.{payload}.{signature}") == "bad signature"


def test_expired_token_is_refused_after_the_leeway(realm, clock):
    verifier = realm.verifier(now=clock, leeway=30)
    token = realm.mint(realm.claims(exp=int(clock.now) - 10))
    assert verifier.verify(token).username == "hlq-wang"  # inside the leeway
    clock.advance(25)
    assert reason(verifier, token) == "expired"


def test_token_without_expiry_is_refused(realm):
    assert reason(realm.verifier(), realm.mint(realm.claims(exp=None))) == "no expiry"


def test_not_yet_valid_token_is_refused(realm, clock):
    verifier = realm.verifier(now=clock, leeway=30)
    assert reason(verifier, realm.mint(realm.claims(nbf=int(clock.now) + 120))) == "not yet valid"
    assert verifier.verify(realm.mint(realm.claims(nbf=int(clock.now) + 10))).username == "hlq-wang"
    assert reason(verifier, realm.mint(realm.claims(iat=int(clock.now) + 600))) == "issued in the future"


@pytest.mark.parametrize("aud", ["account", ["account", "lianjian-cli"], None, ""])
def test_wrong_audience_is_refused(realm, aud):
    claims = realm.claims(aud=aud) if aud is not None else realm.claims(aud=None)
    assert reason(realm.verifier(), realm.mint(claims)) == "wrong audience"


def test_audience_may_be_one_of_several(realm):
    assert realm.verifier().verify(realm.mint(realm.claims(aud=["account", "lianjian-api"]))).username == "hlq-wang"


@pytest.mark.parametrize("iss", ["http://127.0.0.1:8180/realms/master", "http://localhost:8180/realms/lianjian",
                                 "lianjian-dev", None])
def test_wrong_issuer_is_refused(realm, iss):
    assert reason(realm.verifier(), realm.mint(realm.claims(iss=iss))) == "wrong issuer"


def test_alg_none_is_refused(realm):
    header = realm.b64json({"alg": "none", "typ": "JWT", "kid": realm.keys[0]["kid"]})
    token = f"{header}.{realm.b64json(realm.claims())}."
    assert reason(realm.verifier(), token) == "algorithm 'none' not accepted"
    assert realm.fetches == 0  # refused before any key is looked up


def test_hs256_signed_with_the_public_key_is_refused(realm):
    """The key-confusion attack: HMAC with the RSA public key (as PEM and as JWK JSON) as the secret."""
    public = realm.keys[0]
    for secret in (public.export_to_pem(), json.dumps(public.export_public(as_dict=True)).encode()):
        header = realm.b64json({"alg": "HS256", "typ": "JWT", "kid": public["kid"]})
        body = realm.b64json(realm.claims())
        mac = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
        assert reason(realm.verifier(), f"{header}.{body}.{realm.b64(mac)}") == "algorithm 'HS256' not accepted"


@pytest.mark.parametrize("alg", ["RS384", "PS256", "ES256", "HS512"])
def test_other_algorithms_are_refused(realm, alg):
    header = realm.b64json({"alg": alg, "typ": "JWT", "kid": realm.keys[0]["kid"]})
    token = f"{header}.{realm.b64json(realm.claims())}.c2ln"
    assert reason(realm.verifier(), token) == f"algorithm {alg!r} not accepted"


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d.e", "!!.??.##", '{"payload":"x"}'])
def test_malformed_tokens_are_refused(realm, token):
    assert reason(realm.verifier(), token) == "malformed token"


def test_a_header_without_algorithm_is_refused(realm):
    assert reason(realm.verifier(), "e30.e30.") == "algorithm None not accepted"


def test_a_header_without_key_id_is_refused(realm):
    assert reason(realm.verifier(), realm.mint(kid="")) == "no key id"


@pytest.mark.parametrize("typ", ["Refresh", "ID", "Offline"])
def test_tokens_that_are_not_access_tokens_are_refused(realm, typ):
    assert reason(realm.verifier(), realm.mint(realm.claims(typ=typ))) == "not an access token"


@pytest.mark.parametrize(("overrides", "why"), [
    ({"department": "system"}, "unknown department"),  # Lianjian's own rules are no person
    ({"department": "police"}, "unknown department"),
    ({"department": ["tax", "audit"]}, "more than one department"),
    ({"jurisdiction": "Yuzhong/../x"}, "malformed jurisdiction"),
    ({"jurisdiction": 42}, "malformed jurisdiction claim"),
    ({"sub": None}, "no subject"),
])
def test_senseless_identity_claims_are_refused(realm, overrides, why):
    assert reason(realm.verifier(), realm.mint(realm.claims(**overrides))) == why


def test_jwks_is_fetched_once_and_cached(realm):
    verifier = realm.verifier()
    for _ in range(50):
        verifier.verify(realm.mint())
    assert realm.fetches == 1


def test_unknown_kid_refreshes_once_then_fails(realm, clock):
    verifier = realm.verifier(now=clock, refresh_interval=30)
    verifier.verify(realm.mint())
    stranger = realm.key("stranger")
    assert reason(verifier, realm.sign(realm.claims(), stranger)) == "unknown signing key"
    assert realm.fetches == 2  # the first load, and one refresh for the unknown kid
    for _ in range(20):  # a flood of unknown kids does not become a flood of requests
        assert reason(verifier, realm.sign(realm.claims(), stranger)) == "unknown signing key"
    assert realm.fetches == 2
    clock.advance(31)
    assert reason(verifier, realm.sign(realm.claims(), stranger)) == "unknown signing key"
    assert realm.fetches == 3


def test_a_rotated_key_is_picked_up_on_its_first_token(realm, clock):
    verifier = realm.verifier(now=clock)
    verifier.verify(realm.mint())
    clock.advance(60)
    realm.keys.insert(0, realm.key("realm-key-2"))  # Keycloak rotates: a new active key
    assert verifier.verify(realm.mint()).username == "hlq-wang"
    assert realm.fetches == 2


def test_encryption_keys_in_the_jwks_are_not_signing_keys(realm):
    token = realm.sign(realm.claims(), realm.key("enc-1"))
    assert reason(realm.verifier(), token) == "unknown signing key"


def test_known_keys_keep_verifying_while_keycloak_is_down(realm, clock):
    verifier = realm.verifier(now=clock, max_age=600)
    verifier.verify(realm.mint())
    realm.down = True
    clock.advance(3600)  # the keys are stale: a refresh is tried, fails, and the old keys stay
    assert verifier.verify(realm.mint(realm.claims(exp=int(clock.now) + 300))).username == "hlq-wang"
    assert realm.fetches == 2
    assert reason(verifier, realm.sign(realm.claims(exp=int(clock.now) + 300), realm.key("stranger"))) \
        == "unknown signing key"


def test_no_keys_at_all_while_keycloak_is_down(realm, clock):
    realm.down = True
    verifier = realm.verifier(now=clock, retry_interval=5)
    with pytest.raises(KeysUnavailable) as caught:
        verifier.verify(realm.mint())
    assert caught.value.reason == "signing keys unavailable"
    assert isinstance(caught.value, InvalidToken)
    assert reason(verifier, realm.mint()) == "signing keys unavailable"
    assert realm.fetches == 1  # not asked again within the retry interval
    realm.down = False
    clock.advance(5)
    assert verifier.verify(realm.mint()).username == "hlq-wang"  # Keycloak is back
    assert realm.fetches == 2


def test_a_jwks_that_is_not_json_is_survived(realm, monkeypatch):
    from keycloak import KeycloakOpenID

    monkeypatch.setattr(KeycloakOpenID, "certs", lambda self: (_ for _ in ()).throw(TypeError("not a dict")))
    assert reason(realm.verifier(), realm.mint()) == "signing keys unavailable"
