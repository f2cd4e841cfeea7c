"""The request context: who is asking (verified lazily, again once the token's exp has passed) and what the
gateway runs on."""

from __future__ import annotations

import time
from typing import Any

from strawberry.fastapi import BaseContext
from strawberry.types import Info

from auth.principal import PUBLIC, Principal
from auth.tokens import InvalidToken, KeysUnavailable, unverified_claims_expiry
from gateway.graphql.errors import UNAUTHENTICATED, UNAVAILABLE, coded
from gateway.runtime import Runtime


class RequestContext(BaseContext):
    """One HTTP request's, or one websocket's for as long as it stays open: a socket's token is the one of its
    connection_init, so the principal is not kept past the token's ``exp``; from then on it is verified
    again on each use, which refuses it once it has expired (the verifier's clock-skew leeway included)."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime
        self._principal: Principal | None = None
        self._expires: float | None = None  # the token's exp; None for the public

    def _authorization(self) -> str | None:
        if self.connection_params:  # websockets: the token comes in connection_init
            params: dict[str, Any] = self.connection_params
            for name in ("Authorization", "authorization"):
                value = params.get(name)
                if value is None or value == "":
                    continue
                if not isinstance(value, str):
                    raise coded(f"the {name} connection parameter must be a string: 'Bearer <token>'",
                                UNAUTHENTICATED)
                return value
            return None
        if self.request is not None:
            return self.request.headers.get("authorization")
        return None

    @property
    def principal(self) -> Principal:
        """The caller; the public when no token is given; UNAUTHENTICATED when a token is bad or has expired;
        UNAVAILABLE when no signing key could be had yet to check it."""
        if self._principal is None or (self._expires is not None and time.time() >= self._expires):
            self._principal = None
            self._principal, self._expires = self._verify()
        return self._principal

    def _verify(self) -> tuple[Principal, float | None]:
        header = self._authorization()
        if not header:
            return PUBLIC, None
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise coded("the Authorization header must be 'Bearer <token>'", UNAUTHENTICATED)
        try:
            principal = self.runtime.verifier.verify(token)
        except KeysUnavailable:  # no signing key known yet and Keycloak unreachable: not the token's fault
            raise coded("the identity provider cannot be reached just now; try again", UNAVAILABLE) from None
        except InvalidToken as error:
            raise coded(f"invalid token: {error}", UNAUTHENTICATED) from None
        return principal, unverified_claims_expiry(token)


def caller(info: Info) -> Principal:
    return info.context.principal


def runtime(info: Info) -> Runtime:
    return info.context.runtime
