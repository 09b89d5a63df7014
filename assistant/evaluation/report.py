"""The evaluation report: Markdown, and one self-contained HTML page (charts inline as base64
PNG, no script, no external link) that opens offline."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from typing import Any

from assistant.evaluation.charts import latency_chart, pass_rate_chart
from assistant.evaluation.dataset import BEHAVIORS, CATEGORIES
from assistant.evaluation.metrics import RETRIEVAL_K, RowResult

# (summary key, label, format): "pct" rate, "int" count, "ms", "chars", "ratio" (0-1, 3 digits)
METRICS: list[tuple[str, str, str]] = [
    ("n", "Questions", "int"),
    ("pass_rate", "Pass rate (every check)", "pct"),
    ("behaviour_accuracy", "Behaviour accuracy", "pct"),
    ("quote_hit", "Quote hit (rows with must_quote_any)", "pct"),
    ("answer_quote_hit", "Quote hit, answerable rows", "pct"),
    ("key_fact_recall", "Key-fact recall", "pct"),
    ("must_not_say_violations", "must_not_say violations (rows)", "int"),
    ("citation_validity", "Citation validity (quotes)", "pct"),
    ("healthcare_line_rate", "Healthcare-team line", "pct"),
    ("over_refusal_rate", "Over-refusal (answerable rows refused)", "pct"),
    ("recall_at_1", "Retrieval recall@1 (section)", "pct"),
    (f"recall_at_{RETRIEVAL_K}", f"Retrieval recall@{RETRIEVAL_K} (section)", "pct"),
    (f"mrr_at_{RETRIEVAL_K}", f"Retrieval MRR@{RETRIEVAL_K} (section)", "ratio"),
    ("mean_quoted_chars", "Mean quoted characters per answer", "chars"),
    ("multi_part_answers", "Answers in several parts", "int"),
    ("parts_resolved_rate", "Several parts: every part answered or declared not covered", "pct"),
    ("multi_part_key_fact_recall", "Several parts: key-fact recall", "pct"),
    ("mean_quoted_chars_per_part", "Mean quoted characters per answered part", "chars"),
    ("latency_p50_ms", "Latency p50", "ms"),
    ("latency_p95_ms", "Latency p95", "ms"),
    ("errors", "Errors", "int"),
]
GROUP_COLUMNS: list[tuple[str, str]] = [
    ("pass_rate", "pass"), ("behaviour_accuracy", "behaviour"), ("quote_hit", "quote hit"),
    ("key_fact_recall", "key facts"),
]
ANSWER_EXCERPT = 600


def fmt(value: Any, kind: str = "pct") -> str:
    """A figure as the reports show it ('—' when not measured)."""
    if value is None:
        return "—"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "ms":
        return f"{value:.0f} ms"
    if kind == "ratio":
        return f"{value:.3f}"
    return f"{value:.0f}" if kind == "chars" else str(int(value))


def _ordered(names: Sequence[str], reference: Sequence[str]) -> list[str]:
    return [n for n in reference if n in names] + [n for n in names if n not in reference]


class ReportData:
    """What both report formats show, worked out once from the summary."""

    def __init__(self, summary: dict[str, Any], rows: Sequence[RowResult],
                 baseline_rows: Sequence[RowResult] | None) -> None:
        self.summary = summary
        self.meta = summary["meta"]
        self.rows = rows
        self.baseline_rows = baseline_rows
        self.systems = ["assistant"] + (["baseline"] if summary.get("baseline") else [])
        self.splits = _ordered(list(summary["assistant"]["by_split"]), ["dev", "held-out"])
        self.categories = _ordered(list(summary["assistant"]["by_category"]), CATEGORIES)
        self.behaviors = _ordered(list(summary["assistant"]["by_behavior"]), BEHAVIORS)

    def overall_columns(self) -> list[tuple[str, dict[str, Any]]]:
        """(heading, summary) per system, overall then per split."""
        columns = []
        for system in self.systems:
            s = self.summary[system]
            columns.append((f"{system} (all)", s["overall"]))
            if len(self.splits) > 1:
                columns += [(f"{system} ({split})", s["by_split"][split]) for split in self.splits]
        return columns

    def group_table(self, split: str, grouping: str, names: Sequence[str]
                    ) -> tuple[list[str], list[list[str]]]:
        """Headings and rows: per group (then overall), n and each column for each system.

        ``split`` "*" means all splits; ``grouping`` is "category" or "behavior".
        """
        headings = [grouping, "n"] + [f"{label} ({system})" for _, label in GROUP_COLUMNS
                                      for system in self.systems]
        table = []
        for name in [*names, "overall"]:
            per_system = {system: self._group(system, split, grouping, name)
                          for system in self.systems}
            first = per_system["assistant"]
            if first is None:
                continue
            cells = [name, str(first["n"])]
            for key, _ in GROUP_COLUMNS:
                cells += [fmt((per_system[system] or {}).get(key)) for system in self.systems]
            table.append(cells)
        return headings, table

    def _group(self, system: str, split: str, grouping: str, name: str) -> dict[str, Any] | None:
        s = self.summary[system]
        if name == "overall":
            return s["overall"] if split == "*" else s["by_split"].get(split)
        if split == "*":
            return s[f"by_{grouping}"].get(name)
        if grouping == "category":
            return s["by_split_category"].get(split, {}).get(name)
        raise ValueError(f"no per-split figures by {grouping}")

    def charts(self) -> dict[str, bytes]:
        per_split_cat: dict[str, dict[str, Any]] = {}
        per_split_beh: dict[str, dict[str, Any]] = {}
        for split in self.splits:
            per_split_cat[split], per_split_beh[split] = {}, {}
            for system in self.systems:
                s = self.summary[system]
                per_split_cat[split][system] = s["by_split_category"][split]
                split_rows = [r for r in self._rows(system) if r.question.split == split]
                per_split_beh[split][system] = _behaviour_summaries(split_rows)
        latencies = {system: [r.latency_ms for r in self._rows(system)]
                     for system in self.systems}
        return {
            "Pass rate per category": pass_rate_chart("Pass rate per category",
                                                      per_split_cat, self.categories),
            "Pass rate per expected behaviour": pass_rate_chart(
                "Pass rate per expected behaviour", per_split_beh, self.behaviors),
            "Latency distribution": latency_chart(latencies),
        }

    def _rows(self, system: str) -> Sequence[RowResult]:
        return self.rows if system == "assistant" else (self.baseline_rows or [])

    def failures(self, system: str) -> list[RowResult]:
        return [r for r in self._rows(system) if not r.verdict.passed]


def _behaviour_summaries(rows: Sequence[RowResult]) -> dict[str, Any]:
    from assistant.evaluation.metrics import by_behavior, group_by, summarize

    return {k: summarize(v) for k, v in group_by(rows, by_behavior).items()}


def _md_table(headings: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"

    return "\n".join([line(headings), line(["---"] * len(headings)), *map(line, rows)])


def _meta_lines(meta: dict[str, Any]) -> list[str]:
    lines = [f"- Question files: {', '.join(meta['files'])}",
             f"- Split: {meta.get('split') or 'all splits'}; questions: {meta['questions']}",
             f"- Baseline: {meta.get('baseline') or 'none'}",
             f"- Run at {meta['started']} in {meta['duration_s']:.0f} s"]
    if meta.get("gate"):
        gate = meta["gate"]
        lines.append(f"- Gate ({gate['file']}): {'PASS' if gate['passed'] else 'FAIL'}")
    return lines


def render_markdown(data: ReportData) -> str:
    """The report as Markdown."""
    out = ["# Evaluation report", "", *_meta_lines(data.meta), "", "## Overall", ""]
    columns = data.overall_columns()
    out.append(_md_table(["metric", *[h for h, _ in columns]],
                         [[label, *[fmt(s.get(key), kind) for _, s in columns]]
                          for key, label, kind in METRICS]))
    gate = data.meta.get("gate")
    if gate:
        out += ["", "## Gate", "", *[f"- {c}" for c in gate["checks_text"]]]
    for split in data.splits:
        out += ["", f"## Per category — split {split}", ""]
        out.append(_md_table(*data.group_table(split, "category", data.categories)))
    out += ["", "## Per expected behaviour (all splits)", ""]
    out.append(_md_table(*data.group_table("*", "behavior", data.behaviors)))
    for system in data.systems:
        failures = data.failures(system)
        out += ["", f"## Failures — {system} ({len(failures)})", ""]
        if system != "assistant":
            out.append("Listed in report.html and results.jsonl.")
            continue
        for r in failures:
            out += [f"- **{r.question.id}** ({r.question.category}, {r.question.split}, "
                    f"expected `{r.question.expected_behavior}`, got `{r.kind}`): "
                    f"{r.question.question}",
                    *[f"  - {reason}" for reason in r.verdict.reasons]]
    return "\n".join(out) + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:1150px;color:#1d2733;line-height:1.45;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d8dee4}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #d8dee4;padding:.25rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f3f6f8}
tr.overall td{font-weight:600;background:#f9fafb}
img{max-width:100%;border:1px solid #e5e8eb;margin:.5rem 0}
.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}
.failure{border-left:3px solid #cf222e;padding:.2rem .8rem;margin:.8rem 0;background:#fff8f8}
.failure pre{white-space:pre-wrap;font-size:.8rem;background:#f6f8fa;padding:.5rem}
.muted{color:#57606a;font-size:.85rem}
"""


