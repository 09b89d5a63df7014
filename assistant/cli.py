"""The ``assistant`` command: ask, index (and the faces' own commands below). No gradio here."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.errors import AssistantError

app = typer.Typer(help="Answers questions about treatments for stage 4 breast cancer with "
                       "verbatim, cited quotes from the Canadian Cancer Society page.",
                  no_args_is_help=True, pretty_exceptions_enable=False)


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def _status(message: str) -> None:
    typer.echo(message, err=True)


def _settings():  # noqa: ANN202
    from assistant.settings import load_settings

    try:
        return load_settings()
    except AssistantError as exc:
        _fail(str(exc), 2)


def _with_assistant(question: str, call: Any) -> Any:
    """``call(assistant, question)`` on a loaded assistant ("-" reads the question from stdin);
    a bad question or setting exits with its message, never a traceback."""
    from assistant.chain import Assistant

    if question == "-":
        question = sys.stdin.read()
    try:
        assistant = Assistant(_settings())
        assistant.warm_up(on_status=_status)
        return call(assistant, question)
    except AssistantError as exc:
        _fail(str(exc), 2)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in quotes. Use - to read stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
) -> None:
    """Answer one question with quotes from the page."""
    answer = _with_assistant(question, lambda assistant, q: assistant.ask(q))
    if as_json:
        typer.echo(json.dumps(answer.model_dump(), ensure_ascii=False, indent=2))
    else:
        typer.echo(answer.text)


@app.command()
def explain(
    question: Annotated[str, typer.Argument(help="Your question, in quotes. Use - to read stdin.")],
) -> None:
    """Show which rule of assistant/data/policy.yaml decides the kind of reply to a question,
    and the facts it took to get there."""
    from assistant.policy import Facts

    found = _with_assistant(question, lambda assistant, q: assistant.explain(q))
    typer.echo(f"rule: {found['rule']}")
    for name, value in found.get("facts", {}).items():
        typer.echo(f"  {'yes' if value else 'no ':3}  {name}: {Facts.NAMES[name]}")
    if found.get("emergencies"):
        typer.echo(f"  emergencies: {', '.join(found['emergencies'])}")


@app.command()
def index(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild even if up to date.")] = False,
) -> None:
    """Build the index (only when missing or stale, unless --rebuild)."""
    from assistant.embeddings import embeddings_for
    from assistant.index import build_index

    settings = _settings()
    try:
        manifest = build_index(settings, embeddings_for(settings, _status), rebuild=rebuild,
                               on_status=_status)
    except AssistantError as exc:
        _fail(str(exc), 2)
    where = settings.chroma_url or Path(settings.index_dir)
    typer.echo(f"Index ready in {where}: {manifest.chunks} chunks, {manifest.units} units "
               f"(corpus {manifest.corpus_hash}, chunking v{manifest.chunking_version}).")



# -- eval (owned by assistant/evaluation) --
@app.command("eval")
def eval_command(
    files: Annotated[list[Path] | None, typer.Argument(
        help="Question files (JSONL). Default: evals/questions.jsonl.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for results and reports.")] = Path(
        "evals/out"),
    split: Annotated[str | None, typer.Option("--split", help="Only this split: dev, held-out "
                                              "(or all, for files without splits).")] = None,
    baseline: Annotated[str | None, typer.Option(
        "--baseline", help="Also run a baseline beside the assistant: naive.")] = None,
    export: Annotated[str | None, typer.Option(
        "--export", help="Also write an export for LLM judges: ragas.")] = None,
    gate: Annotated[bool, typer.Option(
        "--gate", help="Exit 1 when a threshold of the gate file fails.")] = False,
    gate_file: Annotated[Path, typer.Option("--gate-file", help="Thresholds for --gate.")] = Path(
        "evals/gate.json"),
    compare_with: Annotated[Path | None, typer.Option(
        "--compare", help="An earlier run's results.jsonl (or its folder, e.g. one made on "
        "another commit): list the rows whose reply changed, into compare.md.")] = None,
) -> None:
    """Run a question set through the assistant and write results, reports and charts."""
    from rich.console import Console

    from assistant.evaluation.baseline import BASELINES
    from assistant.evaluation.export import FORMATS
    from assistant.evaluation.runner import evaluate, print_summary

    if baseline is not None and baseline not in BASELINES:
        _fail(f"unknown baseline {baseline!r} (known: {', '.join(BASELINES)})", 2)
    if export is not None and export not in FORMATS:
        _fail(f"unknown export format {export!r} (known: {', '.join(FORMATS)})", 2)
    console = Console(width=None if sys.stdout.isatty() else 120)
    from assistant.evaluation.compare import CompareFileError, load_results

    try:
        before = load_results(compare_with) if compare_with is not None else None
    except CompareFileError as exc:
        _fail(str(exc), 2)
    try:
        run = evaluate(files or [Path("evals/questions.jsonl")], out, settings=_settings(),
                       split=split, baseline=baseline, export=export,
                       gate_file=gate_file if gate else None,
                       console=Console(stderr=True), on_status=_status)
    except AssistantError as exc:
        _fail(str(exc), 2)
    print_summary(run, console)
    if before is not None and compare_with is not None:
        _print_changes(run, before, compare_with, console)
    if run.gate_checks is not None:
        for check in run.gate_checks:
            typer.echo(check.describe())
        if not run.gate_passed:
            failed = sum(not c.passed for c in run.gate_checks if c.threshold.blocking)
            _fail(f"quality gate failed: {failed} of {len(run.gate_checks)} thresholds "
                  f"({gate_file})", 1)
        typer.echo(f"Quality gate passed ({gate_file}).")


def _print_changes(run: Any, before: dict[str, Any], reference: Path, console: Any) -> None:
    from assistant.evaluation.compare import compare, render_markdown

    after = [json.loads(line) for line in run.files["results"].read_text("utf-8").splitlines()]
    changes = compare(after, before)
    path = run.out_dir / "compare.md"
    path.write_text(render_markdown(changes, str(reference)), encoding="utf-8")
    for change in changes:
        console.print(f"{change.status:8} {change.id:24} {change.before_kind} -> "
                      f"{change.after_kind}  {change.question[:60]}", markup=False,
                      highlight=False)
    counts = {s: sum(c.status == s for c in changes) for s in ("broken", "fixed", "changed")}
    console.print(f"{len(changes)} replies changed against {reference}: {counts['broken']} "
                  f"broken, {counts['fixed']} fixed, {counts['changed']} same verdict "
                  f"(listed in {path})", markup=False, highlight=False)


# -- bench (owned by benchmarks/, which lives beside the package in the project folder) --
@app.command()
def bench(
    quick: Annotated[bool, typer.Option("--quick", help="A small, fast run (a minute or two)."
                                        )] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Folder for bench.json and bench.png. Default: benchmarks/results.")
    ] = None,
    questions: Annotated[Path | None, typer.Option(
        "--questions", help="Question file (JSONL). Default: evals/questions.jsonl.")] = None,
) -> None:
    """Measure latency, HTTP load, cold start, memory and corpus growth beside the tutorial
    recipe (see benchmarks/README.md)."""
    from assistant.settings import PROJECT_ROOT

    if not (PROJECT_ROOT / "benchmarks" / "run.py").exists():
        _fail(f"the benchmarks/ folder is not beside the package in {PROJECT_ROOT}", 2)
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    from benchmarks.load import BenchmarkError
    from benchmarks.run import run_bench, summary_lines

    questions = questions if questions is not None else PROJECT_ROOT / "evals/questions.jsonl"
    out = out if out is not None else PROJECT_ROOT / "benchmarks" / "results"
    if not questions.is_file():
        _fail(f"no question file {questions}", 2)
    try:
        report = run_bench(_settings(), out, questions, quick=quick, on_status=_status)
    except (BenchmarkError, AssistantError) as exc:
        _fail(str(exc), 1)
    for line in summary_lines(report):
        typer.echo(line)
    typer.echo(f"Wrote {out / 'bench.json'} and {out / 'bench.png'}.")


# -- feedback (owned by assistant/feedback.py) --
feedback_app = typer.Typer(help="Feedback stored by the web UI, the API and the widget.",
                           no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or jsonl.")] = "csv",
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="File to write. Default: standard output.")] = None,
) -> None:
    """Write every stored rating (with its answer and quotes) as CSV or JSONL."""
    from assistant.errors import FeedbackUnavailableError
    from assistant.feedback import FeedbackStore

    if fmt not in ("csv", "jsonl"):
        _fail(f"unknown format {fmt!r} (known: csv, jsonl)", 2)
    settings = _settings()
    store = FeedbackStore(settings.feedback_db, settings.store_question_text,
                          settings.feedback_timeout_s)
    try:
        count = store.export(out if out is not None else sys.stdout, fmt=fmt)  # type: ignore[arg-type]
    except FeedbackUnavailableError as exc:
        _fail(f"{exc} ({exc.detail})", 1)
    finally:
        store.close()
    _status(f"Exported {count} rating(s) from {store.name}"
            + (f" to {out}." if out is not None else "."))


# -- serve (owned by assistant/api) --
@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on "
                                             "(default: ASSISTANT_HOST, else 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: ASSISTANT_PORT, else 7860).")
                    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes; more than 1 needs "
                                         "ASSISTANT_CHROMA_URL (a shared Chroma server).")] = 1,
) -> None:
    """Start the web app: the UI at /, the HTTP API, the widget (one port)."""
    import os

    import uvicorn

    from assistant.embeddings import set_offline_env
    from assistant.settings import PROJECT_ROOT

    settings = _settings()
    if workers > 1 and not settings.chroma_url:
        _fail("--workers above 1 needs a Chroma server shared by the workers: start one with "
              "`chroma run --path DIR --port 8000`, set ASSISTANT_CHROMA_URL="
              "http://127.0.0.1:8000 and run `assistant index` (see docs/portal.md).", 2)
    host = host if host is not None else settings.host
    port = port if port is not None else settings.port
    if not settings.api_keys and host not in ("127.0.0.1", "localhost", "::1"):
        _status(f"Note: listening on {host} without ASSISTANT_API_KEYS: the API answers only "
                "callers on this machine (the UI and the widget's page are open to all).")
    set_offline_env()
    # the factory runs in each worker; settings come from the environment there too
    os.environ["ASSISTANT_HOST"], os.environ["ASSISTANT_PORT"] = host, str(port)
    _status(f"Serving on http://{host}:{port} ({workers} worker{'s' * (workers > 1)}); "
            "the assistant loads in the background, /readyz says when it can answer.")
    uvicorn.run("assistant.api.app:create_app_from_env", factory=True, host=host, port=port,
                workers=workers, access_log=False, app_dir=str(PROJECT_ROOT),
                timeout_graceful_shutdown=10)
