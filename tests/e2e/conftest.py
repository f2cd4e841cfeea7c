"""A real Keycloak for the end-to-end tests: infra/keycloak/start.sh on a free port, once per session.

Without Keycloak (no Java 21+, no Maven to fetch it, no download) these tests skip with the reason, except
under CI=true, where they fail. A Keycloak already running from the same cache is used as it is and left
running; one started here is stopped at the end.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START = ROOT / "infra" / "keycloak" / "start.sh"
IN_CI = os.environ.get("CI", "").lower() == "true"


def keycloak_unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"Keycloak is required under CI=true: {reason}")
    pytest.skip(f"Keycloak unavailable: {reason}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_failed: list[str] = []  # why start.sh failed, so that it is tried once per session, not once per test


@pytest.fixture(scope="session")
def keycloak_url() -> Iterator[str]:
    """The base URL of a running Keycloak with the realm imported."""
    if _failed:
        keycloak_unavailable(_failed[0])
    env = {**os.environ, "PORT": str(_free_port())}
    try:
        started = subprocess.run(["bash", str(START)], env=env, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as error:
        _failed.append(f"start.sh: {error}")
        keycloak_unavailable(_failed[0])
    said = [line[len("keycloak: "):].strip() for line in started.stderr.splitlines() if line.startswith("keycloak: ")]
    urls = [line.split("=", 1)[1] for line in started.stdout.splitlines() if line.startswith("KEYCLOAK_URL=")]
    if started.returncode != 0 or not urls:
        _failed.append(said[-1] if said else f"start.sh exited with {started.returncode}")
        keycloak_unavailable(_failed[0])
    ours = not any("already running" in line for line in said)
    try:
        yield urls[-1]
    finally:
        if ours:
            subprocess.run(["bash", str(START), "stop"], env=env, capture_output=True, text=True, timeout=120)


