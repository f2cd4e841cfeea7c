"""The embedded run mode: views, rules and the periodic tick inside the server process."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from domain import clock
from domain.application import Supervision
from projections.views.catalog import all_views
from projections.audit.sealer import SealingWorker
from projections.runtime.db import ViewDatabase
from projections.runtime.failures import ViewFailure
from projections.rules.tick import tick
from projections.views.base import View

log = logging.getLogger("lianjian.projections")


class EmbeddedProjections:
    """A thread that keeps every view current; commands nudge it, callers may wait for their writes."""

    def __init__(
        self,
        app: Supervision,
        views: Sequence[View] | None = None,
        poll_interval: float = 1.0,
        tick_interval: float = 3600.0,
    ) -> None:
        self.app = app
        self.views = list(views) if views is not None else all_views()
        # The server's one worker: views, rules, and the audit chain's sealer (events sealed as they come).
        self.worker = SealingWorker(app, self.views, with_rules=True, poll_interval=poll_interval)
        self.tick_interval = tick_interval
        self._last_tick = 0.0
        self._thread: threading.Thread | None = None
        self._progress = threading.Condition()
        self._db = ViewDatabase(app)

    def start(self) -> None:
        self.worker.wakeup.prepare()
        try:
            self.worker.run_until_idle()  # catch up before serving, so the first page shows the whole log
        except Exception as error:  # noqa: BLE001 - serve anyway: the thread retries, /readyz shows the lag
            # A full disk, say: the log can still be read and the views are as they were; the server
            # would otherwise not start at all, and recover only by being started again.
            log.error("embedded projections could not catch up before serving (%s); retrying meanwhile", error)
        self._thread = threading.Thread(target=self._run, name="lianjian-projections", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self.worker.stopping.is_set():
            try:
                self.worker.step()
                if time.monotonic() - self._last_tick >= self.tick_interval:
                    self._last_tick = time.monotonic()
                    tick(self.app, clock.today())
                    self.worker.step()
            except Exception as error:  # noqa: BLE001 - keep serving; the next round retries
                # What failed was dropped by the step and is made again as it backs off; a view that cannot
                # apply an event never gets here (projections.runtime.runner).
                log.warning("embedded projections: %s", error)
            with self._progress:
                self._progress.notify_all()
            if not self.worker.stopping.is_set():
                self.worker.wakeup.wait()

    def nudge(self) -> None:
        """A command was recorded: apply it now rather than at the next poll."""
        self.worker.wakeup.nudge()

    def wait_for(self, view_name: str, position: int, timeout: float = 5.0) -> bool:
        """Read-your-writes: block until ``view_name`` has applied ``position``; False on timeout.

        When another process applies the view (several server processes share the store), its
        recorded position is polled instead.
        """
        self.nudge()
        deadline = time.monotonic() + timeout
        while True:
            if any(f.view == view_name and f.position <= position for f in self.worker.failures()):
                return False  # stopped before it: waiting would not help
            mine = self.worker.position(view_name)
            reached = mine if mine is not None else self._db.position(view_name)
            if reached >= position:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._progress:
                self._progress.wait(min(remaining, 0.02 if mine is None else remaining))
            self.nudge()

    def failures(self) -> list[ViewFailure]:
        """The views that stopped at an event they cannot apply (the others go on)."""
        return self.worker.failures()

    def stop(self) -> None:
        self.worker.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.worker.close()
