"""Feedback on answers (thumbs up/down, optional comment) in one table, whichever face it comes
from: the web UI, the HTTP API and the widget (through the API) all write through this store.

What is stored: the answer's id, the rating, the comment and, when the storing process knows
the answer, its kind, text and quotes; the question only when the operator opts in
(``ASSISTANT_STORE_QUESTION_TEXT``). Never who gave it: no IP address, no user agent, no
session id. One row per answer: rating it again replaces the rating.

The table lives in a SQLite file by default (WAL mode) or in PostgreSQL
(``ASSISTANT_FEEDBACK_DB=postgresql+psycopg://...``), through the same SQLAlchemy Core code.
Every call gives up after ``timeout_s`` with FeedbackUnavailableError, so a frozen database
costs a request a few seconds and a 503, and the next call tries again.

>>> store = FeedbackStore(Path("feedback.sqlite3"))                   # doctest: +SKIP
>>> row_id = store.save(answer.id, -1, comment="Too vague", answer=answer)  # doctest: +SKIP
>>> store.export(Path("feedback.csv"), fmt="csv")                    # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TextIO, TypeVar

from sqlalchemy import Connection, Engine, delete, exc, select, update
from sqlalchemy.dialects import postgresql, sqlite

from assistant.errors import FeedbackUnavailableError
from assistant.feedback_db import (
    database_url,
    ensure_schema,
    feedback,
    make_engine,
    shown_name,
    sqlite_file,
)
from assistant.models import Answer
from assistant.timed_calls import TimedCalls

ExportFormat = Literal["csv", "jsonl"]
MAX_COMMENT_CHARS = 2000
MAX_CALLS = 8  # store calls in flight at once, per process
T = TypeVar("T")

# what the person reads (no server names or addresses: those go to ``detail``)
UNAVAILABLE = ("Feedback cannot be saved or read right now: the feedback store is not "
               "reachable. Please try again in a minute.")
_COLUMNS = ("id", "created_at", "rating", "comment", "answer_kind", "answer_text",
            "quotes_json", "question", "answer_id")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# database trouble that is an outage (try again later), not a bug
_OUTAGES = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, exc.DisconnectionError)


@dataclass(frozen=True)
class FeedbackRow:
    """One stored rating, as exported."""

    id: int
    created_at: str
    rating: int
    comment: str | None
    answer_kind: str | None
    answer_text: str | None
    quotes_json: str | None
    question: str | None
    answer_id: str | None


class FeedbackStore:
    """The feedback table; the database is opened (and the table made) on first use."""

    def __init__(self, target: Path | str, store_question_text: bool = False,
                 timeout_s: float = 5.0) -> None:
        """``target``: a SQLite file path or a database URL (see ``feedback_db``)."""
        self.url = database_url(target)
        self.name = shown_name(target)  # printable: no password
        self.store_question_text = store_question_text
        self._calls = TimedCalls(timeout_s, MAX_CALLS, self._too_slow)
        self._timeout_s = timeout_s
        self._engine: Engine | None = None
        self._ready = False
        self._lock = threading.Lock()

    # -- writing ---------------------------------------------------------------------
    def save(self, answer_id: str, rating: int, comment: str | None = None,
             answer: Answer | None = None) -> int:
        """Store the rating (+1 or -1) of the answer ``answer_id``, replacing an earlier one;
        ``comment`` None keeps an earlier comment. ``answer``, when known, is stored with it.
        Returns the row id.

        Raises:
            ValueError: the rating is not +1 or -1.
            FeedbackUnavailableError: the store is unreachable or too slow.
        """
        _check(rating)
        values = {"answer_id": answer_id, "rating": rating, "comment": _clean(comment),
                  "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                  **self._answer_fields(answer)}
        return self._run(lambda conn: _upsert(conn, values, keep_comment=comment is None))

    def record(self, rating: int, answer: Answer, comment: str | None = None) -> int:
        """Store a rating of ``answer`` (see ``save``); returns the row id."""
        return self.save(answer.id, rating, comment, answer)

    def set_rating(self, row_id: int, rating: int) -> bool:
        """Change a stored rating (the person switched thumbs); False if there is no such row."""
        _check(rating)
        return self._run(lambda conn: conn.execute(
            update(feedback).where(feedback.c.id == row_id).values(rating=rating)
        ).rowcount == 1)

    def set_comment(self, row_id: int, comment: str | None) -> bool:
        """Attach (or replace) the comment of a stored rating; False if there is no such row."""
        return self._run(lambda conn: conn.execute(
            update(feedback).where(feedback.c.id == row_id).values(comment=_clean(comment))
        ).rowcount == 1)

    def delete(self, row_id: int) -> None:
        """Forget a rating (the person took their thumb back)."""
        self._run(lambda conn: conn.execute(delete(feedback).where(feedback.c.id == row_id)))

    # -- reading ---------------------------------------------------------------------
    def rows(self) -> list[FeedbackRow]:
        """Every stored rating, oldest first (nothing, and nothing created, for a SQLite file
        that does not exist yet)."""
        path = sqlite_file(self.url)
        if path is not None and not path.exists():
            return []
        query = select(*(feedback.c[name] for name in _COLUMNS)).order_by(feedback.c.id)
        return self._run(lambda conn: [FeedbackRow(*row) for row in conn.execute(query)])

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

    def close(self) -> None:
        """Close the store's connections (it opens them again on next use)."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
            self._engine, self._ready = None, False

    # -- the database ----------------------------------------------------------------
    def _answer_fields(self, answer: Answer | None) -> dict[str, Any]:
        if answer is None:
            return {}
        quotes = json.dumps([q.model_dump() for q in answer.quotes], ensure_ascii=False)
        return {"answer_kind": answer.kind, "answer_text": answer.text, "quotes_json": quotes,
                "question": answer.question if self.store_question_text else None}

    def _run(self, work: Callable[[Connection], T]) -> T:
        """``work`` in one transaction, within the deadline; outages as
        FeedbackUnavailableError."""
        def call() -> T:
            try:
                with self._connected().begin() as conn:
                    return work(conn)
            except _OUTAGES as error:
                raise FeedbackUnavailableError(UNAVAILABLE, f"feedback store {self.name}: "
                                               f"{_reason(error)}") from None
        return self._calls.run(call)

    def _connected(self) -> Engine:
        with self._lock:
            if self._engine is None:
                path = sqlite_file(self.url)
                if path is not None:
                    path.parent.mkdir(parents=True, exist_ok=True)
                self._engine = make_engine(self.url, self._timeout_s, MAX_CALLS)
            if not self._ready:
                ensure_schema(self._engine)
                self._ready = True
            return self._engine

    def _too_slow(self, why: str) -> FeedbackUnavailableError:
        return FeedbackUnavailableError(UNAVAILABLE, f"feedback store {self.name}: {why}")


