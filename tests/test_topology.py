"""The scale-out topology with real engines: one Chroma server (``chroma run``), one
PostgreSQL for feedback, one Redis for the rate-limit counts, and two app processes
(``assistant serve``) on different ports sharing them, as behind a reverse proxy.

Checked through HTTP only: the limit is counted across both processes, feedback posted to
either lands in one table, both give the same answers, and Redis restarted (empty) is used
again without restarting the apps."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from typer.testing import CliRunner

from assistant.cli import app as cli
from assistant.feedback import FeedbackStore

from .conftest import CORPUS, MODEL_CACHE, PROJECT
from .engines import Postgres, Redis, postgres_server, redis_server
from .live_servers import chroma_server, free_port, stop_process, wait_until

pytestmark = [pytest.mark.server, pytest.mark.engines]
LIMIT = 5  # per minute and key, over both processes
KEYS = ("k-limits", "k-feedback", "k-answers", "k-redis")
QUESTIONS = ["What is Herceptin used for?", "is femara used in stage 4",
             "what is the dose of herceptin?"]


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="module")
def redis() -> Iterator[Redis]:
    with redis_server() as server:
        yield server


@pytest.fixture(scope="module")
def deployment(postgres: Postgres, redis: Redis,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment every app process shares, the index built into the Chroma server."""
    work = tmp_path_factory.mktemp("topology")
    with chroma_server(work / "chroma") as chroma_url:
        env = {"ASSISTANT_CHROMA_URL": chroma_url, "ASSISTANT_CORPUS_DIR": str(CORPUS),
               "ASSISTANT_INDEX_DIR": str(work / "index"),
               "ASSISTANT_MODEL_CACHE_DIR": str(MODEL_CACHE),
               "ASSISTANT_FEEDBACK_DB": postgres.new_database("feedback"),
               "ASSISTANT_RATE_LIMIT_STORAGE": redis.url,
               "ASSISTANT_RATE_LIMIT": f"{LIMIT}/minute",
               "ASSISTANT_API_KEYS": ",".join(KEYS), "ASSISTANT_SERVE_UI": "false"}
        built = CliRunner().invoke(cli, ["index"], env=env)
        assert built.exit_code == 0, built.output
        yield env


@pytest.fixture(scope="module")
def apps(deployment: dict[str, str], tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[list[str]]:
    """Two app processes on their own ports, started together; their base URLs."""
    logs = tmp_path_factory.mktemp("topology-logs")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(deployment, PYTHONUNBUFFERED="1", PYTHONPATH=str(PROJECT))
    processes, urls = [], []
    for n in range(2):
        port = free_port()
        with (logs / f"app-{n}.log").open("w") as out:
            processes.append(subprocess.Popen(
                [sys.executable, "-c", "from assistant.cli import app; app()", "serve",
                 "--host", "127.0.0.1", "--port", str(port)],
                cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, process in zip(urls, processes, strict=True):
            wait_until(f"{url}/readyz", timeout=300, process=process)
        yield urls
        for log in logs.glob("*.log"):
            assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
    finally:
        for process in processes:
            stop_process(process, timeout=30)


def ask(url: str, key: str, question: str = QUESTIONS[0]) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/ask", json={"question": question},
                      headers={"Authorization": f"Bearer {key}"}, timeout=120)


def rate(url: str, key: str, answer_id: str, rating: str) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/feedback", json={"answer_id": answer_id, "rating": rating},
                      headers={"Authorization": f"Bearer {key}"}, timeout=120)


def test_the_limit_is_counted_across_both_processes(apps: list[str]) -> None:
    replies = [ask(apps[i % 2], "k-limits") for i in range(LIMIT)]  # A, B, A, B, A
    assert [r.status_code for r in replies] == [200] * LIMIT
    over = ask(apps[1], "k-limits")
    assert over.status_code == 429, over.text
    assert over.json()["error"]["code"] == "rate_limited"
    assert int(over.headers["retry-after"]) > 0


def test_feedback_posted_to_either_process_lands_in_one_table(
        apps: list[str], deployment: dict[str, str]) -> None:
    first = ask(apps[0], "k-feedback").json()
    second = ask(apps[1], "k-feedback").json()
    assert rate(apps[0], "k-feedback", first["id"], "up").status_code == 200
    assert rate(apps[1], "k-feedback", second["id"], "down").status_code == 200
    store = FeedbackStore(deployment["ASSISTANT_FEEDBACK_DB"])
    try:
        rows = {row.answer_id: row for row in store.rows()}
    finally:
        store.close()
    assert (rows[first["id"]].rating, rows[second["id"]].rating) == (1, -1)
    assert rows[first["id"]].answer_text == first["text"]  # each process knew its own answer
    assert rows[second["id"]].answer_text == second["text"]
    assert rows[first["id"]].question is None


def test_both_processes_give_the_same_answers(apps: list[str]) -> None:
    for question in QUESTIONS[1:]:
        a, b = (ask(url, "k-answers", question) for url in apps)
        assert a.status_code == b.status_code == 200, (a.text, b.text)
        first, second = a.json(), b.json()
        assert first.pop("id") != second.pop("id")
        assert first == second


def test_redis_restarted_is_used_again_without_restarting_the_apps(
        apps: list[str], redis: Redis) -> None:
    redis.stop()
    try:
        for url in apps:
            down = ask(url, "k-redis")
            assert down.status_code == 503, down.text
            assert down.json()["error"]["code"] == "rate_limit_unavailable"
            assert int(down.headers["retry-after"]) > 0
            assert httpx.get(f"{url}/healthz").status_code == 200
    finally:
        redis.start()
    for url in apps:
        assert until_answered(url, "k-redis").status_code == 200


def until_answered(url: str, key: str, tries: int = 3) -> httpx.Response:
    """The first answer after an outage (a pooled connection may fail once more)."""
    for _ in range(tries):
        response = ask(url, key)
        if response.status_code != 503:
            return response
        time.sleep(0.5)
    return response

