"""Development tokens: signed here, for the users of the Keycloak realm file, without a Keycloak.

The users, their groups, the groups' ``department`` and ``jurisdiction`` attributes and the realm roles
are read from infra/keycloak/realm-lianjian.json, resolved the way Keycloak's mappers resolve them, so
that a dev token carries the same identity claims as the real one (``sub`` is the user id fixed in the
realm file). The signing key is an RSA key made once and kept in the data directory
(``<data_dir>/dev-signing-key.pem``, mode 0600, never committed).

Dev tokens have issuer ``lianjian-dev``: a KeycloakVerifier refuses them (other issuer, unknown key id),
and the DevVerifier accepts nothing else.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jwcrypto import jwk, jws

from auth.principal import Principal
from auth.tokens import (
    ALGORITHM,
    DEFAULT_LEEWAY,
    InvalidToken,
    principal_from_claims,
    verify_signed,
)

DEV_ISSUER = "lianjian-dev"
API_AUDIENCE = "lianjian-api"
DEV_CLIENT = "lianjian-dev"
KEY_FILE = "dev-signing-key.pem"
# The realm export (infra/keycloak/realm-lianjian.json), linked into the package so that an installed wheel has it.
REALM_FILE = Path(__file__).resolve().parent / "realm-lianjian.json"


class UnknownUser(LookupError):
    """No such user in the realm file (or the user is disabled there)."""


@dataclass(frozen=True)
class RealmUser:
    user_id: str
    username: str
    first_name: str
    last_name: str
    email: str | None
    roles: frozenset[str]
    department: str | None
    jurisdiction: str | None
    groups: tuple[str, ...]


def identity_claims(user: RealmUser) -> dict[str, Any]:
    """Who the user is, as the realm's access token says it: subject, names, roles, department, jurisdiction."""
    claims: dict[str, Any] = {
        "sub": user.user_id,
        "preferred_username": user.username,
        "given_name": user.first_name,
        "family_name": user.last_name,
        "name": f"{user.first_name} {user.last_name}".strip(),
        "realm_access": {"roles": sorted(user.roles)},
    }
    if user.email:
        claims["email"] = user.email
    if user.department:
        claims["department"] = user.department
    if user.jurisdiction:
        claims["jurisdiction"] = user.jurisdiction
    return claims


def realm_principal(username: str, realm_file: Path | str = REALM_FILE) -> Principal:
    """The principal a realm user's token would make: what the CLI's ``--as USER`` acts with."""
    user = load_realm_users(realm_file).get(username)
    if user is None:
        raise UnknownUser(f"no user {username!r} in the realm file")
    return principal_from_claims(identity_claims(user))


def _attribute(attributes: Any, name: str) -> str | None:
    values = (attributes or {}).get(name) if isinstance(attributes, dict) else None
    if isinstance(values, str):
        return values or None
    if isinstance(values, list) and values:
        return str(values[0]) or None
    return None


def load_realm_users(realm_file: Path | str = REALM_FILE) -> dict[str, RealmUser]:
    """The enabled users of a realm export, by username, with roles and attributes resolved as Keycloak does.

    Roles: the user's own realm roles and those of each of its groups and their ancestors.
    ``department`` and ``jurisdiction``: the user's own attribute, else the first of its groups that has
    it, looking up from the group to its parents (Keycloak's user-attribute mapper without aggregation).
    """
    realm = json.loads(Path(realm_file).read_text(encoding="utf-8"))
    groups: dict[str, tuple[dict[str, Any], str | None]] = {}  # path -> (group, parent path)

    def walk(items: Iterable[dict[str, Any]], parent: str | None) -> None:
        for group in items:
            path = f"{parent or ''}/{group['name']}"
            groups[path] = (group, parent)
            walk(group.get("subGroups") or [], path)

    walk(realm.get("groups") or [], None)

    def lineage(path: str) -> list[dict[str, Any]]:
        chain: list[dict[str, Any]] = []
        current: str | None = path
        while current is not None:
            if current not in groups:
                raise ValueError(f"the realm file names an unknown group {current!r}")
            group, current = groups[current]
            chain.append(group)
        return chain  # the group first, then its parents

    users: dict[str, RealmUser] = {}
    for user in realm.get("users") or []:
        if not user.get("enabled", True) or user.get("serviceAccountClientId"):
            continue
        member_of = tuple(user.get("groups") or [])
        roles = set(user.get("realmRoles") or [])
        resolved: dict[str, str | None] = {}
        for name in ("department", "jurisdiction"):
            resolved[name] = _attribute(user.get("attributes"), name)
        for path in member_of:
            chain = lineage(path)
            for group in chain:
                roles.update(group.get("realmRoles") or [])
            for name in ("department", "jurisdiction"):
                if resolved[name] is None:
                    resolved[name] = next(
                        (value for value in (_attribute(g.get("attributes"), name) for g in chain) if value), None)
        if not user.get("id"):
            raise ValueError(f"user {user.get('username')!r} has no fixed id in the realm file")
        users[user["username"]] = RealmUser(
            user_id=user["id"], username=user["username"], first_name=user.get("firstName") or "",
            last_name=user.get("lastName") or "", email=user.get("email"), roles=frozenset(roles),
            department=resolved["department"], jurisdiction=resolved["jurisdiction"], groups=member_of,
        )
    return users


