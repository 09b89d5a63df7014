"""``bench.png``: the report's figures, the assistant beside the recipe (matplotlib, Agg)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

MINE, THEIRS = "#1f6f8b", "#b5b5b5"


def _bars(ax: Any, labels: list[str], figures: list[dict[str, Any]], unit: str) -> None:
    xs = range(len(labels))
    ax.bar([x - 0.2 for x in xs], [f["assistant"] for f in figures], 0.4, color=MINE,
           label="assistant")
    ax.bar([x + 0.2 for x in xs], [f["recipe"] for f in figures], 0.4, color=THEIRS,
           label="tutorial recipe")
    for x, f in zip(xs, figures, strict=True):
        ax.annotate(f"×{f['ratio']}", (x, max(f["assistant"], f["recipe"])), ha="center",
                    va="bottom", fontsize=8)
    ax.set_xticks(list(xs), labels)
    ax.set_ylabel(unit)
    ax.legend(fontsize=8)


def _lines(ax: Any, xs: list[int], rows: list[dict[str, Any]], key: str) -> None:
    for who, color in (("assistant", MINE), ("recipe", THEIRS)):
        ax.plot(xs, [r[key][who] for r in rows], "o-", color=color,
                label=who if who == "assistant" else "tutorial recipe")


def draw(report: dict[str, Any], path: Path) -> None:
    """Four panels: warm latency, HTTP throughput, corpus growth, memory and cold start."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    py = report["python"]
    _bars(axes[0][0], ["p50", "p95", "p99"], [py[f"{p}_ms"] for p in ("p50", "p95", "p99")],
          "ms")
    axes[0][0].set_title(f"Warm Assistant.ask ({py['asks']} asks)")

    ax = axes[0][1]
    levels = report["http"]["levels"]
    clients = [x["clients"] for x in levels]
    _lines(ax, clients, levels, "answers_per_s")
    ax.axhline(60, color="red", linestyle=":", label="target at 16 clients")
    errors = sum(x["errors"]["assistant"] for x in levels)
    ax.set_title(f"HTTP answers/s (assistant errors: {errors})")
    ax.set_xlabel("concurrent clients")
    ax.set_xscale("log", base=2)
    ax.legend(fontsize=8)

    ax = axes[1][0]
    scales = report["growth"]["scales"]
    pages = [s["pages"] for s in scales]
    _lines(ax, pages, scales, "p50_ms")
    ax.plot(pages, [2 * scales[0]["p50_ms"]["assistant"]] * len(pages), "r:",
            label="target: 2× the assistant at 1×")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(pages, [str(n) for n in pages])
    ax.minorticks_off()
    ax.set_xlabel("corpus pages")
    ax.set_ylabel("ask p50, ms")
    ax.set_title("Corpus growth")
    ax.legend(fontsize=8)

    ax = axes[1][1]
    big = scales[-1]
    _bars(ax, ["server", "cold ask", f"build {big['scale']}×", f"asks {big['scale']}×"],
          [report["http"]["server_rss_mb"], report["cold"]["ask_rss_mb"], big["build_rss_mb"],
           big["ask_rss_mb"]], "peak RSS, MB")
    ax.axhline(1024, color="red", linestyle=":")
    cold = report["cold"]["ask_s"]
    ax.set_title(f"Memory (cold ask {cold['assistant']} s, recipe {cold['recipe']} s)")

    meta = report["meta"]
    fig.suptitle(f"assistant bench at {meta['commit']}{' (quick)' if meta['quick'] else ''}"
                 f" — {meta['cpus']} CPUs, load {meta['load_average_at_start'][0]} at start")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
