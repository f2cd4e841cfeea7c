"""A real Keycloak for the end-to-end tests: infra/keycloak/start.sh on a free port, once per session.

Without Keycloak (no Java 21+, no Maven to fetch it, no download) these tests skip with the reason, except
under CI=true, where they fail. The server runs on a free port of its own (start.sh keeps a server folder per
port, removed when it stops), so test runs at once share only the downloaded distribution. The dashboard's
client is imported with one more redirect URI, on a free port the PKCE sign-in test serves the dashboard on:
nothing needs port 8000, where `lianjian demo` serves.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.postgres.private import free_port

ROOT = Path(__file__).resolve().parents[2]
START = ROOT / "infra" / "keycloak" / "start.sh"
_failed: list[str] = []  # why start.sh failed, so that it is tried once per session, not once per test


@pytest.fixture(scope="session")
def dashboard_port() -> int:
    """The port the PKCE sign-in test serves the dashboard on, a redirect URI of the imported realm."""
    return free_port()


@pytest.fixture(scope="session")
def keycloak_url(unavailable, dashboard_port: int) -> Iterator[str]:
    """The base URL of a running Keycloak with the realm imported."""
    if _failed:
        unavailable("Keycloak", _failed[0])
    env = {**os.environ, "PORT": str(free_port()), "KEYCLOAK_EPHEMERAL": "1",
           "KEYCLOAK_REDIRECT_URIS": f"http://127.0.0.1:{dashboard_port}/*"}
    try:
        started = subprocess.run(["bash", str(START)], env=env, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as error:
        _failed.append(f"start.sh: {error}")
        unavailable("Keycloak", _failed[0])
    said = [line[len("keycloak: "):].strip() for line in started.stderr.splitlines() if line.startswith("keycloak: ")]
    urls = [line.split("=", 1)[1] for line in started.stdout.splitlines() if line.startswith("KEYCLOAK_URL=")]
    if started.returncode != 0 or not urls:
        _failed.append(said[-1] if said else f"start.sh exited with {started.returncode}")
        unavailable("Keycloak", _failed[0])
    ours = not any("already running" in line for line in said)
    try:
        yield urls[-1]
    finally:
        if ours:
            subprocess.run(["bash", str(START), "stop"], env=env, capture_output=True, text=True, timeout=120)


