"""What the operations endpoints need: a check bounded in time (/readyz), and who may see their details."""

from __future__ import annotations

import asyncio
import hmac
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


class BoundedCheck(Generic[T]):
    """Runs ``check`` in a thread of its own, one at a time, and waits for it at most ``timeout`` seconds.

    While the database is away a check can wait far longer (a connection's timeout on each of the library's
    ten tries): the caller then hears TimeoutError at once, and the next caller waits on the check still
    running rather than starting another, so probes never pile threads up. The thread is a daemon: a check
    stuck on the database does not hold up the process's exit.
    """

    def __init__(self, check: Callable[[], T], timeout: float) -> None:
        self.check = check
        self.timeout = timeout
        self._running: Future[T] | None = None
        self._lock = threading.Lock()

    async def __call__(self) -> T:
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._start()
            running = self._running
        return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(running)), self.timeout)

    def _start(self) -> Future[T]:
        future: Future[T] = Future()

        def run() -> None:
            future.set_running_or_notify_cancel()  # running: a waiter giving up cannot cancel it
            try:
                future.set_result(self.check())
            except BaseException as error:  # noqa: BLE001 - handed to whoever awaits the check
                future.set_exception(error)

        threading.Thread(target=run, name="lianjian-check", daemon=True).start()
        return future


def is_operator(authorization: str | None, token: str | None) -> bool:
    """Whether a request's ``Authorization`` header carries the operations token (compared in constant time)."""
    if not token or not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
