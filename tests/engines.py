"""Real database engines for the tests, on free loopback ports, stopped at teardown:
PostgreSQL (``initdb`` into a temporary folder, run as the ``postgres`` user when the tests
run as root) and Redis (``redis-server``, nothing persisted).

Where a binary is missing, the test is skipped on a developer's machine, but fails under
``CI=true``: CI installs both (``.ci/run``), so it cannot skip them silently.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn, Protocol, TypeVar

import pytest

from .live_servers import free_port, stop_process

INSTALL = "apt-get install -y postgresql redis-server (see .ci/run and the Makefile)"


def unavailable(what: str) -> NoReturn:
    """Skip the test here; fail it in CI, which must run it."""
    message = f"{what} is not installed: {INSTALL}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def postgres_bin() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: on PATH, or Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found is not None:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                      else 0)
    if not versions:
        unavailable("PostgreSQL (initdb)")
    return versions[-1].parent


def redis_executable() -> str:
    found = shutil.which("redis-server")
    if found is None:
        unavailable("Redis (redis-server)")
    return found


class Postgres:
    """A throwaway PostgreSQL cluster on a loopback port, trusted local logins."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        # not under pytest's tmp folder: that is private to root, and the server may not be
        self.root = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
        self.data = self.root / "data"
        self.user = "postgres"
        self._as_user: list[str] = []
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str, timeout: float = 120) -> None:
        subprocess.run([*self._as_user, *args], check=True, capture_output=True,
                       timeout=timeout)

    def start(self) -> None:
        if not self.data.exists():
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user,
                      "-A", "trust", "--no-sync", "-E", "UTF8", "--locale", "C")
        # fsync off: these tests kill clients, never the server; the socket in our folder
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60",
                  "-l", str(self.root / "server.log"), "-o",
                  f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
                  "-c fsync=off -c max_connections=60", "start")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                      "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self, name: str) -> str:
        """A new, empty database; returns its URL."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.user} "
                             "dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class Redis:
    """``redis-server`` on a loopback port, nothing written to disk; can be stopped and
    started again on the same port (empty)."""

    def __init__(self) -> None:
        self.executable = redis_executable()
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None  # type: ignore[type-arg]

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30) -> None:
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if client.ping():
                    return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None


@contextlib.contextmanager
def postgres_server() -> Iterator[Postgres]:
    """A started PostgreSQL; stopped and removed afterwards."""
    with _running(Postgres()) as server:
        yield server


@contextlib.contextmanager
def redis_server() -> Iterator[Redis]:
    """A started Redis; stopped afterwards."""
    with _running(Redis()) as server:
        yield server


class _Server(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


S = TypeVar("S", bound=_Server)


@contextlib.contextmanager
def _running(server: S) -> Iterator[S]:
    """The server started; stopped (and its files removed, where it has any) afterwards."""
    try:
        server.start()
        yield server
    finally:
        server.stop()
        remove = getattr(server, "remove", None)
        if remove is not None:
            remove()
