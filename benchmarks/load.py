"""A server process on loopback and concurrent HTTP clients against it.

The clients are threads with keep-alive ``http.client`` connections (the lightest client in the
standard library: the load generator shares the machine's cores with the server).
"""

from __future__ import annotations

import http.client
import itertools
import json
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.stats import percentiles

ASK_PATH = "/api/v1/ask"


class BenchmarkError(RuntimeError):
    """A benchmark could not run (a server did not start, a worker failed)."""


@dataclass
class Server:
    """A running server process and what its start cost."""

    process: subprocess.Popen  # type: ignore[type-arg]
    port: int
    first_answer_s: float

    def peak_rss_mb(self) -> float:
        """The server process's peak resident memory so far (VmHWM)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(ln for ln in status.splitlines() if ln.startswith("VmHWM:"))
        return round(int(line.split()[1]) / 1024, 1)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def _post(connection: http.client.HTTPConnection, row: dict[str, Any]) -> int:
    body = json.dumps({"question": row["question"], "history": row["history"]})
    connection.request("POST", ASK_PATH, body=body,
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    return response.status


def start_server(command: list[str], env: dict[str, str], port: int, probe: dict[str, Any],
                 log: Path, timeout: float = 240) -> Server:
    """Start ``command`` and wait for its first 200 to ``probe`` on ``POST /api/v1/ask``;
    ``first_answer_s`` is process start to that answer."""
    started = time.perf_counter()
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = started + timeout
    last: object = None
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise BenchmarkError(f"the server exited with {process.returncode}; see {log}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            status = _post(connection, probe)
            connection.close()
            if status == 200:
                return Server(process, port, round(time.perf_counter() - started, 3))
            if status != 503:  # 503: still warming up; anything else will not change
                Server(process, port, 0.0).stop()
                raise BenchmarkError(f"the server answered {status} to the first question; "
                                     f"see {log}")
            last = status
        except OSError as exc:  # not listening yet
            last = exc
        time.sleep(0.05)
    Server(process, port, 0.0).stop()
    raise BenchmarkError(f"no answer from {' '.join(command[:3])} after {timeout:.0f} s "
                         f"(last: {last!r}); see {log}")


def run_load(port: int, rows: list[dict[str, Any]], clients: int,
             requests: int) -> dict[str, Any]:
    """``requests`` questions (cycling through ``rows``) from ``clients`` concurrent clients:
    answers per second, latency percentiles (ms) and errors (non-200 replies or failures)."""
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    ready = threading.Barrier(clients + 1)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        ready.wait()
        while (n := next(counter)) < requests:
            row = rows[n % len(rows)]
            began = time.perf_counter()
            try:
                ok = _post(connection, row) == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1
        connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cuts = percentiles(latencies) if latencies else {"p50": 0.0, "p95": 0.0, "p99": 0.0}
    return {"clients": clients, "requests": requests, "errors": errors[0],
            "answers_per_s": round(len(latencies) / wall, 2),
            "p50_ms": cuts["p50"], "p95_ms": cuts["p95"], "p99_ms": cuts["p99"]}
