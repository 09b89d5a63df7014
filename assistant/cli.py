"""The ``assistant`` command: ask, index (and the faces' own commands below). No gradio here."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

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


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in quotes. Use - to read stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
) -> None:
    """Answer one question with quotes from the page."""
    from assistant.chain import Assistant

    if question == "-":
        question = sys.stdin.read()
    try:
        assistant = Assistant(_settings())
        assistant.warm_up(on_status=_status)
        answer = assistant.ask(question)
    except AssistantError as exc:
        _fail(str(exc), 2)
    if as_json:
        typer.echo(json.dumps(answer.model_dump(), ensure_ascii=False, indent=2))
    else:
        typer.echo(answer.text)


@app.command()
def index(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild even if up to date.")] = False,
) -> None:
    """Build the index (only when missing or stale, unless --rebuild)."""
    from assistant.embeddings import load_embeddings
    from assistant.index import build_index

    settings = _settings()
    try:
        manifest = build_index(settings, load_embeddings(), rebuild=rebuild, on_status=_status)
    except AssistantError as exc:
        _fail(str(exc), 2)
    where = settings.chroma_url or Path(settings.index_dir)
    typer.echo(f"Index ready in {where}: {manifest.chunks} chunks, {manifest.units} units "
               f"(corpus {manifest.corpus_hash}, chunking v{manifest.chunking_version}).")

