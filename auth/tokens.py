"""Access-token verification: a bearer token in, a Principal out, or InvalidToken with a short reason.

Production verifies Keycloak's access tokens (KeycloakVerifier); development may use locally signed
tokens instead (auth/dev.py). Both check the same things, in this order:

1. the compact JWS form and its header: the algorithm must be RS256 (``none``, HS256 and the rest are
   refused before any key is touched), and the key id must name a known signing key;
2. the RS256 signature, against that one public key;
3. the claims: issuer, audience, expiry and not-before (with a small leeway for clock skew), and a
   ``typ`` of Bearer where one is given (so an ID or refresh token is no access token);
4. the identity claims, mapped to a Principal: ``sub``, ``preferred_username``, the name,
   ``realm_access.roles``, ``department`` and ``jurisdiction``.

KeycloakVerifier fetches the realm's JWKS with python-keycloak on first use, keeps it, and fetches it again
only when a token names a key id it does not know (at most once per ``refresh_interval``, so a flood of
made-up key ids is no flood of requests), or when the keys are older than ``max_age``. When Keycloak
cannot be reached, tokens signed with a key already known keep verifying; with no key known at all,
verification raises KeysUnavailable (retried at most once per ``retry_interval``).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from jwcrypto import jwk, jws
from jwcrypto.common import JWException
from keycloak import KeycloakOpenID

from auth.principal import PERSON_DEPARTMENTS, Principal, display_name_of, parse_jurisdiction
from domain.context import Department

log = logging.getLogger(__name__)

ALGORITHM = "RS256"
DEFAULT_LEEWAY = 30  # seconds of clock skew allowed on exp and nbf
KEYCLOAK_BUILTIN_ROLES = frozenset({"offline_access", "uma_authorization"})


class InvalidToken(Exception):
    """The token is not accepted; ``reason`` says why, briefly (safe to show the caller)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeysUnavailable(InvalidToken):
    """No signing key is known yet and the identity provider could not be reached (a 503, not a 401)."""


@runtime_checkable
class TokenVerifier(Protocol):
    def verify(self, token: str) -> Principal:
        """The principal a bearer token names; raises InvalidToken."""
        ...


