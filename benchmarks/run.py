"""The whole benchmark: warm Python latency, HTTP load, cold start and memory, corpus growth,
each beside the tutorial recipe measured in the same run. Writes ``bench.json`` and
``bench.png`` into the output folder.

Every measurement runs in a process of its own (one at a time), started with this project on
its ``PYTHONPATH`` and the caller's settings in its environment.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.load import BenchmarkError, Server, run_load, start_server
from benchmarks.stats import beside, percentiles
from benchmarks.synthetic import make_corpus
from benchmarks.workers import load_questions

PROJECT = Path(__file__).resolve().parent.parent
CLI = "import sys; from assistant.cli import app; sys.argv[0] = 'assistant'; app()"
COLD_QUESTION = "What is Herceptin used for?"
TARGETS = {"answers_per_s_at_16": 60.0, "errors_at_16": 0, "growth_p50_ratio": 2.0,
           "rss_mb": 1024.0}


@dataclass(frozen=True)
class Plan:
    """How much of each measurement a run makes."""

    questions: int | None  # warm Python latency: this many questions (None: all) ...
    passes: int  # ... asked this many times over
    clients: tuple[int, ...]
    requests: int  # per concurrency level
    cold_runs: int
    scales: tuple[int, ...]  # corpus sizes, in pages per real page
    growth_questions: int


FULL = Plan(None, 2, (1, 4, 16), 456, 3, (1, 10, 100), 60)
QUICK = Plan(20, 1, (1, 4, 16), 32, 1, (1, 2), 6)
BACKSTOP_CACHE = "emergency_examples.npz"  # checked against its texts and model when read


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Bench:
    """One run's measurements; ``work`` holds its scratch files (logs, growth corpora)."""

    def __init__(self, settings: Any, questions: Path, plan: Plan, work: Path,
                 on_status: Callable[[str], None]) -> None:
        from assistant.embeddings import OFFLINE_ENV, model_cache_dir

        self.settings, self.questions, self.plan, self.work = settings, questions, plan, work
        self.status = on_status
        self.rows = load_questions(questions)
        path = os.pathsep.join(p for p in (str(PROJECT), os.environ.get("PYTHONPATH")) if p)
        self.base_env = {**OFFLINE_ENV, **os.environ, "PYTHONPATH": path,
                         "ASSISTANT_MODEL_CACHE_DIR": str(model_cache_dir(settings)),
                         "ASSISTANT_FEEDBACK_DB": str(work / "feedback.sqlite3")}

    def env(self, **changes: str) -> dict[str, str]:
        return {**self.base_env, **changes}

    def worker(self, args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
        done = subprocess.run([sys.executable, "-m", "benchmarks.workers", *args],
                              env=env or self.env(), capture_output=True, text=True,
                              cwd=PROJECT)
        if done.returncode != 0:
            raise BenchmarkError(f"benchmarks.workers {' '.join(args)} failed:\n"
                                 f"{done.stderr[-3000:]}")
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    # -- warm Python ---------------------------------------------------------------------
    def python(self) -> dict[str, Any]:
        args = ["warm", "--questions", str(self.questions), "--passes", str(self.plan.passes)]
        if self.plan.questions is not None:
            args += ["--limit", str(self.plan.questions)]
        runs = {s: self.worker([*args, "--system", s]) for s in ("assistant", "recipe")}
        cuts = {s: percentiles(r["latencies_ms"]) for s, r in runs.items()}
        return {"asks": len(runs["assistant"]["latencies_ms"]),
                **{f"{p}_ms": beside(cuts["assistant"][p], cuts["recipe"][p])
                   for p in ("p50", "p95", "p99")},
                "rss_mb": beside(runs["assistant"]["rss_mb"], runs["recipe"]["rss_mb"])}

    # -- HTTP ----------------------------------------------------------------------------
    def _server(self, system: str) -> Server:
        port = free_port()
        if system == "assistant":
            command = [sys.executable, "-c", CLI, "serve", "--port", str(port)]
        else:
            command = [sys.executable, "-m", "uvicorn", "benchmarks.recipe:create_app",
                       "--factory", "--host", "127.0.0.1", "--port", str(port),
                       "--no-access-log", "--log-level", "warning"]
        env = self.env(ASSISTANT_RATE_LIMIT="1000000/minute")  # the load comes from one address
        return start_server(command, env, port, self.rows[0], self.work / f"server-{system}.log")

    def http(self) -> dict[str, Any]:
        levels: dict[str, list[dict[str, Any]]] = {}
        rss, first = {}, {}
        for system in ("assistant", "recipe"):
            server = self._server(system)
            try:
                first[system] = server.first_answer_s
                run_load(server.port, self.rows, 4, 16)  # warm-up, not counted
                levels[system] = [run_load(server.port, self.rows, clients, self.plan.requests)
                                  for clients in self.plan.clients]
                rss[system] = server.peak_rss_mb()
            finally:
                server.stop()
            self.status(f"  HTTP {system}: " + ", ".join(
                f"{x['clients']} clients {x['answers_per_s']}/s" for x in levels[system]))
        rows = []
        for mine, theirs in zip(levels["assistant"], levels["recipe"], strict=True):
            rows.append({"clients": mine["clients"], "requests": mine["requests"],
                         **{k: beside(mine[k], theirs[k]) for k in (
                             "answers_per_s", "p50_ms", "p95_ms", "p99_ms", "errors")}})
        return {"levels": rows, "server_rss_mb": beside(rss["assistant"], rss["recipe"]),
                "server_first_answer_s": beside(first["assistant"], first["recipe"])}

    # -- cold start ------------------------------------------------------------------------
    def _cold(self, command: list[str]) -> tuple[float, float]:
        """Wall time from process start to its exit after one answer, and its peak RSS."""
        started = time.perf_counter()
        process = subprocess.Popen(command, env=self.env(), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, cwd=PROJECT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise BenchmarkError(f"{' '.join(command[:4])} exited with {process.returncode}")
        return wall, usage.ru_maxrss / 1024

    def cold(self) -> dict[str, Any]:
        commands = {"assistant": [sys.executable, "-c", CLI, "ask", COLD_QUESTION],
                    "recipe": [sys.executable, "-m", "benchmarks.recipe", COLD_QUESTION]}
        walls: dict[str, list[float]] = {s: [] for s in commands}
        peaks: dict[str, float] = {s: 0.0 for s in commands}
        for _ in range(self.plan.cold_runs):
            for system, command in commands.items():
                wall, peak = self._cold(command)
                walls[system].append(wall)
                peaks[system] = max(peaks[system], peak)
        return {"runs": self.plan.cold_runs,
                "ask_s": beside(*(round(statistics.median(walls[s]), 3) for s in commands)),
                "ask_rss_mb": beside(*(round(peaks[s], 1) for s in commands))}

    # -- corpus growth ---------------------------------------------------------------------
    def growth(self) -> dict[str, Any]:
        from assistant.corpus import load_corpus

        real = len(load_corpus(self.settings.corpus_dir))
        scales = []
        for scale in self.plan.scales:
            folder = self.work / f"growth-{scale}x"
            corpus = make_corpus(self.settings.corpus_dir, folder / "corpus", scale * real)
            env = self.env(ASSISTANT_CORPUS_DIR=str(corpus),
                           ASSISTANT_INDEX_DIR=str(folder / "index"))
            env.pop("ASSISTANT_CHROMA_URL", None)  # growth is measured on the embedded store
            cache = self.settings.index_dir / BACKSTOP_CACHE
            if cache.is_file():  # the same examples at every size: not embedded again
                (folder / "index").mkdir(parents=True, exist_ok=True)
                shutil.copyfile(cache, folder / "index" / BACKSTOP_CACHE)
            ask = ["warm", "--questions", str(self.questions), "--limit",
                   str(self.plan.growth_questions), "--warmups", "2"]
            built = self.worker(["build"], env)
            mine = self.worker([*ask, "--system", "assistant"], env)
            theirs = self.worker([*ask, "--system", "recipe"], env)
            shutil.rmtree(folder, ignore_errors=True)
            p50 = (percentiles(mine["latencies_ms"])["p50"],
                   percentiles(theirs["latencies_ms"])["p50"])
            scales.append({"scale": scale, "pages": scale * real, "units": built["units"],
                           "recipe_chunks": theirs["units"], "p50_ms": beside(*p50),
                           "build_s": beside(built["build_s"], theirs["startup_s"]),
                           "build_rss_mb": beside(built["rss_mb"], theirs["startup_rss_mb"]),
                           "ask_rss_mb": beside(mine["rss_mb"], theirs["rss_mb"]),
                           "startup_s": beside(mine["startup_s"], theirs["startup_s"])})
            self.status(f"  {scale}x ({scale * real} pages, {built['units']} units): p50 "
                        f"{p50[0]:.1f} ms (recipe {p50[1]:.1f} ms), build {built['build_s']} s")
        first, last = scales[0]["p50_ms"], scales[-1]["p50_ms"]
        growth = beside(round(last["assistant"] / first["assistant"], 2),
                        round(last["recipe"] / first["recipe"], 2))
        return {"scales": scales, "p50_largest_over_smallest": growth}


def _targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    at16 = next((x for x in report["http"]["levels"] if x["clients"] == 16),
                report["http"]["levels"][-1])
    rss = max(report["http"]["server_rss_mb"]["assistant"],
              report["cold"]["ask_rss_mb"]["assistant"],
              *(s["build_rss_mb"]["assistant"] for s in report["growth"]["scales"]),
              *(s["ask_rss_mb"]["assistant"] for s in report["growth"]["scales"]))
    growth = report["growth"]["p50_largest_over_smallest"]["assistant"]
    checks = [("answers/s at 16 clients", ">=", TARGETS["answers_per_s_at_16"],
               at16["answers_per_s"]["assistant"]),
              ("errors at 16 clients", "<=", TARGETS["errors_at_16"], at16["errors"]["assistant"]),
              ("ask p50 at the largest corpus / at 1x", "<=", TARGETS["growth_p50_ratio"],
               growth),
              ("peak RSS of any assistant process (MB)", "<=", TARGETS["rss_mb"], rss)]
    return [{"name": name, "target": f"{op} {target}", "value": value,
             "met": value >= target if op == ">=" else value <= target}
            for name, op, target, value in checks]


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=PROJECT, text=True, capture_output=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def run_bench(settings: Any, out: Path, questions: Path, quick: bool = False,
              on_status: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run every measurement; write ``bench.json`` and ``bench.png`` into ``out``.

    Raises:
        BenchmarkError: a server or worker failed (its log is named).
    """
    from benchmarks.chart import draw

    status = on_status or (lambda message: None)
    out.mkdir(parents=True, exist_ok=True)
    work = out / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    plan = QUICK if quick else FULL
    bench = Bench(settings, questions, plan, work, status)
    started = time.perf_counter()
    report: dict[str, Any] = {"meta": {
        "commit": _commit(), "quick": quick, "questions_file": str(questions),
        "questions": len(bench.rows), "cpus": os.cpu_count(), "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "ratio": "assistant / recipe (the LangChain tutorial recipe, same run)"}}
    for name, step in (("python", bench.python), ("cold", bench.cold), ("http", bench.http),
                       ("growth", bench.growth)):
        began = time.perf_counter()
        report[name] = step()
        status(f"bench: {name} measured in {time.perf_counter() - began:.0f} s")
    report["targets"] = _targets(report)
    report["meta"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["meta"]["duration_s"] = round(time.perf_counter() - started, 1)
    (out / "bench.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    draw(report, out / "bench.png")
    shutil.rmtree(work, ignore_errors=True)
    return report


def summary_lines(report: dict[str, Any]) -> list[str]:
    """The figures as text lines: assistant, recipe and their ratio."""

    def fig(name: str, figure: dict[str, Any], unit: str = "") -> str:
        return (f"{name:44} {figure['assistant']:>10}{unit} {figure['recipe']:>10}{unit} "
                f"{figure['ratio']!s:>7}")

    lines = [f"{'figure':44} {'assistant':>10} {'recipe':>10} {'ratio':>7}"]
    py = report["python"]
    lines += [fig(f"warm ask {p} (ms)", py[f"{p}_ms"]) for p in ("p50", "p95", "p99")]
    for level in report["http"]["levels"]:
        c = level["clients"]
        lines += [fig(f"HTTP {c} clients: answers/s", level["answers_per_s"]),
                  fig(f"HTTP {c} clients: p50/p95/p99 (ms)", {
                      k: "/".join(str(level[f"{p}_ms"][k]) for p in ("p50", "p95", "p99"))
                      for k in ("assistant", "recipe")} | {"ratio": level["p50_ms"]["ratio"]}),
                  fig(f"HTTP {c} clients: errors", level["errors"])]
    lines += [fig("server start to first answer (s)", report["http"]["server_first_answer_s"]),
              fig("server peak RSS (MB)", report["http"]["server_rss_mb"]),
              fig("cold ask, process start to answer (s)", report["cold"]["ask_s"]),
              fig("cold ask peak RSS (MB)", report["cold"]["ask_rss_mb"])]
    for scale in report["growth"]["scales"]:
        s = scale["scale"]
        lines += [fig(f"{s}x corpus: ask p50 (ms)", scale["p50_ms"]),
                  fig(f"{s}x corpus: index build (s)", scale["build_s"]),
                  fig(f"{s}x corpus: build peak RSS (MB)", scale["build_rss_mb"])]
    lines.append(fig("p50 largest corpus / 1x", report["growth"]["p50_largest_over_smallest"]))
    lines += [f"target {t['name']}: {t['value']} ({t['target']}) "
              f"{'met' if t['met'] else 'NOT met'}" for t in report["targets"]]
    return lines


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks [--quick] [--out DIR] [--questions FILE]``."""
    import argparse

    from assistant.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small, fast run")
    parser.add_argument("--out", type=Path, default=PROJECT / "benchmarks" / "results")
    parser.add_argument("--questions", type=Path, default=PROJECT / "evals" / "questions.jsonl")
    args = parser.parse_args(argv)
    report = run_bench(load_settings(), args.out, args.questions, args.quick,
                       on_status=lambda m: print(m, file=sys.stderr))
    print("\n".join(summary_lines(report)))
