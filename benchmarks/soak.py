"""Soak: many requests across the faces of one server, its memory before and after.

    python -m benchmarks.soak [--requests 5000] [--clients 4] [--questions FILE] [--out FILE]

Starts ``assistant serve`` on loopback (rate limit raised: the load comes from one address),
then ``--clients`` keep-alive clients send ``--requests`` requests in turn to each face: the
REST ask, the OpenAI-compatible chat completion, feedback on the answer just given (into a
SQLite file of its own), the widget script and the health check. It prints (and writes with
``--out``) JSON: requests and errors per face (an error is any reply but 200, or a failed
connection), the server's resident memory after warm-up and at the end, and the growth
between them. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.load import start_server
from benchmarks.run import CLI, free_port
from benchmarks.workers import load_questions

FACES = ("ask", "chat", "feedback", "widget", "health")


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(ln for ln in status.splitlines() if ln.startswith("VmRSS:"))
    return round(int(line.split()[1]) / 1024, 1)


def _request(connection: http.client.HTTPConnection, face: str, row: dict[str, Any],
             last_id: list[str]) -> int:
    headers = {"Content-Type": "application/json"}
    if face == "ask":
        body = json.dumps({"question": row["question"], "history": row["history"]})
        connection.request("POST", "/api/v1/ask", body=body, headers=headers)
    elif face == "chat":
        messages = [*row["history"], {"role": "user", "content": row["question"]}]
        body = json.dumps({"model": "assistant", "messages": messages})
        connection.request("POST", "/v1/chat/completions", body=body, headers=headers)
    elif face == "feedback":
        body = json.dumps({"answer_id": last_id[0], "rating": "up"})
        connection.request("POST", "/api/v1/feedback", body=body, headers=headers)
    elif face == "widget":
        connection.request("GET", "/widget.js")
    else:
        connection.request("GET", "/healthz")
    response = connection.getresponse()
    payload = response.read()
    if face == "ask" and response.status == 200:
        last_id[0] = json.loads(payload).get("id", last_id[0])
    return response.status


def soak(requests: int, clients: int, questions: Path) -> dict[str, Any]:
    rows = load_questions(questions)
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    # ratings go to a store of the soak's own, not to the operator's
    env = {**os.environ, "ASSISTANT_RATE_LIMIT": "1000000/minute",
           "ASSISTANT_FEEDBACK_DB": f"sqlite:///{work / 'feedback.db'}"}
    server = start_server([sys.executable, "-c", CLI, "serve", "--port", str(port)], env, port,
                          rows[0], work / "server.log")
    try:
        before = _rss_mb(server.process.pid)
        # each question through every face in turn (its ask, then feedback on an answer)
        turns = itertools.cycle(itertools.product(range(len(rows)), FACES))
        lock = threading.Lock()
        sent: Counter[str] = Counter()
        errors: Counter[str] = Counter()

        def client() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            last_id = [""]
            _request(connection, "ask", rows[0], last_id)  # an answer to rate (not counted)
            while True:
                with lock:
                    if sum(sent.values()) >= requests:
                        return
                    index, face = next(turns)
                    sent[face] += 1
                try:
                    status = _request(connection, face, rows[index], last_id)
                except (OSError, http.client.HTTPException):
                    status = 0
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                if status != 200:
                    with lock:
                        errors[face] += 1

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        after = _rss_mb(server.process.pid)
    finally:
        server.stop()
    return {"requests": sum(sent.values()), "clients": clients, "seconds": round(seconds, 1),
            "per_face": {f: {"requests": sent[f], "errors": errors[f]} for f in FACES},
            "errors": sum(errors.values()), "rss_mb_after_warm_up": before,
            "rss_mb_at_end": after, "rss_growth": round(after / before - 1, 4)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--questions", type=Path, default=Path("evals/questions.jsonl"))
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    report = soak(args.requests, args.clients, args.questions)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
