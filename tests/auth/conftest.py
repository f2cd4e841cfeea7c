"""Keys, tokens and a fake Keycloak JWKS for the token tests: nothing here talks to a server.

`realm` is a stand-in for Keycloak: RSA keys made here, a JWKS served by monkeypatching
KeycloakOpenID.certs (python-keycloak's fetch), a counter of fetches, and `mint` to sign any claims.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from jwcrypto import jwk, jws
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakConnectionError

from auth.tokens import KeycloakVerifier

SERVER = "http://127.0.0.1:8180"
REALM = "lianjian"
ISSUER = f"{SERVER}/realms/{REALM}"
AUDIENCE = "lianjian-api"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value: Any) -> str:
    return b64(json.dumps(value).encode())


def rsa_key(kid: str) -> jwk.JWK:
    key = jwk.JWK.generate(kty="RSA", size=2048)
    fields = key.export(private_key=True, as_dict=True)
    fields.update(kid=kid, alg="RS256", use="sig")
    return jwk.JWK(**fields)


_KEYS: dict[str, jwk.JWK] = {}


def cached_key(kid: str) -> jwk.JWK:
    """2048-bit keys take a moment to make: one per kid for the whole session."""
    if kid not in _KEYS:
        _KEYS[kid] = rsa_key(kid)
    return _KEYS[kid]


def sign(claims: dict[str, Any], key: jwk.JWK, *, kid: str | None = None, alg: str = "RS256",
         header: dict[str, Any] | None = None) -> str:
    protected = {"alg": alg, "typ": "JWT", "kid": kid if kid is not None else key["kid"], **(header or {})}
    token = jws.JWS(json.dumps(claims).encode())
    token.add_signature(key, alg=alg, protected=protected)
    return token.serialize(compact=True)


def access_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "exp": now + 300, "iat": now, "jti": "onrtro:1", "iss": ISSUER, "aud": AUDIENCE,
        "sub": "a2e35906-c961-5f78-bed3-a7c37b50ca41", "typ": "Bearer", "azp": "lianjian-cli",
        "realm_access": {"roles": ["street_officer", "offline_access", "uma_authorization",
                                   "default-roles-lianjian"]},
        "scope": "openid email profile", "email_verified": True, "jurisdiction": "yuzhong/hualongqiao",
        "name": "磊 王", "preferred_username": "hlq-wang", "department": "street_office",
        "given_name": "磊", "family_name": "王", "email": "hlq-wang@lianjian.example",
    }
    for name, value in overrides.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


@dataclass
class FakeRealm:
    keys: list[jwk.JWK]
    fetches: int = 0
    down: bool = False
    extra: list[dict[str, Any]] = field(default_factory=list)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.export_public(as_dict=True) for key in self.keys] + self.extra}

    def certs(self) -> dict[str, Any]:
        self.fetches += 1
        if self.down:
            raise KeycloakConnectionError("Can't connect to server")
        return self.jwks()

    def mint(self, claims: dict[str, Any] | None = None, **options: Any) -> str:
        """A token signed with the realm's current key; claims default to a street officer of 化龙桥."""
        return sign(claims if claims is not None else access_claims(), self.keys[0], **options)

    # The helpers, for the tests (test modules do not import conftest).
    issuer = ISSUER
    audience = AUDIENCE
    claims = staticmethod(access_claims)
    sign = staticmethod(sign)
    key = staticmethod(cached_key)
    b64 = staticmethod(b64)
    b64json = staticmethod(b64json)

    def verifier(self, **options: Any) -> KeycloakVerifier:
        return KeycloakVerifier(SERVER, REALM, AUDIENCE, **options)


@pytest.fixture
def realm(monkeypatch: pytest.MonkeyPatch) -> FakeRealm:
    fake = FakeRealm(keys=[cached_key("realm-key-1")],
                     extra=[{"kid": "enc-1", "kty": "RSA", "alg": "RSA-OAEP", "use": "enc",
                             **{k: v for k, v in cached_key("enc-1").export_public(as_dict=True).items()
                                if k in ("n", "e")}}])
    monkeypatch.setattr(KeycloakOpenID, "certs", lambda self: fake.certs())
    return fake


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()

