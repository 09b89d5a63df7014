"""Outages of a real Chroma server (``chroma run``) under traffic: killed, frozen with SIGSTOP,
restarted empty and rebuilt. Every face answers 503 with Retry-After and a clear message that
names no internal address, ``/healthz`` keeps answering, and the service recovers without a
restart. No timing is asserted: only what comes back."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from assistant.api import create_app
from assistant.cli import app as cli

from .conftest import CORPUS, MODEL_CACHE
from .live_servers import free_port, serve_app, start_chroma, stop_process, wait_until

pytestmark = pytest.mark.server
KEY = "outage-test-key"
QUESTION = {"question": "What is Herceptin used for?"}
CHAT = {"model": "assistant", "messages": [{"role": "user", "content": "What is Herceptin?"}]}


class Chroma:
    """One ``chroma run`` on a fixed port that the test can kill, freeze and restart."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data = root / "data"
        self.process: subprocess.Popen | None = None  # type: ignore[type-arg]

    def start(self, empty: bool = False) -> None:
        if empty:
            self.data = self.root / f"data-{len(list(self.root.glob('data*')))}"
        self.process = start_chroma(self.data, self.port)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)
        self.process = None

    def freeze(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None:
            self.thaw()
            stop_process(self.process)
            self.process = None


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chroma]:
    server = Chroma(tmp_path_factory.mktemp("chroma-outages"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server_settings(settings, chroma: Chroma, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN001, ANN201
    return settings.model_copy(update={
        "chroma_url": chroma.url, "index_dir": tmp_path_factory.mktemp("outage-index"),
        "rate_limit": "100000/minute", "api_keys": KEY,
        "chroma_timeout_s": 2.0, "chroma_max_calls": 2, "chroma_wait_s": 0.2})


@pytest.fixture(scope="module")
def api(server_settings) -> Iterator[str]:  # noqa: ANN001
    """The full app (UI included) on a warmed-up Assistant that searches the Chroma server."""
    from assistant import Assistant

    bot = Assistant(server_settings)
    bot.warm_up()  # builds the index into the server
    with serve_app(create_app(bot, server_settings, mount_ui=True)) as url:
        yield url


def post(url: str, path: str, body: dict, key: str | None = KEY) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(url + path, json=body, headers=headers, timeout=60)


def readyz(url: str, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.get(f"{url}/readyz", headers=headers, timeout=60)


def until_answered(url: str, tries: int = 60) -> httpx.Response:
    """Ask until the answer comes back (the service recovers by itself)."""
    for _ in range(tries):
        response = post(url, "/api/v1/ask", QUESTION)
        if response.status_code == 200:
            return response
        assert response.status_code == 503, response.text
        httpx.get(f"{url}/healthz", timeout=60)  # a moment between tries, not a timed wait
    raise AssertionError("the service did not recover")


def assert_unavailable(response: httpx.Response, url: str, *words: str) -> dict:
    """503 in the API's error shape, with Retry-After, naming no internal address."""
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) > 0
    error = response.json()["error"]
    assert error["type"] == "service_unavailable" and error["code"]
    assert url.split("//")[1] not in response.text and "Traceback" not in response.text
    for word in words:
        assert word in error["message"], error["message"]
    return error


def chat_reply(url: str, message: str) -> str:
    from gradio_client import Client

    client = Client(url, verbose=False, download_files=False, headers={
        "Authorization": f"Bearer {KEY}"})
    chat = client.predict(message, api_name="/chat")[0]
    content = chat[-1]["content"]
    return content if isinstance(content, str) else "".join(p["text"] for p in content)


def test_a_killed_server_gives_503_on_every_face_then_recovers(
        api: str, chroma: Chroma, caplog: pytest.LogCaptureFixture) -> None:
    assert post(api, "/api/v1/ask", QUESTION).status_code == 200
    chroma.kill()
    try:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="assistant.access"):
            failed = [post(api, "/api/v1/ask", QUESTION) for _ in range(5)]
            failed.append(post(api, "/v1/chat/completions", CHAT))
            failed.append(post(api, "/v1/chat/completions", {**CHAT, "stream": True}))
        for response in failed:
            assert_unavailable(response, chroma.url, "not reachable", "try again")
        # one log line per failed request, and no traceback
        assert not [r for r in caplog.records if r.exc_info]
        lines = [r for r in caplog.records if r.name.startswith("assistant")]
        assert len(lines) == len(failed), [r.getMessage() for r in lines]
        assert all("unreachable" in r.getMessage() for r in lines)

        not_ready = readyz(api)  # no key: the reason, without the server's address
        assert not_ready.status_code == 503 and int(not_ready.headers["retry-after"]) > 0
        assert "not reachable" in not_ready.json()["reason"]
        assert chroma.url.split("//")[1] not in not_ready.text
        with_key = readyz(api, KEY).json()  # the operator's detail, for a caller with a key
        assert chroma.url in with_key["detail"]["error"]
        assert httpx.get(f"{api}/healthz").status_code == 200
        assert "not reachable" in chat_reply(api, "What is Herceptin used for?")
    finally:
        chroma.start()
    answer = until_answered(api).json()
    assert answer["quotes"][0]["text"].startswith("Trastuzumab (Herceptin)")
    assert readyz(api).status_code == 200


def test_a_frozen_server_gives_503s_while_healthz_answers(api: str, chroma: Chroma) -> None:
    chroma.freeze()
    try:
        with ThreadPoolExecutor(max_workers=12) as pool:
            asks = [pool.submit(post, api, "/api/v1/ask", QUESTION) for _ in range(12)]
            health = [httpx.get(f"{api}/healthz", timeout=60) for _ in range(5)]
            replies = [f.result() for f in asks]  # each within the client's timeout
        assert [h.status_code for h in health] == [200] * 5
        for reply in replies:
            assert_unavailable(reply, chroma.url, "try again")
        assert readyz(api).status_code == 503
    finally:
        chroma.thaw()
    until_answered(api)
    assert readyz(api).status_code == 200


def test_a_server_restarted_empty_then_rebuilt_is_picked_up(
        api: str, chroma: Chroma, server_settings) -> None:  # noqa: ANN001
    chroma.kill()
    chroma.start(empty=True)
    missing = post(api, "/api/v1/ask", QUESTION)
    assert_unavailable(missing, chroma.url, "being rebuilt or is missing")
    assert "being rebuilt or is missing" in readyz(api).json()["reason"]
    env = {"ASSISTANT_CHROMA_URL": chroma.url, "ASSISTANT_CORPUS_DIR": str(CORPUS),
           "ASSISTANT_INDEX_DIR": str(server_settings.index_dir),
           "ASSISTANT_MODEL_CACHE_DIR": str(MODEL_CACHE)}
    built = CliRunner().invoke(cli, ["index"], env=env)
    assert built.exit_code == 0, built.output
    answer = post(api, "/api/v1/ask", QUESTION)  # the same running app, no restart
    assert answer.status_code == 200, answer.text
    assert answer.json()["quotes"][0]["text"].startswith("Trastuzumab (Herceptin)")


def test_an_app_started_while_the_server_is_down_says_so_and_recovers(
        chroma: Chroma, server_settings) -> None:  # noqa: ANN001
    from assistant import Assistant

    chroma.kill()
    try:
        app = create_app(Assistant(server_settings), server_settings, mount_ui=False)
        with serve_app(app) as url:
            assert_unavailable(post(url, "/api/v1/ask", QUESTION), chroma.url, "not reachable")
            assert "not reachable" in readyz(url).json()["reason"]
            assert httpx.get(f"{url}/healthz").status_code == 200
            chroma.start()
            wait_until(f"{url}/readyz", timeout=180)  # the warm-up is tried again until ready
            assert post(url, "/api/v1/ask", QUESTION).status_code == 200
    finally:
        if chroma.process is None:
            chroma.start()
