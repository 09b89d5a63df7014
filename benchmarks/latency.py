"""Measure cold CLI time, warm Assistant.ask p50/p95 and index build time (not a test).

Usage: python benchmarks/latency.py [--questions evals/questions.jsonl] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cold_cli(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(["assistant", "ask", "What is Herceptin used for?"], check=True,
                       capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=Path, default=ROOT / "evals" / "questions.jsonl")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from assistant import Assistant
    from assistant.embeddings import embeddings_for
    from assistant.index import build_index
    from assistant.settings import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(index_dir=Path(tmp))
        embeddings = embeddings_for(settings)
        started = time.perf_counter()
        build_index(settings, embeddings, rebuild=True)
        build_s = time.perf_counter() - started

    rows = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    bot = Assistant()
    bot.warm_up()
    for row in rows[:5]:
        bot.ask(row["question"], row.get("history"))
    latencies = []
    for row in rows:
        started = time.perf_counter()
        bot.ask(row["question"], row.get("history"))
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    cold = cold_cli(args.runs)
    report = {
        "questions": len(latencies),
        "warm_ask_p50_ms": round(statistics.median(latencies), 1),
        "warm_ask_p95_ms": round(p95, 1),
        "cold_cli_s": [round(t, 2) for t in cold],
        "index_build_s": round(build_s, 2),
    }
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
