"""Run a question set through the Assistant (and optionally the baseline) and write the
results, summary, reports and exports into one folder.

Example:
    >>> from assistant import Assistant                                   # doctest: +SKIP
    >>> qs = load_question_set([Path("evals/questions.jsonl")], Path("corpus"))
    >>> run = run_evaluation(qs, Assistant(), Path("evals/out"))
    >>> run.summary["assistant"]["overall"]["pass_rate"]
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.corpus import Document
from assistant.errors import AssistantError
from assistant.evaluation.dataset import Question, load_question_set, select_split
from assistant.evaluation.export import FORMATS as EXPORT_FORMATS
from assistant.evaluation.export import write_export
from assistant.evaluation.gate import GateCheck, Threshold, check_gate, load_gate
from assistant.evaluation.metrics import (
    RETRIEVAL_K,
    RowResult,
    error_verdict,
    full_summary,
    judge,
)
from assistant.evaluation.report import METRICS, ReportData, fmt, render_html, render_markdown
from assistant.models import Answer
from assistant.settings import Settings, load_settings


class AnsweringSystem(Protocol):
    """What the runner needs: the Assistant, or the baseline."""

    def ask(self, question: str, history: Sequence[Any] | None = None) -> Answer: ...


@dataclass
class EvalRun:
    """Everything one evaluation produced."""

    out_dir: Path
    rows: list[RowResult]
    baseline_rows: list[RowResult] | None
    summary: dict[str, Any]
    gate_checks: list[GateCheck] | None = None
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def gate_passed(self) -> bool | None:
        if self.gate_checks is None:
            return None
        return all(c.passed for c in self.gate_checks if c.threshold.blocking)


def answer_all(system: AnsweringSystem, questions: Sequence[Question],
               documents: Mapping[str, Document], *, label: str,
               console: Console | None = None, show_progress: bool = True) -> list[RowResult]:
    """Ask every question (timed), judge the answer, and rank sections for retrieval metrics."""
    rows: list[RowResult] = []
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("{task.fields[current]}"),
                        console=console or Console(stderr=True), disable=not show_progress)
    with progress:
        task = progress.add_task(label, total=len(questions), current="")
        for q in questions:
            progress.update(task, current=q.id)
            history = q.history_list()
            started = time.perf_counter()
            try:
                answer: Answer | None = system.ask(q.question, history=history)
                error = None
            except AssistantError as exc:
                answer, error = None, str(exc)
            latency_ms = (time.perf_counter() - started) * 1000
            verdict = (judge(q, answer, documents) if answer is not None
                       else error_verdict(error or "no answer"))
            rows.append(RowResult(q, answer, verdict, latency_ms,
                                  _ranked_sections(system, q, answer), error))
            progress.advance(task)
    return rows


def _ranked_sections(system: Any, q: Question, answer: Answer | None) -> list[str]:
    if not q.section:
        return []
    retrieve = getattr(system, "retrieve", None)
    if retrieve is not None:
        try:
            return list(retrieve(q.question, history=q.history_list(), k=RETRIEVAL_K))
        except AssistantError:
            return []
    # No retrieve(): the sections the answer quoted, in order.
    sections: list[str] = []
    for quote in answer.quotes if answer is not None else []:
        if quote.section not in sections:
            sections.append(quote.section)
    return sections


def result_json(row: RowResult) -> dict[str, Any]:
    """The JSON of one system's outcome on one question."""
    # no answer id: it differs on every run, and results.jsonl stays deterministic
    answer = row.answer.model_dump(exclude={"id"}) if row.answer is not None else None
    return {"answer": answer,
            "error": row.error, "verdict": row.verdict.to_json(),
            "latency_ms": round(row.latency_ms, 1), "retrieved": row.retrieved}


def results_rows(rows: Sequence[RowResult], baseline_rows: Sequence[RowResult] | None
                 ) -> list[dict[str, Any]]:
    """The rows of results.jsonl: the question, then the assistant's outcome, then the
    baseline's under ``baseline``."""
    out = []
    for i, row in enumerate(rows):
        q = row.question
        record: dict[str, Any] = {"id": q.id, "question": q.question, "category": q.category,
                                  "expected_behavior": q.expected_behavior, "split": q.split,
                                  "section": q.section}
        if q.history:
            record["history"] = q.history_list()
        record.update(result_json(row))
        if baseline_rows is not None:
            record["baseline"] = result_json(baseline_rows[i])
        out.append(record)
    return out


