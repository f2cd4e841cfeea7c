"""Which tokens the gateway accepts: Keycloak's in production; dev-signed ones only in dev mode."""

from __future__ import annotations

from typing import Any

from auth.verified_cache import CachingVerifier
from gateway.settings import Settings


def build_verifier(settings: Settings) -> Any:
    if settings.dev_mode:
        from auth.dev import DevVerifier

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        verifier: Any = DevVerifier(settings.data_dir)
    else:
        from auth.tokens import KeycloakVerifier

        verifier = KeycloakVerifier(settings.keycloak_url, settings.keycloak_realm, settings.keycloak_audience)
    return CachingVerifier(verifier)
