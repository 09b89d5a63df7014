"""The report's charts as PNG bytes (matplotlib, Agg backend: no display, no network)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

ASSISTANT_COLOR = "#1f6f8b"
BASELINE_COLOR = "#e0a458"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    _pyplot().close(fig)
    return buffer.getvalue()


def pass_rate_chart(title: str, groups: Mapping[str, Mapping[str, Mapping[str, Any]]],
                    order: Sequence[str]) -> bytes:
    """Horizontal bars of pass rate per group, one panel per split.

    Args:
        title: the chart title.
        groups: split -> system ("assistant"/"baseline") -> group name -> summary dict.
        order: group names, top to bottom.
    """
    plt = _pyplot()
    splits = list(groups)
    fig, axes = plt.subplots(1, len(splits), figsize=(5.2 * len(splits) + 1.8,
                                                      0.42 * len(order) + 1.6),
                             sharey=True, squeeze=False)
    for ax, split in zip(axes[0], splits, strict=True):
        systems = groups[split]
        height = 0.8 / max(len(systems), 1)
        for i, (system, per_group) in enumerate(systems.items()):
            color = ASSISTANT_COLOR if system == "assistant" else BASELINE_COLOR
            values = [(per_group.get(name) or {}).get("pass_rate") for name in order]
            ys = [y + (i - (len(systems) - 1) / 2) * height for y in range(len(order))]
            bars = ax.barh(ys, [100 * (v or 0) for v in values], height=height * 0.95,
                           color=color, label=system)
            for bar, value in zip(bars, values, strict=True):
                if value is not None:
                    ax.text(bar.get_width() + 1, bar.get_y() + bar.get_height() / 2,
                            f"{100 * value:.0f}%", va="center", fontsize=7)
        ax.set_yticks(range(len(order)), labels=list(order))
        ax.set_xlim(0, 112)
        ax.set_xlabel("pass rate (%)")
        ax.set_title(f"split: {split}", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].invert_yaxis()  # once: the panels share the axis; first group on top
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncol=len(labels), fontsize=8, frameon=False)
    fig.suptitle(title, x=0.05, ha="left")
    return _png(fig)


def latency_chart(latencies: Mapping[str, Sequence[float]]) -> bytes:
    """Histogram of per-question latency (ms, log scale) for each system, p50/p95 marked."""
    plt = _pyplot()
    import numpy as np

    fig, ax = plt.subplots(figsize=(9, 3.6))
    positive = [v for values in latencies.values() for v in values if v > 0]
    low, high = (min(positive), max(positive)) if positive else (1.0, 10.0)
    bins = np.geomspace(max(low * 0.9, 0.1), max(high * 1.1, low * 2), 40)
    for system, values in latencies.items():
        color = ASSISTANT_COLOR if system == "assistant" else BASELINE_COLOR
        clean = [max(v, 0.1) for v in values]
        if not clean:
            continue
        ax.hist(clean, bins=bins, alpha=0.6, color=color, label=system)
        for pct, style in ((50, "-"), (95, "--")):
            mark = float(np.percentile(clean, pct))
            ax.axvline(mark, color=color, linestyle=style, linewidth=1.2)
            ax.text(mark, ax.get_ylim()[1] * (0.92 if pct == 50 else 0.8), f" p{pct} {mark:.0f} ms",
                    color=color, fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("latency per question (ms, log scale)")
    ax.set_ylabel("questions")
    ax.set_title("Latency distribution")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _png(fig)
