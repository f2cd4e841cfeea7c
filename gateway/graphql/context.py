"""The request context: who is asking (verified once, lazily) and what the gateway runs on."""

from __future__ import annotations

from typing import Any

from strawberry.fastapi import BaseContext
from strawberry.types import Info

from auth.principal import PUBLIC, Principal
from auth.tokens import InvalidToken, KeysUnavailable
from gateway.graphql.errors import UNAUTHENTICATED, UNAVAILABLE, coded
from gateway.runtime import Runtime


class RequestContext(BaseContext):
    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime
        self._principal: Principal | None = None

    def _authorization(self) -> str | None:
        if self.connection_params:  # websockets: the token comes in connection_init
            params: dict[str, Any] = self.connection_params
            return params.get("Authorization") or params.get("authorization")
        if self.request is not None:
            return self.request.headers.get("authorization")
        return None

    @property
    def principal(self) -> Principal:
        """The caller; the public when no token is given; UNAUTHENTICATED when a token is bad; UNAVAILABLE
        when no signing key could be had yet to check it."""
        if self._principal is None:
            header = self._authorization()
            if not header:
                self._principal = PUBLIC
            else:
                scheme, _, token = header.partition(" ")
                if scheme.lower() != "bearer" or not token.strip():
                    raise coded("the Authorization header must be 'Bearer <token>'", UNAUTHENTICATED)
                try:
                    self._principal = self.runtime.verifier.verify(token.strip())
                except KeysUnavailable:  # no signing key known yet and Keycloak unreachable: not the token's fault
                    raise coded("the identity provider cannot be reached just now; try again", UNAVAILABLE) from None
                except InvalidToken as error:
                    raise coded(f"invalid token: {error}", UNAUTHENTICATED) from None
        return self._principal


def caller(info: Info) -> Principal:
    return info.context.principal


def runtime(info: Info) -> Runtime:
    return info.context.runtime
