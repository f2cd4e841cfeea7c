"""The PostgreSQL database a benchmark runs on: LIANJIAN_BENCH_DATABASE_URL when set, else a fresh
database on a private server of its own, stopped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from infra.postgres.private import PrivateServer


@contextmanager
def bench_database(durable: bool = False) -> Iterator[str]:
    """The database's URL. ``durable``: the private server keeps fsync and synchronous commit on."""
    given = os.environ.get("LIANJIAN_BENCH_DATABASE_URL")
    if given:
        yield given
        return
    server = PrivateServer(durable=durable)
    server.start()
    try:
        yield server.create_database("bench_" + uuid.uuid4().hex[:8])
    finally:
        server.stop()
