"""What the gateway runs on: the application, the views' database, the projections, the verifier."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.application import Supervision
from gateway.settings import Settings
from projections.catalog import all_views
from projections.db import ViewDatabase
from projections.embedded import EmbeddedProjections
from projections.read_audit import create_reads_table
from projections.view import View


@dataclass
class Runtime:
    settings: Settings
    app: Supervision
    verifier: Any  # auth.tokens.TokenVerifier: verify(token) -> Principal, raising InvalidToken
    dev_mode: bool = False
    projections: EmbeddedProjections | None = None  # None when separate workers keep the views
    views: dict[str, View] = field(default_factory=lambda: {v.name: v for v in all_views()})

    def __post_init__(self) -> None:
        self.db = ViewDatabase(self.app)
        create_reads_table(self.db)  # the read audit's table and its append-only triggers, before any read

    def view(self, name: str) -> View:
        return self.views[name]

    def wait_for(self, view_name: str, position: int | None, timeout: float = 5.0) -> bool:
        """Read-your-writes: wait until the view has applied ``position`` (embedded mode; else poll)."""
        if position is None:
            return True
        if self.projections is not None:
            return self.projections.wait_for(view_name, position, timeout)
        import time

        deadline = time.monotonic() + timeout
        while self.db.position(view_name) < position:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def nudge(self) -> None:
        if self.projections is not None:
            self.projections.nudge()
