"""Where feedback lives: the table, and the database engine behind it (SQLAlchemy Core).

The target is a SQLite file path (the default, no set-up) or a database URL: ``sqlite:///...``
or ``postgresql+psycopg://user:password@host:5432/db`` (with the ``scale`` extra installed),
so several app processes write to one table. The same code path serves both.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.schema import CreateIndex, CreateTable

SUPPORTED = ("sqlite", "postgresql")
_LOCK_ID = 471_114  # PostgreSQL advisory lock held while a process creates the table

metadata = MetaData()
feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", Text, nullable=False),
    Column("rating", Integer, CheckConstraint("rating IN (-1, 1)"), nullable=False),
    Column("comment", Text),
    # what was rated, when the process that stores the rating knows the answer
    Column("answer_kind", Text),
    Column("answer_text", Text),
    Column("quotes_json", Text),
    Column("question", Text),  # only when the operator opts in
    Column("answer_id", String(32)),  # one rating per answer (NULL in files from before ids)
    sqlite_autoincrement=True,
)
answer_id_index = Index("feedback_answer_id", feedback.c.answer_id, unique=True)


def is_url(target: str | Path) -> bool:
    return isinstance(target, str) and "://" in target


def database_url(target: str | Path) -> URL:
    """The SQLAlchemy URL of a feedback target: a URL as it is, a path as a SQLite file.

    Raises:
        ValueError: a URL of a database other than SQLite or PostgreSQL, or not a URL.
    """
    if not is_url(target):
        return URL.create("sqlite", database=str(Path(target).expanduser().resolve()))
    try:
        url = make_url(str(target))
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy raises several kinds
        raise ValueError("not a database URL (e.g. postgresql+psycopg://user@host/db)") from exc
    if url.get_backend_name() not in SUPPORTED:
        raise ValueError(f"{url.get_backend_name()!r} is not supported (sqlite or postgresql)")
    return url


def shown_name(target: str | Path) -> str:
    """The target as it may be printed or logged: a URL without its password."""
    if not is_url(target):
        return str(target)
    return database_url(target).render_as_string(hide_password=True)


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL (None for another database or an in-memory one)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database))


def make_engine(url: URL, timeout_s: float, pool_size: int) -> Engine:
    """An engine whose connects and statements give up after about ``timeout_s``."""
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": timeout_s},
                               pool_size=pool_size, max_overflow=0, pool_timeout=timeout_s)
        event.listen(engine, "connect", _sqlite_connect)
        # SQLAlchemy's own BEGIN (the driver's would leave DDL outside the transaction); a
        # write lock from the start, so no transaction fails to upgrade from reading to writing
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=pool_size, max_overflow=0, pool_timeout=timeout_s,
        connect_args={"connect_timeout": max(1, math.ceil(timeout_s)),
                      "options": f"-c statement_timeout={int(timeout_s * 1000)}"})


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun by the engine
    # WAL: readers never block the writer; FULL: an acknowledged rating is on disk
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def ensure_schema(engine: Engine) -> None:
    """Create the table (and its index) if missing; bring a file from before answer ids up to
    date. Safe when several processes start at once."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
        found = inspect(conn)
        columns = ({c["name"] for c in found.get_columns("feedback")}
                   if found.has_table("feedback") else set())
        if columns and "answer_id" not in columns:
            _migrate_from_before_ids(conn, columns)
        conn.execute(CreateTable(feedback, if_not_exists=True))
        conn.execute(CreateIndex(answer_id_index, if_not_exists=True))


def _migrate_from_before_ids(conn: Any, columns: set[str]) -> None:
    """The first feedback files had no answer id and required the answer's fields: copy their
    rows into the current table (same ids), in the caller's transaction."""
    kept = ", ".join(c.name for c in feedback.columns if c.name in columns)
    conn.execute(text("ALTER TABLE feedback RENAME TO feedback_before_ids"))
    conn.execute(CreateTable(feedback))
    conn.execute(text(f"INSERT INTO feedback ({kept}) SELECT {kept} FROM feedback_before_ids"))
    conn.execute(text("DROP TABLE feedback_before_ids"))
