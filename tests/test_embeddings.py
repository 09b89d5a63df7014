"""The ONNX backend gives the reference model's vectors; a damaged or impossible export is
handled without stopping the assistant."""

from __future__ import annotations

import json
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.corpus import load_corpus
from assistant.embeddings import (
    EXPORT_MIN_COSINE,
    OnnxMiniLM,
    export_onnx,
    load_embeddings,
    onnx_file,
)
from assistant.errors import IndexError_
from assistant.index import unit_context

PROJECT = Path(__file__).resolve().parent.parent


def _questions() -> list[str]:
    rows = [json.loads(line) for line in
            (PROJECT / "evals" / "questions.jsonl").read_text("utf-8").splitlines() if line]
    return [r["question"] for r in rows]


def test_onnx_vectors_match_sentence_transformers_on_the_whole_page_and_questions() -> None:
    onnx, reference = load_embeddings("onnx"), load_embeddings("torch")
    assert isinstance(onnx, OnnxMiniLM) and not isinstance(reference, OnnxMiniLM)
    docs = load_corpus(PROJECT / "corpus")
    # batches mix short and long texts, so padding and truncation are exercised
    texts = [unit_context(d, u) for d in docs for u in d.units] + _questions()
    texts.append("radiation therapy " * 300)  # longer than the model's 256 tokens
    got, want = np.array(onnx.embed_documents(texts)), np.array(reference.embed_documents(texts))
    assert got.shape == want.shape == (len(texts), 384)
    assert (got * want).sum(axis=1).min() >= EXPORT_MIN_COSINE
    for question in _questions()[:25]:
        cosine = float(np.dot(onnx.embed_query(question), reference.embed_query(question)))
        assert cosine >= EXPORT_MIN_COSINE, question


def test_a_damaged_export_is_made_again(tmp_path: Path) -> None:
    target = onnx_file(tmp_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"not an onnx model")
    embeddings = load_embeddings("auto", tmp_path)
    assert isinstance(embeddings, OnnxMiniLM)
    assert target.stat().st_size > 10_000_000
    assert not list(tmp_path.glob("*.partial")) and not list(tmp_path.glob(".*.partial"))
    reference = load_embeddings("torch")
    question = "can radiation help with the pain in my bones"
    assert np.dot(embeddings.embed_query(question),
                  reference.embed_query(question)) >= EXPORT_MIN_COSINE


def test_two_exports_at_once_make_one_file(tmp_path: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:
    """Workers starting together: one exports under the lock, the other loads its file."""
    target = onnx_file(tmp_path)
    stale = target.with_name(f".{target.name}.dead0000.partial")
    tmp_path.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"left by a killed process")
    with caplog.at_level(logging.INFO, logger="assistant.embeddings"), \
            ThreadPoolExecutor(max_workers=2) as pool:
        paths = list(pool.map(lambda _: export_onnx(target), range(2)))
    assert paths == [target, target]
    assert caplog.text.count("Exported the embedding model") == 1
    assert not stale.exists()
    assert len(OnnxMiniLM(target).embed_query("what is letrozole")) == 384


def test_an_unwritable_model_folder_falls_back_to_torch(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    embeddings = load_embeddings("auto", blocker / "model")
    assert not isinstance(embeddings, OnnxMiniLM)
    with pytest.raises(IndexError_, match="Cannot write the ONNX model"):
        load_embeddings("onnx", blocker / "model2")


def test_without_the_onnx_package_auto_uses_torch_and_onnx_fails_clearly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` now raises ImportError
    with caplog.at_level(logging.WARNING, logger="assistant.embeddings"):
        embeddings = load_embeddings("auto", tmp_path / "auto")
    assert not isinstance(embeddings, OnnxMiniLM)
    assert len(embeddings.embed_query("what is tamoxifen")) == 384
    assert "using sentence-transformers" in caplog.text
    with pytest.raises(IndexError_, match="Cannot export the model to ONNX"):
        load_embeddings("onnx", tmp_path / "onnx")
    assert list((tmp_path / "onnx").glob("*")) == []  # nothing half-written


def test_an_unknown_backend_is_a_clear_settings_error() -> None:
    result = CliRunner().invoke(app, ["ask", "what is tamoxifen"],
                                env={"ASSISTANT_EMBEDDING_BACKEND": "gpu"})
    assert result.exit_code != 0
    assert "ASSISTANT_EMBEDDING_BACKEND" in result.output
    assert "Traceback" not in result.output


def test_the_threads_of_an_embedding_call_follow_the_setting(monkeypatch) -> None:  # noqa: ANN001
    from assistant.embeddings import embeddings_for
    from assistant.settings import load_settings

    for threads in (1, 2):
        monkeypatch.setenv("ASSISTANT_EMBEDDING_THREADS", str(threads))
        onnx = embeddings_for(load_settings().model_copy(update={"embedding_backend": "onnx"}))
        assert isinstance(onnx, OnnxMiniLM)
        assert onnx.session.get_session_options().intra_op_num_threads == threads
        assert len(onnx.embed_query("what is letrozole")) == 384
