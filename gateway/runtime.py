"""What the gateway runs on: the application, the views' database, the projections, the verifier."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.application import Supervision
from gateway.group_commit import GroupCommitDatastore
from gateway.settings import Settings
from projections.views.catalog import all_views
from projections.runtime.db import ViewDatabase
from projections.runtime.embedded import EmbeddedProjections
from projections.audit.read_audit import create_reads_table
from projections.views.base import View


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
        store = getattr(self.app.recorder, "datastore", None)
        self.groups = store if isinstance(store, GroupCommitDatastore) else None
        if self.groups is not None:
            self.groups.committed_hooks.append(self._wake_views)
            # The cache took the group's aggregates as they were saved; after a failed commit they are ahead
            # of the store, and a command deciding on one would write past a version that does not exist.
            self.groups.failed_hooks.append(self.app.forget_cached)

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
        """A command was recorded: wake the views, now or, when its group has yet to commit, then."""
        if self.groups is not None and self.groups.group is not None:
            return
        self._wake_views()

    def commit_now(self) -> None:
        """Commit the open group at once (before a read-your-writes wait, which blocks the loop)."""
        if self.groups is not None:
            failure = self.groups.commit_group()
            if failure is not None:
                raise failure

    def _wake_views(self) -> None:
        if self.projections is not None:
            self.projections.nudge()
