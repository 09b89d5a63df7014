"""OpenAI-compatible ``/v1/chat/completions`` and ``/v1/models``, so existing chat front ends
and the official ``openai`` client can talk to the assistant.

The last message is the question, earlier user/assistant messages are the history; system
messages are ignored (a caller cannot change the assistant's rules). The quotes travel in an
extra ``quotes`` field (and the Answer's ``kind`` in ``kind``, its ``parts`` in ``parts``): on
the message when not streaming, on the last chunk's delta when streaming.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from assistant.api.deps import AssistantDep, require_api_key
from assistant.api.errors import ApiError
from assistant.api.middleware import note_answer
from assistant.api.schemas import (
    MODEL_ID,
    AskResponse,
    ChatCompletion,
    ChatCompletionChoice,
    ChatCompletionMessage,
    ChatCompletionRequest,
    ChatMessage,
    ModelCard,
    ModelList,
    Usage,
    error_responses,
    is_question_text,
)
from assistant.models import ChatTurn

# every status a chat can answer besides 200 (as /api/v1/ask's, and 404 for an unknown model)
ERRORS = error_responses(400, 401, 404, 405, 413, 422, 429, 503)
READ_ERRORS = error_responses(401, 405, 429)  # the model list: keys, wrong method, limits
_PIECE = re.compile(r"[^\n]*\n*")
_WORD = re.compile(r"\S+")


def count_words(text: str) -> int:
    """What ``usage`` counts: words (runs of non-space characters), not model tokens."""
    return len(_WORD.findall(text))


def usage_of(messages: list[ChatMessage], reply_text: str) -> Usage:
    prompt = sum(count_words(m.text()) for m in messages)
    completion = count_words(reply_text)
    return Usage(prompt_tokens=prompt, completion_tokens=completion,
                 total_tokens=prompt + completion)


def refuse_unsupported(body: ChatCompletionRequest) -> None:
    """400 for what the assistant cannot honour, rather than silently ignoring it."""
    if body.n is not None and body.n != 1:
        raise ApiError(400, f"n={body.n} is not supported: the assistant gives one answer per "
                       "question (send n=1 or leave it out).", "unsupported_parameter")
    if body.tools or body.functions:
        raise ApiError(400, "tools and functions are not supported: the assistant answers "
                       "only by quoting its page.", "unsupported_parameter")


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[ChatTurn]]:
    """(question, history) from an OpenAI message list: the question is the last user message
    with some visible text; the user and assistant messages before it are the history, the
    messages after it (an assistant's draft, a tool's result) are ignored."""
    last = next((i for i in range(len(messages) - 1, -1, -1) if messages[i].role == "user"
                 and is_question_text(messages[i].text())), None)
    if last is None:
        raise ApiError(422, 'Invalid request: please type a question (no message with role '
                       '"user" has any visible text).', "no_question")
    history = [ChatTurn(role=m.role, content=m.text()) for m in messages[:last]
               if m.role in ("user", "assistant") and m.text().strip()]
    return messages[last].text(), history


def text_pieces(text: str) -> list[str]:
    """The reply cut into lines (with their line breaks) for streaming; joined, they are
    exactly ``text``."""
    return [p for p in _PIECE.findall(text) if p]


def _chunk(completion_id: str, created: int, delta: dict, finish: str | None) -> str:
    body = {"id": completion_id, "object": "chat.completion.chunk", "created": created,
            "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def stream_events(reply: AskResponse, completion_id: str, created: int,
                  usage: Usage | None = None) -> Iterator[str]:
    """Server-sent events: the role, the text line by line, then the quotes, then (when
    asked for with ``stream_options.include_usage``) a chunk with ``usage`` and no choices,
    then [DONE]."""
    yield _chunk(completion_id, created, {"role": "assistant", "content": ""}, None)
    for piece in text_pieces(reply.text):
        yield _chunk(completion_id, created, {"content": piece}, None)
    final = {"kind": reply.kind, "quotes": [q.model_dump() for q in reply.quotes],
             "parts": [p.model_dump() for p in reply.parts]}
    yield _chunk(completion_id, created, final, "stop")
    if usage is not None:
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created,
                "model": MODEL_ID, "choices": [], "usage": usage.model_dump()}
        yield f"data: {json.dumps(body, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"


def openai_routes(rate_limit: Callable) -> APIRouter:
    """The OpenAI-compatible routes, chat limited by ``rate_limit``."""
    router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"],
                       dependencies=[Depends(require_api_key)])

    @router.get("/models", response_model=ModelList, responses=READ_ERRORS)
    def list_models() -> ModelList:
        """The one model this server offers: `assistant`."""
        return ModelList(data=[ModelCard()])

    @router.get("/models/{model_id}", response_model=ModelCard,
                responses={**READ_ERRORS, **error_responses(404)})
    def get_model(model_id: str) -> ModelCard:
        """Details of a model (only `assistant` exists)."""
        if model_id != MODEL_ID:
            raise ApiError(404, f"The model '{model_id}' does not exist; this server offers "
                           f"'{MODEL_ID}'.", "model_not_found")
        return ModelCard()

    @router.post("/chat/completions", response_model=ChatCompletion, responses={
        **ERRORS, 200: {"content": {"text/event-stream": {}}, "description":
                        "A chat.completion, or server-sent chunks when `stream` is true"}})
    @rate_limit
    def chat_completions(body: ChatCompletionRequest, request: Request,
                         assistant: AssistantDep) -> ChatCompletion | StreamingResponse:
        """Chat completion in the OpenAI format; `stream: true` sends server-sent events
        ending with `data: [DONE]`. Quotes are in the extra field `quotes`."""
        if body.model != MODEL_ID:
            raise ApiError(404, f"The model '{body.model}' does not exist; this server offers "
                           f"'{MODEL_ID}'.", "model_not_found")
        refuse_unsupported(body)
        question, history = split_messages(body.messages)
        answer = assistant.ask(question, history)
        note_answer(request, answer, len(history), "openai")
        reply = AskResponse.from_answer(answer)
        completion_id = f"chatcmpl-{answer.id}"  # the answer's id: feedback refers to it
        created = int(time.time())
        usage = usage_of(body.messages, reply.text)
        if body.stream:
            include = body.stream_options is not None and body.stream_options.include_usage
            return StreamingResponse(
                stream_events(reply, completion_id, created, usage if include else None),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        message = ChatCompletionMessage(content=reply.text, kind=reply.kind, quotes=reply.quotes,
                                        parts=reply.parts)
        return ChatCompletion(id=completion_id, created=created,
                              choices=[ChatCompletionChoice(message=message)], usage=usage)

    return router
