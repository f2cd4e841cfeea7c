"""Shared test set-up: the two event stores, SQLite (embedded) and PostgreSQL (a private server).

PostgreSQL: LIANJIAN_TEST_DATABASE_URL names a server to use; otherwise a private cluster is made with
initdb in a temporary folder on a free port, and stopped at the end. Without PostgreSQL the tests skip
with the reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import collections
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from domain.application import Supervision
from gateway.settings import Settings
from gateway.storage import postgres_env

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for infra/, which is not an installed package
from infra.postgres.private import PostgresUnavailable, PrivateServer  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() == "true"


def server_unavailable(what: str, reason: str) -> None:
    """A server a test needs cannot be had: skip with the reason, but fail under CI=true."""
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true: {reason}")
    pytest.skip(f"{what} unavailable: {reason}")


@pytest.fixture(scope="session")
def unavailable():  # noqa: ANN201 - the function above, for tests and fixtures in other folders
    return server_unavailable


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A base URL (without database name) of a running PostgreSQL server."""
    given = os.environ.get("LIANJIAN_TEST_DATABASE_URL")
    if given:
        yield given.rsplit("/", 1)[0]
        return
    try:
        server = PrivateServer()
        url = server.start()
    except PostgresUnavailable as error:
        server_unavailable("PostgreSQL", str(error))
    try:
        yield url
    finally:
        server.stop()


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


@pytest.fixture
def inputs_tried(pytestconfig: pytest.Config) -> dict[str, int]:
    """Counts of generated inputs, printed at the end of the run (what the bad-input tests tried)."""
    if not hasattr(pytestconfig, "_lianjian_inputs_tried"):
        pytestconfig._lianjian_inputs_tried = collections.Counter()  # type: ignore[attr-defined]
    return pytestconfig._lianjian_inputs_tried  # type: ignore[attr-defined]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    tried = getattr(config, "_lianjian_inputs_tried", None)
    if tried:
        terminalreporter.write_line("inputs tried: " + ", ".join(f"{n} {what}" for what, n in sorted(tried.items())))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Lianjian's settings for a fresh store, once embedded (SQLite) and once on PostgreSQL."""
    if request.param == "sqlite":
        return Settings(data_dir=tmp_path / "data")
    return Settings(database_url=request.getfixturevalue("postgres_url"))


@pytest.fixture
def child_env(settings: Settings) -> dict[str, str]:
    """The environment of a `lianjian` child process that opens the same store as ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANJIAN_")}
    if settings.database_url:
        env["LIANJIAN_DATABASE_URL"] = settings.database_url
    else:
        env["LIANJIAN_DATA_DIR"] = str(settings.data_dir)
    return env
