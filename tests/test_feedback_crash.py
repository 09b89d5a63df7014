"""``kill -9`` while feedback is being written, for SQLite and for a real PostgreSQL: a child
process saves ratings in a loop through FeedbackStore and prints each id once ``save``
returned; it is killed mid-way, several times over. Every acknowledged rating is stored, the
database is intact (SQLite ``PRAGMA integrity_check``; PostgreSQL ``amcheck`` on the unique
index) and the next writer carries on."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.feedback import FeedbackStore

from .conftest import PROJECT
from .engines import Postgres, postgres_server

pytestmark = pytest.mark.engines
ROUNDS = 3
ACKS_BEFORE_KILL = 40

WRITER = """
import sys, uuid
from assistant.feedback import FeedbackStore

store = FeedbackStore(sys.argv[1], timeout_s=30)
i = 0
while True:
    answer_id = uuid.uuid4().hex
    store.save(answer_id, 1 if i % 2 else -1, comment=f"row {i} " + "x" * (i % 300))
    print(answer_id, flush=True)
    i += 1
"""


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    with postgres_server() as server:
        yield server


def write_and_kill(target: str, log: Path) -> set[str]:
    """Run the writer until it acknowledged some rows, kill -9 it; the ids it acknowledged."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    with log.open("a") as errors:
        child = subprocess.Popen([sys.executable, "-c", WRITER, target],
                                 stdout=subprocess.PIPE, stderr=errors, text=True, env=env)
    assert child.stdout is not None
    acked: list[str] = []
    killed = False
    # read to the end: the lines printed before it died count; a last line cut off mid-way
    # (no line break) was never acknowledged
    for line in child.stdout:
        if line.endswith("\n"):
            acked.append(line.strip())
        if len(acked) >= ACKS_BEFORE_KILL and not killed:
            os.kill(child.pid, signal.SIGKILL)
            killed = True
    if not killed:
        child.kill()
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL and killed, log.read_text()[-2000:]
    return set(acked)


def assert_all_stored(target: str, acknowledged: set[str]) -> None:
    store = FeedbackStore(target)
    try:
        ids = [row.answer_id for row in store.rows()]
        assert acknowledged <= set(ids), f"{len(acknowledged - set(ids))} acknowledged lost"
        assert len(ids) == len(set(ids))  # one row per answer
        store.save("f" * 32, 1)  # and the next writer carries on
        assert store.rows()[-1].answer_id == "f" * 32
    finally:
        store.close()


def test_kill_9_mid_write_keeps_every_acknowledged_row_in_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "feedback.sqlite3"
    acknowledged: set[str] = set()
    for _ in range(ROUNDS):
        acknowledged |= write_and_kill(str(db), tmp_path / "writer.log")
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert_all_stored(str(db), acknowledged)


def test_kill_9_mid_write_keeps_every_acknowledged_row_in_postgresql(
        postgres: Postgres, tmp_path: Path) -> None:
    import psycopg

    url = postgres.new_database("crash")
    acknowledged: set[str] = set()
    for _ in range(ROUNDS):
        acknowledged |= write_and_kill(url, tmp_path / "writer.log")
    assert_all_stored(url, acknowledged)
    with psycopg.connect(f"host=127.0.0.1 port={postgres.port} user=postgres dbname=crash",
                         autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
        # the unique index agrees with the table, every row reachable through it
        conn.execute("SELECT bt_index_parent_check('feedback_answer_id', true)")
        conn.execute("SELECT bt_index_check('feedback_pkey', true)")
