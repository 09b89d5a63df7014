"""The quality gate: thresholds from a checked-in file (evals/gate.json), checked on a run.

A threshold names a metric of ``metrics.summarize``, a bound (``min`` or ``max``) and
optionally the rows it applies to (``split``, ``category``, ``behavior``). A threshold with
no rows to measure in the run fails: a gate must not pass by measuring nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.evaluation.metrics import RowResult, summarize

SCOPES = ("split", "category", "behavior")


class GateFileError(AssistantError):
    """The gate file is missing or malformed (seen by whoever runs the gate)."""


@dataclass(frozen=True)
class Threshold:
    metric: str
    min: float | None = None
    max: float | None = None
    split: str | None = None
    category: str | None = None
    behavior: str | None = None
    blocking: bool = True  # False: a target reported on every run, not yet enforced

    @property
    def label(self) -> str:
        scope = [f"{name}={value}" for name in SCOPES if (value := getattr(self, name))]
        bound = f">= {self.min:g}" if self.min is not None else f"<= {self.max:g}"
        return f"{self.metric}{' [' + ', '.join(scope) + ']' if scope else ''} {bound}"

    def applies_to(self, row: RowResult) -> bool:
        q = row.question
        return ((self.split is None or q.split == self.split)
                and (self.category is None or q.category == self.category)
                and (self.behavior is None or q.expected_behavior == self.behavior))


@dataclass(frozen=True)
class GateCheck:
    threshold: Threshold
    value: float | None
    rows: int

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False
        t = self.threshold
        return (t.min is None or self.value >= t.min) and (t.max is None or self.value <= t.max)

    def describe(self) -> str:
        got = "not measured (no rows)" if self.value is None else f"{self.value:.4g}"
        status = "PASS" if self.passed else "FAIL"
        if not self.threshold.blocking:
            status = "TARGET MET" if self.passed else "TARGET NOT MET (not enforced yet)"
        return f"{status}  {self.threshold.label}: got {got} ({self.rows} rows in scope)"

    def to_json(self) -> dict[str, Any]:
        return {"threshold": self.threshold.label, "value": self.value, "rows": self.rows,
                "passed": self.passed}


def load_gate(path: Path) -> list[Threshold]:
    """Read the thresholds of a gate file. Raises GateFileError naming the file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GateFileError(f"Gate file not found: {path}") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise GateFileError(f"Cannot read gate file {path}: {exc}") from None
    items = data.get("thresholds") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise GateFileError(f"{path}: expected an object with a non-empty 'thresholds' list")
    known = set(summarize([]))
    thresholds: list[Threshold] = []
    for i, item in enumerate(items):
        where = f"{path}: thresholds[{i}]"
        if not isinstance(item, dict) or item.get("metric") not in known:
            raise GateFileError(f"{where}: 'metric' must be one of {', '.join(sorted(known))}")
        bounds = [b for b in ("min", "max") if b in item]
        if len(bounds) != 1 or not isinstance(item[bounds[0]], int | float):
            raise GateFileError(f"{where}: give exactly one numeric 'min' or 'max'")
        unknown = set(item) - {"metric", "min", "max", "note", "blocking", *SCOPES}
        if unknown:
            raise GateFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        thresholds.append(Threshold(metric=item["metric"], min=item.get("min"),
                                    max=item.get("max"), split=item.get("split"),
                                    category=item.get("category"),
                                    behavior=item.get("behavior"),
                                    blocking=bool(item.get("blocking", True))))
    return thresholds


def check_gate(thresholds: Sequence[Threshold], rows: Sequence[RowResult]) -> list[GateCheck]:
    """Measure each threshold on the rows it applies to."""
    checks: list[GateCheck] = []
    for threshold in thresholds:
        scoped = [r for r in rows if threshold.applies_to(r)]
        value = summarize(scoped)[threshold.metric] if scoped else None
        checks.append(GateCheck(threshold, value, len(scoped)))
    return checks