def _upsert(conn: Connection, values: dict[str, Any], keep_comment: bool) -> int:
    """Insert the row, or update the row of the same answer; returns its id."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(feedback).values(**values)
    changed = {name: stmt.excluded[name] for name in values
               if name not in ("answer_id", "created_at") and
               not (name == "comment" and keep_comment)}
    stmt = stmt.on_conflict_do_update(index_elements=[feedback.c.answer_id], set_=changed)
    return int(conn.execute(stmt.returning(feedback.c.id)).scalar_one())


def _check(rating: int) -> None:
    if rating not in (1, -1):
        raise ValueError(f"rating must be +1 or -1, not {rating!r}")


def _reason(error: exc.SQLAlchemyError) -> str:
    """What went wrong, for the operator's log: the driver's first line, never the statement
    or its parameters (they hold the person's comment)."""
    original = getattr(error, "orig", None)
    text = str(original if original is not None else type(error).__name__)
    return f"{type(error).__name__}: {text.strip().splitlines()[0] if text.strip() else ''}"


def _clean(comment: str | None) -> str | None:
    if comment is None or not comment.strip():
        return None
    return comment.strip()[:MAX_COMMENT_CHARS]


def _write(rows: list[FeedbackRow], stream: TextIO, fmt: ExportFormat) -> None:
    if fmt == "jsonl":
        for row in rows:
            record = asdict(row)
            quotes = record.pop("quotes_json")
            record["quotes"] = json.loads(quotes) if quotes else []
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
