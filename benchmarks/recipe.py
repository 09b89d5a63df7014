"""The tutorial recipe (``assistant.evaluation.baseline.NaiveBaseline``: 1,000-character
chunks, in-memory Chroma, top-1) run the way the tutorial runs it, for the benchmarks:

- ``python -m benchmarks.recipe "question"``: one process, start to answer (cold start);
- ``uvicorn benchmarks.recipe:create_app --factory``: ``POST /api/v1/ask`` under FastAPI, the
  same request and Answer as the assistant's API (for the HTTP load).

Both read the corpus and the embedding model as the assistant's settings say (environment).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import BaseModel, Field

from assistant.evaluation.baseline import NaiveBaseline


class AskRequest(BaseModel):
    """The body of ``POST /api/v1/ask``, as the assistant's API takes it."""

    question: str
    history: list[dict[str, Any]] = Field(default_factory=list)


def load_recipe() -> NaiveBaseline:
    """The recipe over the configured corpus, with the assistant's own embeddings, built."""
    from assistant.corpus import load_corpus
    from assistant.embeddings import embeddings_for, set_offline_env
    from assistant.settings import load_settings

    set_offline_env()
    settings = load_settings()
    recipe = NaiveBaseline({d.id: d for d in load_corpus(settings.corpus_dir)},
                           embeddings_for(settings))
    recipe.warm_up()
    return recipe


def create_app() -> Any:
    """FastAPI app: ``POST /api/v1/ask`` with ``{"question", "history"}``, the Answer back."""
    from fastapi import FastAPI

    recipe = load_recipe()
    app = FastAPI(title="tutorial recipe")

    @app.post("/api/v1/ask")
    def ask(body: AskRequest) -> dict[str, Any]:
        return recipe.ask(body.question, body.history).model_dump()

    return app


if __name__ == "__main__":
    print(json.dumps(load_recipe().ask(" ".join(sys.argv[1:])).model_dump(), ensure_ascii=False))
