"""Request and response bodies of the HTTP API, named for what they carry."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from assistant.models import Answer, AnswerKind, AnswerPart, ChatTurn, Quote

MODEL_ID = "assistant"
MAX_HISTORY_TURNS = 50


class ErrorDetail(BaseModel):
    type: str = Field(description="invalid_request_error, authentication_error, ...")
    message: str = Field(description="what went wrong, in words a person can act on")
    code: str = Field(description="a stable, machine-readable name for the error")


class ErrorResponse(BaseModel):
    """Every error of the API has this shape (the one OpenAI clients already read)."""

    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the error statuses of a route."""
    return {status: {"model": ErrorResponse} for status in statuses}


# -- /api/v1/ask -----------------------------------------------------------------------
class AskRequest(BaseModel):
    """A question and, for follow-ups, the conversation so far (oldest first)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "What is Herceptin used for?", "history": []},
        {"question": "and how long is it given?",
         "history": [{"role": "user", "content": "What is Herceptin used for?"}]},
    ]})

    question: str = Field(description="what the person typed")
    history: list[ChatTurn] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS,
                                    description="earlier turns, oldest first")


class CitedQuote(Quote):
    """A verbatim quote with its ready-made citation ("title > section")."""

    @computed_field(description="title > section, ready to show")  # type: ignore[prop-decorator]
    @property
    def citation(self) -> str:
        return Quote.citation.fget(self)  # type: ignore[attr-defined]


class AskResponse(Answer):
    """The Answer (see DESIGN.md), each quote with its citation."""

    quotes: list[CitedQuote] = Field(default_factory=list)  # type: ignore[assignment]

    @classmethod
    def from_answer(cls, answer: Answer) -> AskResponse:
        data = answer.model_dump()
        data["quotes"] = [CitedQuote(**q.model_dump()) for q in answer.quotes]
        return cls(**data)


# -- /v1/chat/completions (OpenAI-compatible) -----------------------------------------
class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        """The message's text; non-text parts (images, audio) are ignored."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(p.text for p in self.content if p.type == "text" and p.text)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = Field(False, description="send a last chunk with `usage`")


class ChatCompletionRequest(BaseModel):
    """OpenAI chat-completions request; sampling options (temperature, top_p, ...) are
    accepted and ignored (the answers are extractive and deterministic). What cannot be
    honoured gets a 400: `n` other than 1, `tools` or `functions`."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"model": MODEL_ID, "stream": False,
         "messages": [{"role": "user", "content": "What is Herceptin used for?"}]},
    ]})

    model: str = Field(MODEL_ID, description=f'always "{MODEL_ID}"')
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_HISTORY_TURNS + 10)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int | None = Field(None, description="only 1 (one answer per question)")
    tools: list[Any] | None = Field(None, description="not supported: the assistant calls no "
                                    "tools (an empty list is accepted)")
    functions: list[Any] | None = Field(None, description="not supported (as `tools`)")


class Usage(BaseModel):
    """Sizes counted in words (runs of non-space characters), not model tokens: the
    assistant quotes rather than generates, so there is no model tokenizer to count with."""

    prompt_tokens: int = Field(description="words in the messages' text")
    completion_tokens: int = Field(description="words in the reply's text")
    total_tokens: int


class ChatCompletionMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    kind: AnswerKind = Field(description="extra field: the Answer's kind")
    quotes: list[CitedQuote] = Field(description="extra field: the verbatim quotes")
    parts: list[AnswerPart] = Field(default_factory=list,
                                    description="extra field: the parts the message asks")


class ChatCompletionChoice(BaseModel):
    index: int = 0
    message: ChatCompletionMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL_ID
    choices: list[ChatCompletionChoice]
    usage: Usage


class ModelCard(BaseModel):
    id: str = MODEL_ID
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "stage4-bc-assistant"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


# -- health ----------------------------------------------------------------------------
class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    reason: str | None = None
    detail: dict[str, Any] | None = None
