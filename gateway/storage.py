"""Which event store the application opens: an SQLite file by default, PostgreSQL when a URL is set."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import psycopg

from domain.application import Supervision
from gateway.settings import Settings
from projections.runtime.db import SCHEMA_LOCK, ViewDatabase

SQLITE_FILE = "lianjian.sqlite"
GROUP_COMMIT_FACTORY = "gateway.group_commit:GroupCommitFactory"


def eventsourcing_env(settings: Settings) -> dict[str, str]:
    """The eventsourcing library's persistence settings for these Lianjian settings."""
    if settings.database_url:
        return postgres_env(settings.database_url, pool_size=settings.postgres_pool_size,
                            connect_timeout=settings.postgres_connect_timeout)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return {
        # The library's SQLite persistence; with group commit, a datastore that can share one commit among the
        # server's commands (gateway/group_commit.py), and is the library's own for every other caller.
        "PERSISTENCE_MODULE": GROUP_COMMIT_FACTORY if settings.group_commit else "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(settings.data_dir / SQLITE_FILE),
        "SQLITE_LOCK_TIMEOUT": "10",
    }


def postgres_env(url: str, pool_size: int = 5, connect_timeout: int = 10) -> dict[str, str]:
    parsed = urlparse(url)
    dbname = parsed.path.lstrip("/")
    if not parsed.hostname or not dbname:
        raise ValueError("a PostgreSQL URL names a host and a database: postgresql://user:pw@host:5432/dbname")
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(dbname),
        "POSTGRES_HOST": parsed.hostname,
        "POSTGRES_PORT": str(parsed.port or 5432),
        "POSTGRES_USER": unquote(parsed.username or ""),
        "POSTGRES_PASSWORD": unquote(parsed.password or ""),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_CONNECT_TIMEOUT": str(max(1, int(connect_timeout))),
    }
    schema = parse_qs(parsed.query).get("schema")
    if schema:
        env["POSTGRES_SCHEMA"] = schema[0]
    return env


# The library's aggregate cache, fast-forwarded from the store on every read, so another process's
# writes are always seen: loading an organization reads only its events since the cached version.
# Commands decide on the cached copies as they are and find out on saving (Supervision._run).
def aggregate_cache(size: int = 20_000) -> dict[str, str]:
    return {"AGGREGATE_CACHE_MAXSIZE": str(size), "AGGREGATE_CACHE_FASTFORWARD": "y"}


AGGREGATE_CACHE = aggregate_cache()


@contextmanager
def schema_lock(env: dict[str, str]) -> Iterator[None]:
    """One process at a time creates tables: a session advisory lock on PostgreSQL, a file lock beside
    the SQLite file (where opening it also sets its journal mode, which another process may be holding)."""
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        with open(Path(env["SQLITE_DBNAME"]).with_suffix(".schema-lock"), "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            yield
        return
    with psycopg.connect(host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"], dbname=env["POSTGRES_DBNAME"],
                         user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None,
                         connect_timeout=env["POSTGRES_CONNECT_TIMEOUT"], autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        yield


def open_application(settings: Settings | None = None) -> Supervision:
    settings = settings or Settings()
    env = eventsourcing_env(settings) | aggregate_cache(settings.aggregate_cache_size)
    with schema_lock(env):  # the events' tables, and the views' tracking table
        app = Supervision(env=env, settings=settings.locality())
        ViewDatabase(app)
    return app
