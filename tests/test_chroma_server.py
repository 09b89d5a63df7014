"""Scale-out with a real Chroma server (``chroma run`` on loopback): ``assistant index`` builds
into it, retrieval and answers through it match the embedded store, and two uvicorn workers
started by ``assistant serve --workers 2`` share it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from assistant.cli import app as cli

from .conftest import CORPUS, MODEL_CACHE, PROJECT
from .live_servers import chroma_server, free_port, stop_process, wait_until

pytestmark = pytest.mark.server
runner = CliRunner()


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with chroma_server(tmp_path_factory.mktemp("chroma") / "data") as url:
        yield url


@pytest.fixture(scope="module")
def server_env(chroma_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a deployment that uses the Chroma server."""
    work = tmp_path_factory.mktemp("server-mode")
    return {"ASSISTANT_CHROMA_URL": chroma_url, "ASSISTANT_CORPUS_DIR": str(CORPUS),
            "ASSISTANT_INDEX_DIR": str(work / "index"),
            "ASSISTANT_FEEDBACK_DB": str(work / "feedback.sqlite3"),
            "ASSISTANT_MODEL_CACHE_DIR": str(MODEL_CACHE)}


@pytest.fixture(scope="module")
def index_output(server_env: dict[str, str]) -> str:
    """``assistant index`` run against the Chroma server."""
    result = runner.invoke(cli, ["index"], env=server_env)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def server_assistant(settings, server_env: dict[str, str], index_output: str):  # noqa: ANN001, ANN201
    from assistant import Assistant

    bot = Assistant(settings.model_copy(update={"chroma_url": server_env["ASSISTANT_CHROMA_URL"],
                                                "index_dir": Path(server_env[
                                                    "ASSISTANT_INDEX_DIR"])}))
    bot.warm_up()
    return bot


def sample_questions(every: int = 6) -> list[dict]:
    rows = [json.loads(line) for line in (PROJECT / "evals" / "questions.jsonl")
            .read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[::every]


def test_assistant_index_builds_into_the_chroma_server(index_output: str,
                                                       server_env: dict[str, str]) -> None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    assert server_env["ASSISTANT_CHROMA_URL"] in index_output
    port = int(server_env["ASSISTANT_CHROMA_URL"].rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port,
                                 settings=ChromaSettings(anonymized_telemetry=False))
    names = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    chunks = [n for n in names if n.endswith("-chunks")]
    units = [n for n in names if n.endswith("-units")]
    assert len(chunks) == 1 and len(units) == 1 and not [n for n in names if n.startswith("tmp")]
    assert client.get_collection(units[0]).count() > 50
    assert not Path(server_env["ASSISTANT_INDEX_DIR"]).exists()  # nothing embedded was built
    again = runner.invoke(cli, ["index"], env=server_env)  # up to date: reused, not rebuilt
    assert again.exit_code == 0 and "Building" not in again.output


@pytest.mark.parametrize("row", sample_questions(), ids=lambda row: row["id"])
def test_answers_through_the_server_match_the_embedded_store(
        row: dict, server_assistant, assistant) -> None:  # noqa: ANN001
    history = row.get("history") or []
    through_server = server_assistant.ask(row["question"], history)
    embedded = assistant.ask(row["question"], history)
    assert through_server.model_dump(exclude={"id"}) == embedded.model_dump(exclude={"id"})
    assert server_assistant.retrieve(row["question"], history) == \
        assistant.retrieve(row["question"], history)
    docs = server_assistant.documents
    for quote in through_server.quotes:
        assert docs[quote.source].text[quote.start:quote.end] == quote.text


@pytest.mark.parametrize(("question", "kind", "quoted"), [
    ("What is Herceptin used for?", "answer", "Trastuzumab (Herceptin) is given for stage 4"),
    ("is femara used in stage 4", "answer", "letrozole (Femera)"),
    ("what if I don't want treatment any more", "answer", "don’t want cancer treatment"),
    ("what is the dose of herceptin?", "not_in_document", None),
])
def test_server_mode_answers_with_verbatim_quotes(server_assistant, question: str, kind: str,
                                                  quoted: str | None) -> None:  # noqa: ANN001
    answer = server_assistant.ask(question)
    assert answer.kind == kind
    if quoted is not None:
        assert any(quoted in q.text for q in answer.quotes), answer.quotes
    assert "healthcare team" in answer.text


def test_several_workers_require_a_chroma_server() -> None:
    result = runner.invoke(cli, ["serve", "--workers", "2"], env={"ASSISTANT_CHROMA_URL": ""})
    assert result.exit_code == 2
    assert "ASSISTANT_CHROMA_URL" in result.output and "Traceback" not in result.output


def test_two_workers_share_the_chroma_server(server_env: dict[str, str], index_output: str,
                                             tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(server_env, PYTHONUNBUFFERED="1", ASSISTANT_RATE_LIMIT="1000/minute")
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from assistant.cli import app; app()", "serve",
             "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(f"{url}/readyz", timeout=150, process=process)
        ready_pids = set()
        deadline = time.monotonic() + 120
        while len(ready_pids) < 2 and time.monotonic() < deadline:  # each worker answers
            response = httpx.get(f"{url}/readyz", headers={"Connection": "close"})
            if response.status_code == 200:
                ready_pids |= pids_in(log, "/readyz", 200)
            time.sleep(0.2)
        assert len(ready_pids) == 2, log.read_text()[-3000:]

        def ask(question: str) -> httpx.Response:
            return httpx.post(f"{url}/api/v1/ask", json={"question": question},
                              headers={"Connection": "close"}, timeout=60)

        with ThreadPoolExecutor(max_workers=4) as pool:
            replies = list(pool.map(ask, ["What is Herceptin used for?"] * 8))
        for reply in replies:
            assert reply.status_code == 200
            assert reply.json()["quotes"][0]["text"].startswith("Trastuzumab (Herceptin)")
        assert "Traceback" not in log.read_text()
    finally:
        stop_process(process, timeout=30)


def pids_in(log: Path, path: str, status: int) -> set[int]:
    """Worker pids that logged ``status`` for ``path`` in the JSON access log."""
    pids = set()
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("path") == path and record.get("status") == status:
                pids.add(record["pid"])
    return pids
