"""Shared by the UI tests: the real web app on a free loopback port (in-process, or ``app.py`` as
a subprocess), and where screenshots go."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import CORPUS, MODEL_CACHE, PROJECT
from .live_servers import stop_process

ARTIFACTS = PROJECT / "test-artifacts" / "ui"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[str] | None = None,
                  timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"app.py exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.25)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout:.0f} s")


@pytest.fixture(scope="session")
def ui_url(assistant, settings) -> Iterator[str]:  # noqa: ANN001
    """The Gradio UI of the session's real Assistant, served in this process."""
    from assistant.ui import UI_ASSETS, build_ui

    demo = build_ui(assistant, settings)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                quiet=True, **UI_ASSETS)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@pytest.fixture(scope="session")
def app_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, str]]:
    """``python app.py`` with a fresh index folder; yields (url, feedback db, startup output)."""
    work = tmp_path_factory.mktemp("app")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_PORT=str(port), ASSISTANT_HOST="127.0.0.1",
               ASSISTANT_CORPUS_DIR=str(CORPUS), ASSISTANT_INDEX_DIR=str(work / "index"),
               ASSISTANT_FEEDBACK_DB=str(work / "feedback.sqlite3"), PYTHONUNBUFFERED="1",
               ASSISTANT_MODEL_CACHE_DIR=str(MODEL_CACHE))
    log = work / "app.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, str(PROJECT / "app.py")], cwd=PROJECT,
                                   env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/", work / "feedback.sqlite3", log.read_text()
    finally:
        stop_process(process)
