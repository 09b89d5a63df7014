"""The CLI through typer's runner: answers, JSON, and clear errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app

from .conftest import CORPUS

runner = CliRunner()


@pytest.fixture()
def env(settings) -> dict[str, str]:  # noqa: ANN001
    return {"ASSISTANT_INDEX_DIR": str(settings.index_dir), "ASSISTANT_CORPUS_DIR": str(CORPUS)}


def test_ask_prints_the_answer(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["ask", "what is Verzenio"], env=env)
    assert result.exit_code == 0, result.output
    assert "Abemaciclib (Verzenio)" in result.stdout and "healthcare team" in result.stdout


def test_ask_json_is_the_answer_contract(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["ask", "--json", "is femara used"], env=env)
    data = json.loads(result.stdout)
    assert set(data) >= {"kind", "text", "quotes", "question", "standalone_question"}
    quote = data["quotes"][0]
    assert "letrozole (Femera)" in quote["text"]
    text = (CORPUS / "stage-4-breast-cancer-treatments.md").read_text(encoding="utf-8")
    body = text.split("---\n", 2)[2].lstrip("\n")
    assert body[quote["start"]:quote["end"]] == quote["text"]


@pytest.mark.parametrize("question, message", [
    ("", "Please type a question"), ("x" * 2500, "too long")])
def test_bad_questions_exit_non_zero_without_traceback(env: dict[str, str], question: str,
                                                       message: str) -> None:
    result = runner.invoke(app, ["ask", question], env=env)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_unreadable_corpus_file(tmp_path: Path) -> None:
    (tmp_path / "broken.md").write_bytes(b"\xff\xfe\xfa not utf-8")
    result = runner.invoke(app, ["ask", "what is herceptin"],
                           env={"ASSISTANT_CORPUS_DIR": str(tmp_path),
                                "ASSISTANT_INDEX_DIR": str(tmp_path / "index")})
    assert result.exit_code == 2
    assert "broken.md" in result.output and "Traceback" not in result.output


def test_invalid_setting_names_the_variable(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ask", "hi"], env={"ASSISTANT_MAX_QUOTES": "many"})
    assert result.exit_code == 2 and "ASSISTANT_MAX_QUOTES" in result.output


def test_index_command_and_corrupt_index(env: dict[str, str], tmp_path: Path) -> None:
    env = {**env, "ASSISTANT_INDEX_DIR": str(tmp_path / "index")}
    result = runner.invoke(app, ["index"], env=env)
    assert result.exit_code == 0 and "83 units" in result.stdout
    pointer = (tmp_path / "index" / "current").read_text()
    (tmp_path / "index" / pointer / "manifest.json").write_text("garbage")
    result = runner.invoke(app, ["ask", "what is ibrance"], env=env)
    assert result.exit_code == 0
    assert "rebuilding" in result.output and "Palbociclib (Ibrance)" in result.stdout


def test_explain_shows_the_rule_and_its_facts(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["explain", "what is the dose of tamoxifen?"], env=env)
    assert result.exit_code == 0, result.output
    assert "rule: an_attribute_the_quotes_do_not_carry" in result.stdout
    assert "yes  attribute_not_carried" in result.stdout
