"""The feedback store and ``assistant feedback export``: what is kept, what never is, exports."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.feedback import FeedbackStore
from assistant.models import Answer, Quote, new_answer_id

QUOTE = Quote(text="Trastuzumab (Herceptin) is given for stage 4 HER2-positive breast cancer.",
              source="stage-4-breast-cancer-treatments",
              title="Treatments for stage 4 breast cancer", section="Targeted therapy",
              url="http://www.cancer.ca/", start=3845, end=3918)
ANSWER = Answer(kind="answer", text=f"> {QUOTE.text}\n\n— *{QUOTE.citation}*\n\nPlease talk to "
                "your healthcare team.", quotes=[QUOTE], question="my private question about me",
                standalone_question="my private question about me")


def another(answer: Answer) -> Answer:
    """The same reply given again (a new id)."""
    return answer.model_copy(update={"id": new_answer_id()})


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "feedback.sqlite3"


def test_record_keeps_the_answer_not_the_person(db: Path) -> None:
    store = FeedbackStore(db)
    row_id = store.record(-1, ANSWER, comment="  Too vague  ")
    [row] = store.rows()
    assert (row.id, row.rating, row.comment, row.answer_kind) == (row_id, -1, "Too vague", "answer")
    assert row.answer_text == ANSWER.text
    assert json.loads(row.quotes_json)[0]["text"] == QUOTE.text
    assert row.question is None
    columns = [r[1] for r in sqlite3.connect(db).execute("PRAGMA table_info(feedback)")]
    assert columns == ["id", "created_at", "rating", "comment", "answer_kind", "answer_text",
                       "quotes_json", "question", "answer_id"]
    assert row.answer_id == ANSWER.id
    everything = " ".join(str(v) for v in sqlite3.connect(db).execute(
        "SELECT * FROM feedback").fetchone())
    assert "private question" not in everything


def test_question_stored_only_when_the_operator_opts_in(db: Path) -> None:
    FeedbackStore(db, store_question_text=True).record(1, ANSWER)
    assert FeedbackStore(db).rows()[0].question == ANSWER.question


@pytest.mark.parametrize("rating", [0, 2, -2, 5])
def test_rating_must_be_plus_or_minus_one(db: Path, rating: int) -> None:
    with pytest.raises(ValueError, match="rating"):
        FeedbackStore(db).record(rating, ANSWER)


def test_comment_added_later_and_rating_taken_back(db: Path) -> None:
    store = FeedbackStore(db)
    first, second = store.record(1, ANSWER), store.record(-1, another(ANSWER))
    assert store.set_comment(first, "helpful, thanks")
    assert not store.set_comment(999, "no such row")
    assert store.set_rating(first, -1) and not store.set_rating(999, 1)
    with pytest.raises(ValueError, match="rating"):
        store.set_rating(first, 0)
    store.delete(second)
    assert [(r.id, r.rating, r.comment) for r in store.rows()] == [(first, -1, "helpful, thanks")]


def test_comment_is_capped(db: Path) -> None:
    store = FeedbackStore(db)
    store.record(1, ANSWER, comment="x" * 10_000)
    assert len(store.rows()[0].comment or "") == 2000


def test_export_csv_defuses_spreadsheet_formulas(db: Path) -> None:
    store = FeedbackStore(db)
    store.record(-1, ANSWER, comment="=HYPERLINK(\"http://evil\")")
    out = io.StringIO()
    assert store.export(out, fmt="csv") == 1
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["comment"] == "'=HYPERLINK(\"http://evil\")"
    assert row["rating"] == "-1" and row["answer_kind"] == "answer"


def test_export_jsonl_to_a_file(db: Path, tmp_path: Path) -> None:
    store = FeedbackStore(db)
    store.record(1, ANSWER)
    store.record(-1, another(ANSWER), comment="missing the dose")
    target = tmp_path / "out" / "feedback.jsonl"
    assert store.export(target, fmt="jsonl") == 2
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["rating"] for r in records] == [1, -1]
    assert records[1]["comment"] == "missing the dose"
    assert records[0]["quotes"][0]["section"] == "Targeted therapy"


def test_export_rejects_unknown_format(db: Path) -> None:
    with pytest.raises(ValueError, match="format"):
        FeedbackStore(db).export(io.StringIO(), fmt="xml")  # type: ignore[arg-type]


def test_export_of_a_missing_database_is_empty_and_creates_nothing(db: Path) -> None:
    out = io.StringIO()
    assert FeedbackStore(db).export(out, fmt="jsonl") == 0
    assert out.getvalue() == "" and not db.exists()


def test_cli_export(db: Path, tmp_path: Path) -> None:
    FeedbackStore(db).record(-1, ANSWER, comment="unclear")
    env = {"ASSISTANT_FEEDBACK_DB": str(db)}
    runner = CliRunner()
    result = runner.invoke(app, ["feedback", "export", "--format", "jsonl"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["comment"] == "unclear"
    target = tmp_path / "export.csv"
    result = runner.invoke(app, ["feedback", "export", "-o", str(target)], env=env)
    assert result.exit_code == 0, result.output
    assert "Exported 1 rating" in result.stderr
    assert next(csv.DictReader(target.open(encoding="utf-8")))["comment"] == "unclear"
    result = runner.invoke(app, ["feedback", "export", "--format", "xml"], env=env)
    assert result.exit_code == 2 and "unknown format" in result.stderr


def test_one_row_per_answer_a_new_rating_replaces_the_old_and_keeps_the_comment(
        db: Path) -> None:
    store = FeedbackStore(db)
    first = store.save(ANSWER.id, 1, comment="clear", answer=ANSWER)
    assert store.save(ANSWER.id, -1) == first  # no answer, no comment: both kept
    [row] = store.rows()
    assert (row.rating, row.comment, row.answer_text) == (-1, "clear", ANSWER.text)
    store.save(ANSWER.id, -1, comment="   ")  # a blank comment given clears it
    assert store.rows()[0].comment is None


def test_a_file_from_before_answer_ids_is_brought_up_to_date(db: Path) -> None:
    db.parent.mkdir(parents=True)
    with sqlite3.connect(db) as conn:  # the first version's table, with one rating in it
        conn.execute("""CREATE TABLE feedback (
            id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,
            rating INTEGER NOT NULL CHECK (rating IN (-1, 1)), comment TEXT,
            answer_kind TEXT NOT NULL, answer_text TEXT NOT NULL, quotes_json TEXT NOT NULL,
            question TEXT)""")
        conn.execute("INSERT INTO feedback VALUES (7, '2026-01-01T00:00:00+00:00', -1, 'old', "
                     "'answer', 'the text', '[]', NULL)")
    store = FeedbackStore(db)
    store.save("a" * 32, 1)  # a rating by id alone: the old columns no longer required
    rows = store.rows()
    assert [(r.id, r.rating, r.comment, r.answer_id) for r in rows] == \
        [(7, -1, "old", None), (8, 1, None, "a" * 32)]
    assert rows[1].answer_text is None
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.parametrize(("value", "kept"), [
    ("postgresql+psycopg://app:pw@db.internal:5432/feedback", str),
    ("sqlite:////var/lib/assistant/feedback.sqlite3", str),
    ("/var/lib/assistant/feedback.sqlite3", Path),
    ("feedback.sqlite3", Path),
])
def test_the_setting_takes_a_path_or_a_url(value: str, kept: type) -> None:
    from assistant.settings import load_settings

    assert isinstance(load_settings(feedback_db=value).feedback_db, kept)


def test_an_unsupported_database_stops_the_start_naming_the_variable() -> None:
    from assistant.errors import SettingsError
    from assistant.settings import load_settings

    with pytest.raises(SettingsError, match="ASSISTANT_FEEDBACK_DB.*mysql"):
        load_settings(feedback_db="mysql://app@db/feedback")


def test_cli_export_of_an_unreachable_database_is_a_clear_error() -> None:
    env = {"ASSISTANT_FEEDBACK_DB": "postgresql+psycopg://app:pw@127.0.0.1:9/feedback",
           "ASSISTANT_FEEDBACK_TIMEOUT_S": "2"}
    result = CliRunner().invoke(app, ["feedback", "export"], env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "feedback store is not reachable" in result.stderr
    assert "postgresql+psycopg://app:***@127.0.0.1:9/feedback" in result.stderr  # no password