def _b64_json(part: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidToken("malformed token") from None
    if not isinstance(value, dict):
        raise InvalidToken("malformed token")
    return value


def unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header of a compact JWS, not yet trusted. Raises InvalidToken if it is not one."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise InvalidToken("malformed token")
    return _b64_json(token.split(".", 1)[0])


def unverified_claims_expiry(token: str) -> float | None:
    """The ``exp`` of a token's claims, read without checking the signature (call after verifying it)."""
    try:
        return _number(_b64_json(token.split(".")[1]), "exp")
    except (InvalidToken, IndexError):
        return None


def _number(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidToken(f"malformed {name} claim")
    return float(value)


def verify_signed(token: str, key_for: Callable[[str], jwk.JWK], *, issuer: str, audience: str,
                  leeway: float = DEFAULT_LEEWAY, now: Callable[[], float] = time.time) -> dict[str, Any]:
    """The verified claims of an RS256 token; raises InvalidToken. ``key_for(kid)`` finds the public key."""
    header = unverified_header(token)
    alg = header.get("alg")
    if alg != ALGORITHM:
        raise InvalidToken(f"algorithm {alg!r} not accepted")
    if header.get("crit"):
        raise InvalidToken("critical header parameters not supported")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("no key id")
    key = key_for(kid)

    signed = jws.JWS()
    signed.allowed_algs = [ALGORITHM]
    try:
        signed.deserialize(token)
        signed.verify(key, alg=ALGORITHM)
    except (JWException, ValueError, TypeError):
        raise InvalidToken("bad signature") from None
    payload = signed.payload
    try:
        claims = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise InvalidToken("malformed claims") from None
    if not isinstance(claims, dict):
        raise InvalidToken("malformed claims")

    if claims.get("iss") != issuer:
        raise InvalidToken("wrong issuer")
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if audience not in audiences:
        raise InvalidToken("wrong audience")
    moment = now()
    exp = _number(claims, "exp")
    if exp is None:
        raise InvalidToken("no expiry")
    if moment > exp + leeway:
        raise InvalidToken("expired")
    nbf = _number(claims, "nbf")
    if nbf is not None and moment < nbf - leeway:
        raise InvalidToken("not yet valid")
    iat = _number(claims, "iat")
    if iat is not None and moment < iat - leeway:
        raise InvalidToken("issued in the future")
    typ = claims.get("typ")
    if typ is not None and str(typ).lower() != "bearer":
        raise InvalidToken("not an access token")
    return claims


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """Map verified access-token claims to a Principal; raises InvalidToken for claims that make no sense."""
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise InvalidToken("no subject")
    username = claims.get("preferred_username")
    if not isinstance(username, str) or not username:
        username = sub

    def text(name: str) -> str | None:
        value = claims.get(name)
        return value if isinstance(value, str) else None

    def single(name: str) -> str | None:
        value = claims.get(name)
        if isinstance(value, list):
            values = {v for v in value if isinstance(v, str) and v}
            if len(values) > 1:
                raise InvalidToken(f"more than one {name}")
            value = values.pop() if values else None
        if value is not None and not isinstance(value, str):
            raise InvalidToken(f"malformed {name} claim")
        return value or None

    realm_access = claims.get("realm_access")
    raw_roles = realm_access.get("roles") if isinstance(realm_access, Mapping) else None
    roles = frozenset(
        role for role in (raw_roles if isinstance(raw_roles, list) else [])
        if isinstance(role, str) and role not in KEYCLOAK_BUILTIN_ROLES and not role.startswith("default-roles-")
    )

    department_name = single("department")
    department: Department | None = None
    if department_name is not None:
        try:
            department = Department(department_name)
        except ValueError:
            raise InvalidToken("unknown department") from None
        if department not in PERSON_DEPARTMENTS:
            raise InvalidToken("unknown department")
    try:
        jurisdiction = parse_jurisdiction(single("jurisdiction"))
    except ValueError:
        raise InvalidToken("malformed jurisdiction") from None

    return Principal(
        user_id=sub,
        username=username,
        display_name=display_name_of(text("given_name"), text("family_name"), text("name"), username),
        department=department,
        roles=roles,
        jurisdiction=jurisdiction,
    )


def _signing_keys(jwks: Mapping[str, Any]) -> dict[str, jwk.JWK]:
    """The RS256 signature keys of a JWKS, by key id (encryption keys and other algorithms left out)."""
    keys: dict[str, jwk.JWK] = {}
    for entry in jwks.get("keys", []) if isinstance(jwks, Mapping) else []:
        if not isinstance(entry, Mapping) or entry.get("kty") != "RSA" or not entry.get("kid"):
            continue
        if entry.get("use", "sig") != "sig" or entry.get("alg", ALGORITHM) != ALGORITHM:
            continue
        try:
            key = jwk.JWK(**{name: value for name, value in entry.items() if name in ("kty", "kid", "n", "e", "alg", "use")})
        except (JWException, ValueError, TypeError):
            log.warning("ignoring a malformed key %r in the JWKS", entry.get("kid"))
            continue
        keys[str(entry["kid"])] = key
    return keys


class KeycloakVerifier:
    """Verifies access tokens of a Keycloak realm for one audience (the API's client id).

    ``server_url`` is where this process reaches Keycloak (e.g. http://127.0.0.1:8180); ``issuer`` is the
    ``iss`` the tokens carry, by default ``{server_url}/realms/{realm}`` (give it when Keycloak's public
    hostname differs from the URL used here).
    """

    def __init__(self, server_url: str, realm: str, audience: str, *, issuer: str | None = None,
                 leeway: float = DEFAULT_LEEWAY, refresh_interval: float = 30.0, retry_interval: float = 5.0,
                 max_age: float = 3600.0,
                 timeout: int = 5, now: Callable[[], float] = time.time) -> None:
        self.server_url = server_url.rstrip("/")
        self.realm = realm
        self.audience = audience
        self.issuer = issuer or f"{self.server_url}/realms/{realm}"
        self.leeway = leeway
        self.refresh_interval = refresh_interval
        self.retry_interval = retry_interval
        self.max_age = max_age
        self._now = now
        self._openid = KeycloakOpenID(server_url=self.server_url + "/", realm_name=realm, client_id=audience,
                                      timeout=timeout, max_retries=0)
        self._keys: dict[str, jwk.JWK] = {}
        self._fetched_at: float | None = None  # when the keys we hold were fetched
        self._tried_at: float | None = None  # when we last asked, successfully or not
        self._missed_at: float | None = None  # when an unknown key id last made us ask
        self._lock = threading.Lock()
        self.fetches = 0  # JWKS requests made (for tests and metrics)

    def _fetch_jwks(self) -> dict[str, Any]:
        return self._openid.certs()

    def _refresh(self) -> None:
        """Fetch the JWKS (the caller holds the lock). Keeps the old keys when the fetch fails."""
        self._tried_at = self._now()
        self.fetches += 1
        try:
            keys = _signing_keys(self._fetch_jwks())
        except Exception as error:  # Keycloak down, a proxy error page, a timeout: keep what we have
            log.warning("could not fetch the JWKS of realm %s from %s: %s", self.realm, self.server_url, error)
            return
        if not keys:
            log.warning("the JWKS of realm %s has no RS256 signing key", self.realm)
            return
        self._keys = keys
        self._fetched_at = self._tried_at

    def _due(self, now: float) -> bool:
        """The keys held have grown old and were not asked for lately: pick up removed and added keys."""
        fetched, tried = self._fetched_at, self._tried_at
        return (fetched is not None and tried is not None and now - fetched >= self.max_age
                and now - tried >= self.refresh_interval)

    def key_for(self, kid: str) -> jwk.JWK:
        """The public key of a key id: from the cache, else after one refresh of the JWKS; raises InvalidToken."""
        key = self._keys.get(kid)
        if key is not None and not self._due(self._now()):
            return key  # known and not due for a refresh: never wait behind another token's fetch
        with self._lock:
            now = self._now()
            refreshed = False
            if self._fetched_at is None:
                # Nothing yet (first use, or Keycloak down so far): ask, but not on every request.
                if self._tried_at is None or now - self._tried_at >= self.retry_interval:
                    self._refresh()
                    refreshed = True
            elif self._due(now):
                self._refresh()
                refreshed = True
            if (kid not in self._keys and not refreshed and self._fetched_at is not None
                    and (self._missed_at is None or now - self._missed_at >= self.refresh_interval)):
                self._missed_at = now  # an unknown kid: perhaps a rotated key, ask once
                self._refresh()
            key = self._keys.get(kid)
            if key is None:
                if self._fetched_at is None:
                    raise KeysUnavailable("signing keys unavailable")
                raise InvalidToken("unknown signing key")
            return key

    def verify(self, token: str) -> Principal:
        try:
            claims = verify_signed(token, self.key_for, issuer=self.issuer, audience=self.audience,
                                   leeway=self.leeway, now=self._now)
        except KeysUnavailable:
            # No key to check it with yet. A token of another issuer (a dev token, say) is refused all the
            # same; only one that may be ours is worth retrying.
            try:
                issuer = _b64_json(token.split(".")[1]).get("iss")
            except InvalidToken:
                issuer = None
            if issuer != self.issuer:
                raise InvalidToken("wrong issuer") from None
            raise
        return principal_from_claims(claims)