def run_evaluation(questions: Sequence[Question], assistant: AnsweringSystem, out_dir: Path, *,
                   baseline: AnsweringSystem | None = None,
                   meta: Mapping[str, Any] | None = None,
                   thresholds: Sequence[Threshold] | None = None, gate_file: str | None = None,
                   export: str | None = None, console: Console | None = None,
                   show_progress: bool = True) -> EvalRun:
    """Run the questions, then write results.jsonl, summary.json, report.md, report.html
    (and ragas.jsonl with ``export="ragas"``) into ``out_dir``.

    Args:
        questions: validated rows (see ``dataset.load_question_set``).
        assistant: a warmed-up Assistant; its ``documents`` check the citations.
        out_dir: created if missing; files in it are overwritten.
        baseline: run on the same questions and shown beside the assistant.
        meta: extra facts for the report header (files, split).
        thresholds: the gate; its outcome goes into the summary and reports.
        gate_file: where the thresholds came from (for the report).
        export: an export format of ``export.FORMATS``.
    """
    if export is not None and export not in EXPORT_FORMATS:  # fail before running anything
        raise ValueError(f"unknown export format {export!r} (known: {', '.join(EXPORT_FORMATS)})")
    started = datetime.now(UTC)
    clock = time.perf_counter()
    documents: Mapping[str, Document] = assistant.documents  # type: ignore[attr-defined]
    rows = answer_all(assistant, questions, documents, label="assistant", console=console,
                      show_progress=show_progress)
    baseline_rows = None
    if baseline is not None:
        baseline_rows = answer_all(baseline, questions, documents,
                                   label=f"baseline ({getattr(baseline, 'name', '?')})",
                                   console=console, show_progress=show_progress)
    info = {"files": [], "split": None, "questions": len(questions),
            "baseline": getattr(baseline, "name", None) if baseline is not None else None,
            "retrieval_k": RETRIEVAL_K, "documents": sorted(documents),
            **(meta or {}),
            "started": started.isoformat(timespec="seconds"),
            "duration_s": round(time.perf_counter() - clock, 1)}
    run = EvalRun(out_dir, rows, baseline_rows, {})
    if thresholds is not None:
        run.gate_checks = check_gate(thresholds, rows)
        info["gate"] = {"file": gate_file or "(given)", "passed": run.gate_passed,
                        "checks": [c.to_json() for c in run.gate_checks],
                        "checks_text": [c.describe() for c in run.gate_checks]}
    run.summary = {"meta": info, "assistant": full_summary(rows),
                   "baseline": full_summary(baseline_rows) if baseline_rows else None}
    _write_all(run, export)
    return run


def evaluate(files: Sequence[Path], out_dir: Path, *, settings: Settings | None = None,
             assistant: Any = None, split: str | None = None, baseline: str | None = None,
             export: str | None = None, gate_file: Path | None = None,
             console: Console | None = None, show_progress: bool = True,
             on_status: Callable[[str], None] | None = None) -> EvalRun:
    """Validate the question files (nothing runs if any line is bad), then run them through a
    new Assistant (or the one given) and the named baseline, and write every output file.

    Raises:
        QuestionFileError: a question file is missing or malformed (every problem listed).
        GateFileError: the gate file is missing or malformed.
        AssistantError: settings, corpus or index problems.
        ValueError: an unknown baseline or export format.
    """
    from assistant.evaluation.baseline import BASELINES, make_baseline

    if baseline is not None and baseline not in BASELINES:
        raise ValueError(f"unknown baseline {baseline!r} (known: {', '.join(BASELINES)})")
    if export is not None and export not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {export!r} (known: {', '.join(EXPORT_FORMATS)})")
    if settings is None:
        settings = assistant.settings if assistant is not None else load_settings()
    thresholds = load_gate(gate_file) if gate_file is not None else None
    questions = select_split(load_question_set(list(files), settings.corpus_dir, on_status),
                             split)
    if assistant is None:
        from assistant.chain import Assistant

        assistant = Assistant(settings)
    assistant.warm_up(on_status=on_status)
    system = (make_baseline(baseline, assistant.documents, assistant.embeddings)
              if baseline is not None else None)
    try:
        return run_evaluation(questions, assistant, out_dir, baseline=system,
                              meta={"files": [str(f) for f in files], "split": split},
                              thresholds=thresholds,
                              gate_file=str(gate_file) if gate_file is not None else None,
                              export=export, console=console, show_progress=show_progress)
    finally:
        if system is not None:
            system.close()


def _write_all(run: EvalRun, export: str | None) -> None:
    out = run.out_dir
    out.mkdir(parents=True, exist_ok=True)
    results = out / "results.jsonl"
    with results.open("w", encoding="utf-8") as handle:
        for record in results_rows(run.rows, run.baseline_rows):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    summary = out / "summary.json"
    summary.write_text(json.dumps(run.summary, ensure_ascii=False, indent=2) + "\n",
                       encoding="utf-8")
    data = ReportData(run.summary, run.rows, run.baseline_rows)
    markdown, page = out / "report.md", out / "report.html"
    markdown.write_text(render_markdown(data), encoding="utf-8")
    page.write_text(render_html(data), encoding="utf-8")
    run.files = {"results": results, "summary": summary, "markdown": markdown, "html": page}
    if export is not None:
        run.files[export] = write_export(export, run.rows, out / f"{export}.jsonl")
        if run.baseline_rows is not None:
            run.files[f"{export}_baseline"] = write_export(export, run.baseline_rows,
                                                           out / f"{export}_baseline.jsonl")


def print_summary(run: EvalRun, console: Console) -> None:
    """The terminal view: per category and split, then the headline figures."""
    summary = run.summary
    systems = ["assistant"] + (["baseline"] if summary.get("baseline") else [])
    data = ReportData(summary, run.rows, run.baseline_rows)
    table = Table(title="Pass rate per category and split (behaviour accuracy in brackets)")
    table.add_column("category")
    for split in data.splits:
        table.add_column(f"n\n{split}", justify="right")
        for system in systems:
            table.add_column(f"{system}\n{split}", justify="right")
    for name in [*data.categories, "overall"]:
        cells = [name]
        for split in data.splits:
            groups = [(summary[system]["by_split"].get(split) if name == "overall"
                       else summary[system]["by_split_category"].get(split, {}).get(name))
                      for system in systems]
            cells.append(str(groups[0]["n"]) if groups[0] else "")
            cells += [f"{_pct(g['pass_rate'])} ({_pct(g['behaviour_accuracy'])})" if g else ""
                      for g in groups]
        table.add_row(*cells, style="bold" if name == "overall" else None)
    console.print(table)
    headline = Table(title="Headline figures (all rows)")
    headline.add_column("metric")
    for system in systems:
        headline.add_column(system, justify="right")
    for key, label, kind in METRICS:
        headline.add_row(label, *[fmt(summary[s]["overall"].get(key), kind) for s in systems])
    console.print(headline)
    for name, path in run.files.items():
        console.print(f"{name}: {path}")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"
