"""Real servers on free loopback ports for the API tests: the FastAPI app under uvicorn (in a
thread of this process) and a Chroma server (``chroma run``, a subprocess)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import uvicorn

PROJECT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT / "test-artifacts" / "api"


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:  # type: ignore[type-arg]
    """Terminate a server process, killing it if it does not stop within ``timeout``."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve_app(app: object, host: str = "127.0.0.1") -> Iterator[str]:
    """Run ``app`` under a real uvicorn server (lifespan included); yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           access_log=False, lifespan="on",
                                           timeout_graceful_shutdown=2))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the test server on port {port} did not start")
        time.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def wait_until(url: str, timeout: float, process: subprocess.Popen | None = None,
               ok: tuple[int, ...] = (200,)) -> httpx.Response:
    """Poll ``url`` until it answers with a status in ``ok``."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server process exited with {process.returncode}")
        try:
            response = httpx.get(url, timeout=5)
            if response.status_code in ok:
                return response
            last = response.status_code
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.3)
    raise TimeoutError(f"{url} not ready after {timeout:.0f} s (last: {last!r})")


def start_chroma(path: Path, port: int) -> subprocess.Popen:  # type: ignore[type-arg]
    """``chroma run --path PATH --port PORT`` on loopback, answering its heartbeat."""
    executable = shutil.which("chroma")
    if executable is None:
        raise RuntimeError("the `chroma` command (installed with chromadb) is not on PATH")
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / f"chroma-{port}.log").open("a") as out:
        process = subprocess.Popen([executable, "run", "--path", str(path), "--host",
                                    "127.0.0.1", "--port", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=60, process=process)
    except BaseException:
        stop_process(process)
        raise
    return process


@contextlib.contextmanager
def chroma_server(path: Path) -> Iterator[str]:
    """``chroma run --path PATH --port FREE`` on loopback; yields its URL; stops it after."""
    port = free_port()
    process = start_chroma(path, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(process)


def app_servers(assistant, settings, mount_ui: bool,  # noqa: ANN001
                **defaults: object) -> Iterator:
    """For a module fixture: yields ``start(**changes) -> base URL``, which serves the whole
    app around one Assistant with some settings changed; every server stops at the end."""
    from assistant.api import create_app

    stack: list = []

    def start(**changes: object) -> str:
        server = serve_app(create_app(assistant, settings.model_copy(
            update={**defaults, **changes}), mount_ui=mount_ui))
        stack.append(server)
        return server.__enter__()

    yield start
    for server in reversed(stack):
        server.__exit__(None, None, None)
