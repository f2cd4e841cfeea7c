"""Servers and projection workers started at the same moment all open the store, the first time (when its
tables are created) and every time after. Without the schema lock, PostgreSQL refuses about half of them:
the library re-creates its functions with CREATE OR REPLACE on every opening, and two of those at once end
in "tuple concurrently updated"."""

from __future__ import annotations

import threading
from collections import Counter

from gateway.settings import Settings
from gateway.storage import open_application

OPENERS = 8  # at once, as threads: each opening has its own connections, as a process's would
ROUNDS = 5   # the first on a fresh store


def test_openers_at_once_all_open_the_store(settings: Settings, inputs_tried: Counter) -> None:
    failures: list[str] = []

    def open_and_close() -> None:
        try:
            open_application(settings).close()
        except Exception as error:  # noqa: BLE001 - every failure is reported below
            failures.append(repr(error))

    for _ in range(ROUNDS):
        openers = [threading.Thread(target=open_and_close) for _ in range(OPENERS)]
        for opener in openers:
            opener.start()
        for opener in openers:
            opener.join(timeout=60)
        assert not any(opener.is_alive() for opener in openers)

    assert failures == []
    app = open_application(settings)
    try:  # and the store opened is one that works
        assert app.recorder.max_notification_id() in (None, 0)
    finally:
        app.close()
    store = "postgres" if settings.database_url else "sqlite"
    inputs_tried[f"openings of one store at once ({store})"] += OPENERS * ROUNDS
