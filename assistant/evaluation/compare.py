"""Rows whose reply changed against an earlier run's results.jsonl (``assistant eval --compare``).

A change shows what else it moved: each row present in both runs whose reply differs (its kind,
the passages it quotes, or the parts it answers) is listed with its verdict before and after,
fixed rows (failed, now pass) and broken rows (passed, now fail) first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class CompareFileError(ValueError):
    """The results to compare with are missing or unreadable."""


@dataclass(frozen=True)
class Change:
    """One row whose reply changed."""

    id: str
    question: str
    before_kind: str
    after_kind: str
    before_passed: bool
    after_passed: bool
    quotes_added: list[str]
    quotes_removed: list[str]

    @property
    def status(self) -> str:
        if self.before_passed == self.after_passed:
            return "changed"
        return "fixed" if self.after_passed else "broken"


def load_results(path: Path) -> dict[str, dict[str, Any]]:
    """The rows of a results.jsonl (or of the one in a folder), by id."""
    file = path / "results.jsonl" if path.is_dir() else path
    try:
        lines = file.read_text("utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line.strip()]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CompareFileError(f"cannot read results to compare with ({file}): {exc}") from exc
    if not all(isinstance(r, dict) and "id" in r for r in rows):
        raise CompareFileError(f"{file} is not a results.jsonl of assistant eval")
    return {str(r["id"]): r for r in rows}


def _reply(row: Mapping[str, Any]) -> tuple[str, list[str], list[tuple[str, str]]]:
    answer = row.get("answer") or {}
    kind = answer.get("kind") or ("error" if row.get("error") else "none")
    quotes = [q.get("text", "") for q in answer.get("quotes") or []]
    parts = [(p.get("question", ""), p.get("kind", "")) for p in answer.get("parts") or []]
    return kind, quotes, parts


def compare(after: Iterable[Mapping[str, Any]], before: Mapping[str, Mapping[str, Any]]
            ) -> list[Change]:
    """The rows of ``after`` whose reply differs from the same id in ``before``, fixed and
    broken rows first."""
    changes = []
    for row in after:
        old = before.get(str(row["id"]))
        if old is None:
            continue
        (kind_a, quotes_a, parts_a), (kind_b, quotes_b, parts_b) = _reply(row), _reply(old)
        parts_differ = bool(parts_b) and parts_a != parts_b  # old runs had no parts
        if kind_a == kind_b and quotes_a == quotes_b and not parts_differ:
            continue
        changes.append(Change(
            str(row["id"]), str(row.get("question", "")), kind_b, kind_a,
            bool((old.get("verdict") or {}).get("passed")),
            bool((row.get("verdict") or {}).get("passed")),
            [q for q in quotes_a if q not in quotes_b], [q for q in quotes_b if q not in quotes_a]))
    order = {"broken": 0, "fixed": 1, "changed": 2}
    return sorted(changes, key=lambda c: (order[c.status], c.id))


def render_markdown(changes: list[Change], reference: str) -> str:
    """compare.md: a count per status, then every changed row."""
    counts = {s: sum(c.status == s for c in changes) for s in ("broken", "fixed", "changed")}
    lines = [f"# Replies changed against {reference}", "",
             f"{len(changes)} rows changed: {counts['broken']} broken (passed, now fail), "
             f"{counts['fixed']} fixed (failed, now pass), {counts['changed']} with the same "
             "verdict.", ""]
    for c in changes:
        lines.append(f"## {c.status}: {c.id}")
        lines.append("")
        lines.append(f"- question: {c.question}")
        lines.append(f"- kind: {c.before_kind} -> {c.after_kind}; passed: {c.before_passed} -> "
                     f"{c.after_passed}")
        lines += [f"- quote added: {q[:200]}" for q in c.quotes_added]
        lines += [f"- quote removed: {q[:200]}" for q in c.quotes_removed]
        lines.append("")
    return "\n".join(lines)
