"""Feedback from the web UI (thumbs up/down, optional comment) kept in one SQLite file.

What is stored: the rating, the comment, the answer's kind, text and quotes, and the question
only when the operator opts in (``ASSISTANT_STORE_QUESTION_TEXT``). Never who gave it: no IP
address, no user agent, no session id.

>>> store = FeedbackStore(Path("feedback.sqlite3"))              # doctest: +SKIP
>>> row_id = store.record(-1, answer, comment="Too vague")      # doctest: +SKIP
>>> store.export(Path("feedback.csv"), fmt="csv")               # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, TextIO

from assistant.models import Answer

ExportFormat = Literal["csv", "jsonl"]
MAX_COMMENT_CHARS = 2000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT    NOT NULL,
    rating      INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    comment     TEXT,
    answer_kind TEXT    NOT NULL,
    answer_text TEXT    NOT NULL,
    quotes_json TEXT    NOT NULL,
    question    TEXT
)
"""
_COLUMNS = ("id", "created_at", "rating", "comment", "answer_kind", "answer_text",
            "quotes_json", "question")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class FeedbackRow:
    """One stored rating, as exported."""

    id: int
    created_at: str
    rating: int
    comment: str | None
    answer_kind: str
    answer_text: str
    quotes_json: str
    question: str | None


class FeedbackStore:
    """The feedback table in a SQLite file (created with its folder on first use)."""

    def __init__(self, path: Path, store_question_text: bool = False) -> None:
        self.path = Path(path)
        self.store_question_text = store_question_text
        self._ready = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # One short connection per call: the UI calls from worker threads.
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=10)) as conn:
            if not self._ready:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(_SCHEMA)
                self._ready = True
            with conn:
                yield conn

    def record(self, rating: int, answer: Answer, comment: str | None = None) -> int:
        """Store a rating (+1 or -1) of ``answer``; returns the new row id.

        Raises:
            ValueError: the rating is not +1 or -1.
        """
        if rating not in (1, -1):
            raise ValueError(f"rating must be +1 or -1, not {rating!r}")
        quotes = json.dumps([q.model_dump() for q in answer.quotes], ensure_ascii=False)
        question = answer.question if self.store_question_text else None
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO feedback (created_at, rating, comment, answer_kind, answer_text,"
                " quotes_json, question) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (datetime.now(UTC).isoformat(timespec="seconds"), rating, _clean(comment),
                 answer.kind, answer.text, quotes, question))
            return int(cursor.lastrowid or 0)

    def set_rating(self, row_id: int, rating: int) -> bool:
        """Change a stored rating (the person switched thumbs); False if there is no such row."""
        if rating not in (1, -1):
            raise ValueError(f"rating must be +1 or -1, not {rating!r}")
        with self._connect() as conn:
            cursor = conn.execute("UPDATE feedback SET rating = ? WHERE id = ?", (rating, row_id))
            return cursor.rowcount == 1

    def set_comment(self, row_id: int, comment: str | None) -> bool:
        """Attach (or replace) the comment of a stored rating; False if there is no such row."""
        with self._connect() as conn:
            cursor = conn.execute("UPDATE feedback SET comment = ? WHERE id = ?",
                                  (_clean(comment), row_id))
            return cursor.rowcount == 1

    def delete(self, row_id: int) -> None:
        """Forget a rating (the person took their thumb back)."""
        with self._connect() as conn:
            conn.execute("DELETE FROM feedback WHERE id = ?", (row_id,))

    def rows(self) -> list[FeedbackRow]:
        """Every stored rating, oldest first."""
        if not self.path.exists():
            return []
        with self._connect() as conn:
            cursor = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM feedback ORDER BY id")
            return [FeedbackRow(*row) for row in cursor.fetchall()]

    def export(self, out: Path | TextIO, fmt: ExportFormat = "csv") -> int:
        """Write every rating to a path or an open text stream; returns how many.

        Raises:
            ValueError: ``fmt`` is not "csv" or "jsonl".
        """
        if fmt not in ("csv", "jsonl"):
            raise ValueError(f"format must be 'csv' or 'jsonl', not {fmt!r}")
        rows = self.rows()
        if isinstance(out, Path):
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("w", encoding="utf-8", newline="") as stream:
                _write(rows, stream, fmt)
        else:
            _write(rows, out, fmt)
        return len(rows)


def _clean(comment: str | None) -> str | None:
    if comment is None or not comment.strip():
        return None
    return comment.strip()[:MAX_COMMENT_CHARS]


def _write(rows: list[FeedbackRow], stream: TextIO, fmt: ExportFormat) -> None:
    if fmt == "jsonl":
        for row in rows:
            record = asdict(row)
            record["quotes"] = json.loads(record.pop("quotes_json"))
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    writer = csv.writer(stream)
    writer.writerow(_COLUMNS)
    for row in rows:
        writer.writerow([_defuse(value) for value in asdict(row).values()])


def _defuse(value: object) -> object:
    """Keep a spreadsheet from running a comment as a formula (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