def load_or_create_key(data_dir: Path | str) -> jwk.JWK:
    """The dev signing key in ``data_dir``, made (2048-bit RSA) and stored with mode 0600 the first time."""
    folder = Path(data_dir)
    path = folder / KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        key = jwk.JWK.generate(kty="RSA", size=2048)
        pem = key.export_to_pem(private_key=True, password=None)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: use theirs
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
    key = jwk.JWK.from_pem(path.read_bytes())
    if not key.has_private:
        raise ValueError(f"{path} holds no private key")
    fields = key.export(private_key=True, as_dict=True)
    fields.update(kid=key.thumbprint(), alg=ALGORITHM, use="sig")
    return jwk.JWK(**fields)


class DevTokenIssuer:
    """Signs access tokens for the users of the realm file (development and tests only)."""

    def __init__(self, data_dir: Path | str, realm_file: Path | str = REALM_FILE, *, lifetime: int = 3600,
                 now: Callable[[], float] = time.time) -> None:
        self.key = load_or_create_key(data_dir)
        self.users = load_realm_users(realm_file)
        self.lifetime = lifetime
        self._now = now

    @property
    def kid(self) -> str:
        return self.key["kid"]

    def claims_for(self, username: str, *, lifetime: int | None = None) -> dict[str, Any]:
        user = self.users.get(username)
        if user is None:
            raise UnknownUser(f"no user {username!r} in the realm file")
        issued = int(self._now())
        return {
            "iss": DEV_ISSUER,
            "aud": API_AUDIENCE,
            "typ": "Bearer",
            "azp": DEV_CLIENT,
            "iat": issued,
            "nbf": issued,
            "exp": issued + (self.lifetime if lifetime is None else lifetime),
            "jti": os.urandom(12).hex(),
            **identity_claims(user),
        }

    def sign(self, claims: dict[str, Any]) -> str:
        """Sign any claims with the dev key (tests use it to make odd tokens)."""
        token = jws.JWS(json.dumps(claims, ensure_ascii=False).encode("utf-8"))
        token.add_signature(self.key, alg=ALGORITHM, protected={"alg": ALGORITHM, "typ": "JWT", "kid": self.kid})
        return token.serialize(compact=True)

    def issue(self, username: str, *, lifetime: int | None = None) -> str:
        """A signed access token for a user of the realm file; raises UnknownUser."""
        return self.sign(self.claims_for(username, lifetime=lifetime))

    def verifier(self, **options: Any) -> DevVerifier:
        return DevVerifier(public_key=self.key, now=self._now, **options)


class DevVerifier:
    """Accepts only dev tokens: issuer ``lianjian-dev``, audience ``lianjian-api``, the dev key of ``data_dir``."""

    def __init__(self, data_dir: Path | str | None = None, *, public_key: jwk.JWK | None = None,
                 audience: str = API_AUDIENCE, leeway: float = DEFAULT_LEEWAY,
                 now: Callable[[], float] = time.time) -> None:
        if public_key is None:
            if data_dir is None:
                raise ValueError("give the data directory or the key")
            public_key = load_or_create_key(data_dir)
        self.key = jwk.JWK(**public_key.export_public(as_dict=True))
        self.kid = public_key["kid"]
        self.audience = audience
        self.leeway = leeway
        self._now = now

    def key_for(self, kid: str) -> jwk.JWK:
        if kid != self.kid:
            raise InvalidToken("unknown signing key")
        return self.key

    def verify(self, token: str) -> Principal:
        claims = verify_signed(token, self.key_for, issuer=DEV_ISSUER, audience=self.audience,
                               leeway=self.leeway, now=self._now)
        return principal_from_claims(claims)
