"""A private PostgreSQL server for tests and benchmarks: initdb in a temporary folder, a free port on
127.0.0.1, trust authentication, stopped and removed afterwards. Runs as the 'postgres' system user
when we are root, because PostgreSQL refuses to run as root."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class PostgresUnavailable(Exception):
    pass


def postgres_bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateServer:
    """``durable=False`` (tests, benchmarks of CPU): fsync and synchronous commit off. ``durable=True``:
    PostgreSQL's defaults, so a commit is acknowledged only once it would survive a crash of the server
    (the fault tests stop it with ``pg_ctl -m immediate``; the benchmark measures commands as in production)."""

    def __init__(self, durable: bool = False) -> None:
        self.durable = durable
        self.bindir = postgres_bindir()
        if self.bindir is None:
            raise PostgresUnavailable("initdb not found (install Debian's postgresql)")
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable("running as root and there is no 'postgres' user to run the server as") from None
        self.folder = Path(tempfile.mkdtemp(prefix="lianjian-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql://lianjian@127.0.0.1:{self.port}"

    def _as_server_user(self, command: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *command] if self.as_root else command

    def start(self) -> str:
        """Start the server; return its base URL (append /dbname)."""
        if self.as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        made = subprocess.run(
            self._as_server_user([str(self.bindir / "initdb"), "-D", str(self.data), "-U", "lianjian",
                                  "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
            capture_output=True, text=True,
        )
        if made.returncode != 0:
            raise PostgresUnavailable(f"initdb failed: {made.stderr.strip()[-300:]}")
        self._pg_ctl_start()
        return self.url

    def _pg_ctl_start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        log = self.folder / "server.log"
        started = subprocess.run(
            self._as_server_user([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(log),
                                  "-o", options, "-w", "start"]),
            capture_output=True, text=True,
        )
        if started.returncode != 0:
            detail = log.read_text() if log.exists() else started.stderr
            raise PostgresUnavailable(f"the private server did not start: {detail.strip()[-300:]}")

    def stop(self, keep_data: bool = False, mode: str = "immediate") -> None:
        """Stop the server (``mode``: pg_ctl's smart, fast or immediate); ``keep_data`` to start it again."""
        subprocess.run(
            self._as_server_user([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            capture_output=True,
        )
        if not keep_data:
            shutil.rmtree(self.folder, ignore_errors=True)

    def start_again(self) -> None:
        """Start a server stopped with ``stop(keep_data=True)``, on the same port and data."""
        self._pg_ctl_start()

    def restart(self, mode: str = "immediate") -> None:
        self.stop(keep_data=True, mode=mode)
        self.start_again()

    def version(self) -> str:
        """The server's version, e.g. '15.14'."""
        import psycopg

        with psycopg.connect(self.url + "/postgres", autocommit=True) as conn:
            return str(conn.execute("SHOW server_version").fetchone()[0])

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url + "/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"{self.url}/{name}"
