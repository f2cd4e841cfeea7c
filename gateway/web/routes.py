"""The street office's shared dashboard: static pages at /, their configuration, and (dev mode only) sign-in.

The pages are plain files in ``gateway/web/static/`` (HTML, CSS, JavaScript modules, no build step). They read
everything through the public GraphQL API at /graphql with the signed-in user's bearer token, so what a user
sees is what the API answers for that user. This module adds no data of its own:

- ``GET /``: the page (with a Content-Security-Policy that allows nothing but this origin and Keycloak);
- ``GET /static/…``: its scripts, styles and icon;
- ``GET /config.json``: where to sign in (Keycloak URL, realm, public client) and whether the server is in dev mode;
- ``GET /dev/users`` and ``POST /dev/token``: the demo users of the realm file and a dev token for one of them,
  registered ONLY when ``settings.dev_mode`` is true (otherwise these paths do not exist: 404).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from gateway.runtime import Runtime

STATIC = Path(__file__).resolve().parent / "static"
DASHBOARD_CLIENT = "lianjian-dashboard"  # the realm's public client (authorization code flow, PKCE S256)
DEV_TOKEN_LIFETIME = 8 * 3600  # a working day; dev tokens are for development and tests only


class DevTokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=100)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(keycloak_url: str | None) -> str:
    """Only this origin (pages, API, its websocket) and, for the token endpoint, Keycloak: no CDN can load."""
    connect = "'self'" + (f" {_origin(keycloak_url)}" if keycloak_url and _origin(keycloak_url) else "")
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        f"connect-src {connect}",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def mount_dashboard(api: FastAPI, runtime: Runtime) -> None:
    """Add the dashboard's routes to the gateway: /, /static, /config.json and, in dev mode, /dev/users and /dev/token."""
    settings = runtime.settings
    dev_mode = bool(settings.dev_mode)
    csp = content_security_policy(None if dev_mode else settings.keycloak_url)
    page_headers = {
        "Content-Security-Policy": csp,
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    config: dict[str, Any] = {
        "devMode": dev_mode,
        "keycloakUrl": settings.keycloak_url.rstrip("/"),
        "realm": settings.keycloak_realm,
        "clientId": DASHBOARD_CLIENT,
        "graphqlPath": "/graphql",
        "timeZone": "Asia/Shanghai",
    }

    @cache
    def index_html() -> str:
        return (STATIC / "index.html").read_text(encoding="utf-8")

    @api.get("/", include_in_schema=False)
    def dashboard() -> HTMLResponse:
        return HTMLResponse(index_html(), headers=page_headers)

    @api.get("/config.json", include_in_schema=False)
    def dashboard_config() -> JSONResponse:
        return JSONResponse(config, headers={"Cache-Control": "no-cache"})

    api.mount("/static", StaticFiles(directory=STATIC), name="dashboard-static")

    if not dev_mode:
        return  # no dev sign-in in production: /dev/* answer 404 like any unknown path

    from auth.dev import DevTokenIssuer, UnknownUser

    @cache
    def issuer() -> DevTokenIssuer:
        return DevTokenIssuer(settings.data_dir, lifetime=DEV_TOKEN_LIFETIME)

    @api.get("/dev/users", include_in_schema=False)
    def dev_users() -> JSONResponse:
        users = [
            {"username": u.username, "name": f"{u.last_name}{u.first_name}", "department": u.department,
             "jurisdiction": u.jurisdiction}
            for u in issuer().users.values()
        ]
        return JSONResponse({"users": users}, headers={"Cache-Control": "no-store"})

    @api.post("/dev/token", include_in_schema=False)
    def dev_token(request: DevTokenRequest) -> JSONResponse:
        try:
            token = issuer().issue(request.username)
        except UnknownUser:
            raise HTTPException(status_code=404, detail=f"no user {request.username!r} in the realm file") from None
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": DEV_TOKEN_LIFETIME},
                            headers={"Cache-Control": "no-store"})
