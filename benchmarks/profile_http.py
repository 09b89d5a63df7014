"""Where the server's time goes on ``POST /api/v1/ask``: a sampling profile of the HTTP path.

    python -m benchmarks.profile_http [--requests 600] [--clients 16] [--out FILE]

Serves the app of ``assistant serve`` (``create_app_from_env``, the Gradio UI mounted as by
default) in this process with uvicorn, sends the questions of ``evals/questions.jsonl`` from
keep-alive client threads, and samples every server thread's stack each millisecond
(``sys._current_frames``; cProfile sees one thread only). Each busy sample is put in the first
category its stack holds, from the inside out: the answer itself (``Assistant.ask``), logging,
request validation and response serialization (pydantic, FastAPI's encoders), the Gradio mount,
the rate limiter and the other middleware (slowapi, the project's guards), and the rest of the
HTTP stack (uvicorn, h11, starlette, anyio). A thread waiting (in ``selectors``, a lock, a
queue) is idle and not counted. The client threads run in the same process; their stacks are
left out. Prints the shares and writes them as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

from benchmarks.load import run_load

ROOT = Path(__file__).resolve().parent.parent
INTERVAL_S = 0.001
# (category, how a frame's file path shows it), tried from the innermost frame outwards
_CATEGORIES = (
    ("answer (Assistant.ask)", ("/assistant/chain.py",)),
    ("logging", ("/logging/",)),
    ("validation and serialization", ("/pydantic/", "/pydantic_core/", "/fastapi/encoders.py",
                                      "/fastapi/_compat", "/assistant/api/schemas.py")),
    ("Gradio mount", ("/gradio/",)),
    ("rate limit and guards", ("/slowapi/", "/limits/", "/assistant/api/guards.py",
                               "/assistant/api/security.py", "/assistant/api/middleware.py")),
)
_CLIENT = "/benchmarks/load.py"
_IDLE = ("/selectors.py", "/threading.py", "/queue.py", "/asyncio/base_events.py")


def _category(frame: FrameType | None) -> str | None:
    """The category of a sampled stack, or None when the thread is waiting."""
    if frame is None or frame.f_code.co_filename.endswith(_IDLE):
        return None
    files = []
    while frame is not None:
        files.append(frame.f_code.co_filename)
        frame = frame.f_back
    if any(f.endswith(_CLIENT) for f in files):
        return None  # a client thread of the load
    for name, marks in _CATEGORIES:  # the answer first: logging inside an answer is the answer
        if any(mark in f for f in files for mark in marks):
            return name
    return "HTTP stack (uvicorn, starlette, FastAPI routing)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--out", type=Path,
                        default=ROOT / "benchmarks" / "results" / "profile_http.json")
    args = parser.parse_args(argv)

    import uvicorn

    from assistant.api.app import create_app_from_env
    from assistant.embeddings import set_offline_env

    set_offline_env()
    port = _free_port()
    os.environ["ASSISTANT_HOST"], os.environ["ASSISTANT_PORT"] = "127.0.0.1", str(port)
    os.environ["ASSISTANT_RATE_LIMIT"] = "1000000/minute"  # the load comes from one address
    server = uvicorn.Server(uvicorn.Config(create_app_from_env(), host="127.0.0.1", port=port,
                                           access_log=False, log_level="warning"))
    serving = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    serving.start()
    rows = [json.loads(line) for line in (ROOT / "evals" / "questions.jsonl").open()]
    rows = [{"question": r["question"], "history": r.get("history") or []} for r in rows
            if r["expected_behavior"] != "emergency"]
    deadline = time.time() + 300
    while time.time() < deadline:  # warm: the first answer loads the model and the index
        try:
            if run_load(port, rows[:1], 1, 1)["errors"] == 0:
                break
        except OSError:
            pass
        time.sleep(0.2)
    run_load(port, rows, 4, 40)  # every code path once before sampling

    samples: Counter[str] = Counter()
    busy, stop = [0], threading.Event()

    def sampler() -> None:
        me = threading.get_ident()
        while not stop.is_set():
            for ident, frame in sys._current_frames().items():
                if ident in (me, main_thread):
                    continue
                category = _category(frame)
                if category is not None:
                    samples[category] += 1
                    busy[0] += 1
            time.sleep(INTERVAL_S)

    main_thread = threading.get_ident()
    watcher = threading.Thread(target=sampler, daemon=True)
    watcher.start()
    cpu = time.process_time()
    load = run_load(port, rows, args.clients, args.requests)
    cpu = time.process_time() - cpu
    stop.set()
    watcher.join()
    server.should_exit = True
    serving.join(timeout=15)

    shares = {name: round(count / max(1, busy[0]), 3) for name, count in samples.most_common()}
    report: dict[str, Any] = {
        "load": load, "process_cpu_s_per_request": round(cpu / max(1, args.requests), 4),
        "busy_samples": busy[0], "shares_of_server_busy_time": shares,
        "note": "sampled stacks; clients run in the same process (their CPU is in "
                "process_cpu_s_per_request, not in the shares)"}
    print(json.dumps(report, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
