"""Jobs the benchmark runs in a process of their own (so each has its own memory peak):

    python -m benchmarks.workers build
    python -m benchmarks.workers warm --system assistant|recipe --questions FILE [--limit N]
                                      [--passes N] [--warmups N]

Settings (corpus, index, model folder) come from the environment, as for the assistant. Each
job prints one JSON object on its last line of output.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path
from typing import Any


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def load_questions(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """``question`` and ``history`` of each row of a question file (every ``step``-th row
    when ``limit`` is smaller than the file, so the sample spans its categories)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    rows = [{"question": r["question"], "history": r.get("history") or []} for r in rows]
    if limit is not None and limit < len(rows):
        step = len(rows) / limit
        rows = [rows[int(i * step)] for i in range(limit)]
    return rows


def build() -> dict[str, Any]:
    """Rebuild the assistant's index for the configured corpus: time and memory."""
    from assistant.embeddings import embeddings_for, set_offline_env
    from assistant.index import build_index
    from assistant.settings import load_settings

    set_offline_env()
    settings = load_settings()
    embeddings = embeddings_for(settings)
    embeddings.embed_query("warm the model up")
    started = time.perf_counter()
    manifest = build_index(settings, embeddings, rebuild=True)
    return {"build_s": round(time.perf_counter() - started, 3), "rss_mb": peak_rss_mb(),
            "units": manifest.units, "chunks": manifest.chunks}


def warm(system: str, questions: Path, limit: int | None, passes: int,
         warmups: int) -> dict[str, Any]:
    """Load ``system`` (timed: for the recipe that is its build), then time every ask."""
    rows = load_questions(questions, limit)
    started = time.perf_counter()
    if system == "assistant":
        from assistant import Assistant

        bot: Any = Assistant()
        bot.warm_up()
        units = sum(len(d.units) for d in bot.documents.values())
    else:
        from benchmarks.recipe import load_recipe

        bot = load_recipe()
        units = bot.chunk_count
    startup_s = time.perf_counter() - started
    startup_rss = peak_rss_mb()
    for row in rows[:warmups]:
        bot.ask(row["question"], row["history"])
    latencies = []
    for _ in range(passes):
        for row in rows:
            started = time.perf_counter()
            bot.ask(row["question"], row["history"])
            latencies.append((time.perf_counter() - started) * 1000)
    return {"latencies_ms": [round(x, 3) for x in latencies], "startup_s": round(startup_s, 3),
            "startup_rss_mb": startup_rss, "rss_mb": peak_rss_mb(), "units": units}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("job", choices=("build", "warm"))
    parser.add_argument("--system", choices=("assistant", "recipe"), default="assistant")
    parser.add_argument("--questions", type=Path)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--warmups", type=int, default=5)
    args = parser.parse_args()
    if args.job == "build":
        result = build()
    else:
        result = warm(args.system, args.questions, args.limit, args.passes, args.warmups)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
