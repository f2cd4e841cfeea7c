"""Child processes the tests start (servers, workers): killed as a crash would, or stopped politely."""

from __future__ import annotations

import signal
import subprocess


def kill(process: subprocess.Popen) -> None:
    """SIGKILL: no cleanup at all, as in a crash or the OOM killer."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill(process)
