"""Shared test set-up: the two event stores, SQLite (embedded) and PostgreSQL (a private server).

PostgreSQL: LIANJIAN_TEST_DATABASE_URL names a server to use; otherwise a private cluster is made with
initdb in a temporary folder on a free port, and stopped at the end. Without PostgreSQL the tests skip
with the reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from domain.application import Supervision
from gateway.storage import postgres_env

IN_CI = os.environ.get("CI", "").lower() == "true"


def postgres_unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"PostgreSQL is required under CI=true: {reason}")
    pytest.skip(f"PostgreSQL unavailable: {reason}")


def _postgres_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the 'postgres' system user then."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A base URL (without database name) of a running PostgreSQL server."""
    given = os.environ.get("LIANJIAN_TEST_DATABASE_URL")
    if given:
        yield given.rsplit("/", 1)[0]
        return
    bindir = _postgres_bin()
    if bindir is None:
        postgres_unavailable("initdb not found (install Debian's postgresql, or set LIANJIAN_TEST_DATABASE_URL)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            postgres_unavailable("running as root and there is no 'postgres' user to run the server as")
    folder = Path(tempfile.mkdtemp(prefix="lianjian-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = _free_port()
    log = folder / "server.log"
    subprocess.run(
        _as_server_user([str(bindir / "initdb"), "-D", str(data), "-U", "lianjian", "--auth=trust",
                         "-E", "UTF8", "--locale=C.UTF-8"]),
        check=True, capture_output=True,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off " \
              "-c full_page_writes=off -c max_connections=200"
    started = subprocess.run(
        _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]),
        capture_output=True, text=True,
    )
    if started.returncode != 0:
        detail = log.read_text() if log.exists() else started.stderr
        postgres_unavailable(f"the private server did not start: {detail.strip()[-300:]}")
    try:
        yield f"postgresql://lianjian@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL of a new, empty database, dropped after the test."""
    name = "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(postgres_server + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{postgres_server}/{name}"
    with psycopg.connect(postgres_server + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


AppFactory = Callable[..., Supervision]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The eventsourcing settings of a fresh store, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "events.sqlite"),
                "SQLITE_LOCK_TIMEOUT": "10"}
    return postgres_env(request.getfixturevalue("postgres_url"))


@pytest.fixture
def make_app(store_env: dict[str, str]) -> Iterator[AppFactory]:
    """Opens applications on the same fresh store; several act as separate writers."""
    opened: list[Supervision] = []

    def factory(cls: type[Supervision] = Supervision) -> Supervision:
        application = cls(env=store_env)
        opened.append(application)
        return application

    yield factory
    for application in opened:
        application.close()
