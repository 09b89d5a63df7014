"""``POST /api/v1/ask``: a question (and history) in, the Answer out."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Request

from assistant.api.deps import AssistantDep, require_api_key
from assistant.api.middleware import note_answer
from assistant.api.schemas import AskRequest, AskResponse, error_responses

# every status the route can answer besides 200: bad JSON, keys, wrong method, body cap,
# invalid input, limits (requests or wrong keys), the index unavailable
ERRORS = error_responses(400, 401, 405, 413, 422, 429, 503)


def ask_routes(rate_limit: Callable) -> APIRouter:
    """The ask route, limited by ``rate_limit`` (a slowapi ``Limiter.limit(...)``)."""
    router = APIRouter(prefix="/api/v1", tags=["ask"], dependencies=[Depends(require_api_key)])

    @router.post("/ask", response_model=AskResponse, responses=ERRORS)
    @rate_limit
    def ask(body: AskRequest, request: Request,
            assistant: AssistantDep) -> AskResponse:
        """Answer one question with verbatim, cited quotes from the page.

        `kind` tells what sort of reply it is (`answer`, `not_in_document`, `out_of_scope`,
        `personal_advice`, `emergency`); `text` is the Markdown to show; `quotes` are the
        verbatim passages with their citations.
        """
        answer = assistant.ask(body.question, body.history)
        note_answer(request, answer, len(body.history), "api")
        return AskResponse.from_answer(answer)

    return router
