"""``POST /api/v1/feedback``: a thumbs up or down (and an optional comment) on an answer, by its
id. The chat UI, this route and the widget (which calls it) write to one store."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Request

from assistant.api.deps import FeedbackDep, require_api_key
from assistant.api.schemas import RATINGS, FeedbackRequest, FeedbackResponse, error_responses

# bad JSON, keys, wrong method, body cap, invalid body, limits, the store unavailable
ERRORS = error_responses(400, 401, 405, 413, 422, 429, 503)


def feedback_routes(rate_limit: Callable) -> APIRouter:
    """The feedback route, limited by ``rate_limit`` (the ask route's budget)."""
    router = APIRouter(prefix="/api/v1", tags=["feedback"],
                       dependencies=[Depends(require_api_key)])

    @router.post("/feedback", response_model=FeedbackResponse, responses=ERRORS)
    @rate_limit
    def feedback(body: FeedbackRequest, request: Request, store: FeedbackDep) -> FeedbackResponse:
        """Rate an answer: `answer_id` is the `id` of a reply of `/api/v1/ask` (or of
        `chatcmpl-<id>`), `rating` is `up` or `down`, `comment` is optional.

        Nothing about the person is stored; the question only when the operator opts in.
        503 (`feedback_unavailable`, with Retry-After) when the store cannot be reached.
        """
        answer = request.app.state.recent_answers.get(body.answer_id)
        store.save(body.answer_id, RATINGS[body.rating], body.comment, answer)
        comment = body.comment is not None and bool(body.comment.strip())
        request.state.access = {"face": "feedback", "answer_id": body.answer_id,
                                "rating": body.rating, "answer_known": answer is not None,
                                "comment_chars": len(body.comment or "")}
        return FeedbackResponse(answer_id=body.answer_id, rating=body.rating,
                                comment_stored=comment)

    return router