def _html_table(headings: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headings)
    body = []
    for cells in rows:
        cls = ' class="overall"' if cells and cells[0] == "overall" else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _html_failure(r: RowResult) -> str:
    q = r.question
    text = r.answer.text if r.answer is not None else (r.error or "")
    if len(text) > ANSWER_EXCERPT:
        text = text[:ANSWER_EXCERPT] + " …"
    history = "".join(f"<div class=muted>{html.escape(t['role'])}: {html.escape(t['content'])}"
                      "</div>" for t in q.history)
    reasons = "".join(f"<li>{html.escape(reason)}</li>" for reason in r.verdict.reasons)
    return (f"<div class=failure><b>{html.escape(q.id)}</b> <span class=muted>"
            f"{html.escape(q.category)} · {html.escape(q.split)} · expected "
            f"{html.escape(q.expected_behavior)} · got {html.escape(r.kind)} · "
            f"{r.latency_ms:.0f} ms</span>{history}<div>{html.escape(q.question)}</div>"
            f"<ul>{reasons}</ul><pre>{html.escape(text)}</pre></div>")


def render_html(data: ReportData) -> str:
    """The report as one self-contained HTML page."""
    parts = ["<!doctype html><html lang=en><head><meta charset=utf-8>",
             "<meta name=viewport content='width=device-width, initial-scale=1'>",
             "<title>Evaluation report</title>", f"<style>{_CSS}</style></head><body>",
             "<h1>Evaluation report</h1><ul>"]
    parts += [f"<li>{html.escape(line[2:])}</li>" for line in _meta_lines(data.meta)]
    parts.append("</ul><h2>Overall</h2>")
    columns = data.overall_columns()
    parts.append(_html_table(["metric", *[h for h, _ in columns]],
                             [[label, *[fmt(s.get(key), kind) for _, s in columns]]
                              for key, label, kind in METRICS]))
    gate = data.meta.get("gate")
    if gate:
        parts.append("<h2>Gate</h2><ul>")
        for check in gate["checks_text"]:
            status, _, rest = check.partition("  ")  # GateCheck.describe(): "STATUS  rest"
            cls = "pass" if status in ("PASS", "TARGET MET") else "fail"
            parts.append(f"<li><span class={cls}>{html.escape(status)}</span> "
                         f"{html.escape(rest)}</li>")
        parts.append("</ul>")
    parts.append("<h2>Charts</h2>")
    for title, png in data.charts().items():
        encoded = base64.b64encode(png).decode("ascii")
        parts.append(f"<img alt='{html.escape(title)}' src=\"data:image/png;base64,{encoded}\">")
    for split in data.splits:
        parts.append(f"<h2>Per category — split {html.escape(split)}</h2>")
        parts.append(_html_table(*data.group_table(split, "category", data.categories)))
    parts.append("<h2>Per expected behaviour (all splits)</h2>")
    parts.append(_html_table(*data.group_table("*", "behavior", data.behaviors)))
    for system in data.systems:
        failures = data.failures(system)
        body = "".join(_html_failure(r) for r in failures) or "<p>None.</p>"
        if system == "assistant":
            parts.append(f"<h2>Failures — {system} ({len(failures)})</h2>{body}")
        else:
            parts.append(f"<h2>Failures — {system} ({len(failures)})</h2>"
                         f"<details><summary>show</summary>{body}</details>")
    parts.append("</body></html>")
    return "\n".join(parts)
