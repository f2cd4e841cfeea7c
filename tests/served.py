"""A gateway served in a child process (`lianjian serve --dev`) for the fault tests, and what they check in
its store afterwards: commands stored, counted, and views caught up."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

from children import kill, stop
from domain.application import Supervision
from infra.postgres.private import free_port
from projections.views.catalog import all_views
from projections.runtime.db import ViewDatabase
from projections.runtime.rebuild import check

ROOT = Path(__file__).resolve().parents[1]
COUNT = """mutation($id: ID!, $n: Int!, $key: String!) { countPartyMembers(
  command: {reason: "%s", occurredOn: "2026-11-20", idempotencyKey: $key},
  organizationId: $id, members: $n) { eventIds replayed } }"""


def count_command(reason: str) -> str:
    """countPartyMembers with an idempotency key, the reason marking which test's commands these are."""
    return COUNT % reason


class Server:
    """`lianjian serve --dev` on a free port (``launcher``: what to run instead of `python -m gateway`; ``argv``:
    the whole command line for a port, e.g. a systemd unit's), answering /healthz when made."""

    def __init__(self, env: dict[str, str], launcher: list[str] | None = None,
                 argv: Callable[[int], list[str]] | None = None) -> None:
        self.port = free_port()
        command = argv(self.port) if argv is not None else [
            *(launcher or [sys.executable, "-m", "gateway"]), "serve", "--dev", "--port", str(self.port)]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = self.request("GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            assert self.process.poll() is None, "the server exited while starting"
            assert time.monotonic() < deadline, "the server did not answer /healthz within 60 s"
            time.sleep(0.1)

    def request(self, method: str, path: str, body: str | None = None, token: str | None = None) -> tuple[int, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            connection.close()

    def kill(self) -> None:
        kill(self.process)

    def stop(self) -> None:
        stop(self.process, timeout=30)


def stored(app: Supervision, event_id: str) -> bool:
    """Is the event ``<aggregate id>/<version>`` in the log?"""
    aggregate_id, _, version = event_id.rpartition("/")
    return len(list(app.events.get(UUID(aggregate_id), gt=int(version) - 1, lte=int(version)))) == 1


def recorded_commands(app: Supervision, reason: str) -> int:
    """How many PartyMembersCounted events in the log give this reason."""
    found, start = 0, 1
    while True:
        events, last = app.read_batch(start, 5000, keep=lambda stored: stored.topic.endswith("PartyMembersCounted"))
        if not last:
            return found
        found += sum(1 for e in events if e.ctx is not None and e.ctx.reason == reason)
        start = last + 1


def wait_for_views(app: Supervision, timeout: float = 60.0) -> None:
    """Until a server's embedded projections have every view at the head of the log, and the head stays there
    a moment: the joint supervision rules may raise alerts (new events) after the views caught up."""
    db = ViewDatabase(app)
    deadline = time.monotonic() + timeout
    while True:
        head = app.head_position()
        if all(db.position(view.tracking_name) >= head for view in all_views()):
            time.sleep(0.3)
            if app.head_position() == head:
                return
        assert time.monotonic() < deadline, "the server's views did not catch up"
        time.sleep(0.1)


def assert_views_equal_a_rebuild(app: Supervision) -> None:
    """Every view equals a rebuild from the log, row by row, and stands at the head of the log."""
    head = app.head_position()
    for view in all_views():
        result = check(app, view)
        assert result.differences == [], [str(d) for d in result.differences[:5]]
        assert result.position == head, view.name
