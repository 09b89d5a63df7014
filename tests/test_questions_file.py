"""evals/questions.jsonl is valid: every row passes the evaluation loader (allowed values,
unique ids, must_quote_any verbatim in the corpus), and the set covers what issue 3 asks."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from assistant.corpus import load_corpus
from assistant.evaluation.dataset import (
    BEHAVIORS,
    CATEGORIES,
    SPLITS,
    Question,
    load_question_set,
)

QUESTIONS = Path(__file__).resolve().parent.parent / "evals" / "questions.jsonl"


@pytest.fixture(scope="module")
def questions(settings) -> list[Question]:  # noqa: ANN001
    return load_question_set([QUESTIONS], settings.corpus_dir)


def test_every_line_is_a_json_object() -> None:
    for number, line in enumerate(QUESTIONS.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            assert isinstance(json.loads(line), dict), f"line {number}"


def test_the_loader_accepts_the_file(questions: list[Question]) -> None:
    assert len(questions) >= 150


def test_ids_are_unique(questions: list[Question]) -> None:
    duplicates = [i for i, n in Counter(q.id for q in questions).items() if n > 1]
    assert not duplicates


def test_values_come_from_the_allowed_sets(questions: list[Question]) -> None:
    for q in questions:
        assert q.category in CATEGORIES, q.id
        assert q.expected_behavior in BEHAVIORS, q.id
        assert q.split in SPLITS, f"{q.id}: every row of the project's set names its split"


def test_must_quote_any_is_verbatim_in_the_corpus(questions: list[Question], settings) -> None:  # noqa: ANN001
    texts = [doc.text for doc in load_corpus(settings.corpus_dir)]
    missing = [(q.id, s) for q in questions for s in q.must_quote_any
               if not any(s in text for text in texts)]
    assert not missing


def test_every_category_appears_in_both_splits(questions: list[Question]) -> None:
    seen = {(q.category, q.split) for q in questions}
    assert {(c, s) for c in CATEGORIES for s in SPLITS} <= seen


def test_follow_ups_carry_history_and_phrases_are_lower_case(questions: list[Question]) -> None:
    for q in questions:
        if q.category == "follow-up":
            assert q.history, q.id
        assert all(f == f.lower() for f in q.key_facts), q.id
        assert all(s == s.lower() for s in q.must_not_say), q.id


EXTRA = sorted(QUESTIONS.parent.glob("questions-*.jsonl"))


def test_there_are_later_blind_dev_files() -> None:
    assert len(EXTRA) >= 4


@pytest.mark.parametrize("extra", EXTRA, ids=lambda p: p.name)
def test_each_later_file_is_valid_all_dev_and_new(extra: Path, settings) -> None:  # noqa: ANN001
    # written after the project's set, without reading it: tuning happens on these only
    rows = load_question_set([extra], settings.corpus_dir)
    assert len(rows) >= 80 and {q.split for q in rows} == {"dev"}
    ids = {q.id for q in rows}
    assert len(ids) == len(rows)
    others = [p for p in [QUESTIONS, *EXTRA] if p != extra]
    assert not ids & {q.id for q in load_question_set(others, settings.corpus_dir)}
