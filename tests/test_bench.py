"""``assistant bench --quick``: every figure is in bench.json, beside the recipe, and the chart
is drawn. Speed itself is only measured there, never asserted here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.settings import Settings

from .conftest import CORPUS, MODEL_CACHE


def _is_figure(value: object) -> bool:
    """A figure beside the recipe: two non-negative numbers and their ratio."""
    if not isinstance(value, dict) or set(value) != {"assistant", "recipe", "ratio"}:
        return False
    numbers = [value["assistant"], value["recipe"]]
    return all(isinstance(n, int | float) and n >= 0 for n in numbers) and (
        value["ratio"] is None or isinstance(value["ratio"], int | float))


def _serve_from(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment a server started by a benchmark reads: the test corpus and index."""
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(CORPUS))
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE_DIR", str(MODEL_CACHE))
    monkeypatch.delenv("ASSISTANT_CHROMA_URL", raising=False)


def test_quick_bench_writes_every_figure_and_the_chart(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the session's index folder: built once (with the backstop's vectors) for every test
    _serve_from(settings, monkeypatch)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["bench", "--quick", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "bench.json").read_text())
    assert (out / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    python = report["python"]
    assert python["asks"] > 0
    assert all(_is_figure(python[k]) for k in ("p50_ms", "p95_ms", "p99_ms", "rss_mb"))
    assert python["p50_ms"]["assistant"] <= python["p95_ms"]["assistant"] \
        <= python["p99_ms"]["assistant"]
    levels = report["http"]["levels"]
    assert [level["clients"] for level in levels] == [1, 4, 16]
    for level in levels:
        assert all(_is_figure(level[k]) for k in ("answers_per_s", "p50_ms", "p95_ms",
                                                  "p99_ms", "errors"))
        assert level["answers_per_s"]["assistant"] > 0
    assert all(_is_figure(report["http"][k]) for k in ("server_rss_mb",
                                                       "server_first_answer_s"))
    assert all(_is_figure(report["cold"][k]) for k in ("ask_s", "ask_rss_mb"))
    scales = report["growth"]["scales"]
    assert [s["scale"] for s in scales] == sorted(s["scale"] for s in scales) and len(scales) >= 2
    for scale in scales:
        assert isinstance(scale["pages"], int) and isinstance(scale["units"], int)
        assert all(_is_figure(scale[k]) for k in ("p50_ms", "build_s", "build_rss_mb",
                                                  "ask_rss_mb", "startup_s"))
    assert scales[-1]["units"] > scales[0]["units"]
    assert _is_figure(report["growth"]["p50_largest_over_smallest"])
    assert {t["name"] for t in report["targets"]} and all(
        isinstance(t["met"], bool) for t in report["targets"])
    assert "answers/s" in result.output and not (out / "work").exists()


def test_a_short_soak_goes_through_every_face_without_errors(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks.soak import FACES, soak

    _serve_from(settings, monkeypatch)
    questions = Path(__file__).parents[1] / "evals" / "questions.jsonl"
    report = soak(requests=50, clients=2, questions=questions)
    assert report["requests"] == 50
    assert all(report["per_face"][face]["requests"] == 10 for face in FACES)
    assert report["errors"] == 0  # ratings of real answer ids, the widget, the health check
    assert report["rss_mb_at_end"] > 0 and report["rss_mb_after_warm_up"] > 0


def test_the_http_profile_puts_the_answer_and_the_web_layer_apart(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # its own process: the app it serves configures the process's logging
    _serve_from(settings, monkeypatch)
    out = tmp_path / "profile.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks.profile_http", "--requests", "40",
                           "--clients", "2", "--out", str(out)], cwd=Path(__file__).parents[1],
                          env=dict(os.environ), capture_output=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    report = json.loads(out.read_text("utf-8"))
    assert report["load"]["errors"] == 0
    shares = report["shares_of_server_busy_time"]
    # the answer is most of a request; the web layer's stages are named apart from it
    assert max(shares, key=shares.get) == "answer (Assistant.ask)", shares
