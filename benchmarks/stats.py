"""Percentiles and the assistant-beside-recipe figure the report is made of."""

from __future__ import annotations

import statistics
from typing import Any


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95 and p99 of ``values`` (inclusive method: never outside the measured range)."""
    if not values:
        raise ValueError("no measurements")
    if len(values) == 1:
        return {"p50": values[0], "p95": values[0], "p99": values[0]}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 2), "p95": round(cuts[94], 2), "p99": round(cuts[98], 2)}


def beside(assistant: float, recipe: float) -> dict[str, Any]:
    """One figure for both systems; ``ratio`` is the assistant's divided by the recipe's."""
    ratio = round(assistant / recipe, 2) if recipe else None
    return {"assistant": assistant, "recipe": recipe, "ratio": ratio}
