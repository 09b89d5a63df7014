"""Request and response bodies of the HTTP API, named for what they carry."""

from __future__ import annotations

import re
import sys
import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from assistant.models import (
    _INVISIBLE_EXTRA,
    Answer,
    AnswerKind,
    AnswerPart,
    ChatTurn,
    Quote,
    replace_lone_surrogates,
)

MODEL_ID = "assistant"
MAX_HISTORY_TURNS = 50
MAX_QUESTION_CHARS = 2000  # the default of ASSISTANT_MAX_QUESTION_CHARS


# -- what a question may hold, as JSON Schema patterns and as the check that enforces them ----
def _escape(code: int) -> str:
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _ranges(codes: list[int]) -> str:
    """A regex character-class body for the sorted code points ``codes``."""
    out, start = [], None
    for i, code in enumerate(codes):
        if start is None:
            start = code
        if i + 1 == len(codes) or codes[i + 1] != code + 1:
            out.append(_escape(start) if start == code
                       else f"{_escape(start)}-{_escape(code)}")
            start = None
    return "".join(out)


def _invisible_codes() -> list[int]:
    """What ``assistant.models.is_blank`` counts as nothing to see (lone surrogates aside:
    they become U+FFFD)."""
    return [c for c in range(sys.maxunicode + 1)
            if not 0xD800 <= c <= 0xDFFF
            and (chr(c).isspace() or chr(c) in _INVISIBLE_EXTRA
                 or unicodedata.category(chr(c)) in ("Cf", "Cc", "Mn"))]


# control characters other than tab and line breaks: never part of typed text
CONTROL_CLASS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
INVISIBLE_CLASS = _ranges(_invisible_codes())
_CONTROL = re.compile(f"[{CONTROL_CLASS}]")
_VISIBLE = re.compile(f"[^{INVISIBLE_CLASS}]")
NO_CONTROL_PATTERN = f"^[^{CONTROL_CLASS}]*$"
# no control character, and at least one character a person can see
QUESTION_PATTERN = f"^[^{CONTROL_CLASS}]*[^{INVISIBLE_CLASS}][^{CONTROL_CLASS}]*$"


def has_control(text: str) -> bool:
    return _CONTROL.search(text) is not None


def is_question_text(text: str) -> bool:
    """``text`` matches QUESTION_PATTERN (checked without the pattern's backtracking)."""
    return not has_control(text) and _VISIBLE.search(text) is not None


def _no_control(value: str | None) -> str | None:
    if value is not None and has_control(value):
        raise ValueError("contains a control character (text only, please)")
    return value


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

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"question": "What is Herceptin used for?", "history": []},
        {"question": "and how long is it given?",
         "history": [{"role": "user", "content": "What is Herceptin used for?"}]},
    ]})

    question: str = Field(
        description="what the person typed: some visible text, no control characters (tab "
        f"and line breaks aside), at most {MAX_QUESTION_CHARS} characters (the operator's "
        "ASSISTANT_MAX_QUESTION_CHARS; a longer message is read only for an emergency)",
        json_schema_extra={"pattern": QUESTION_PATTERN, "maxLength": MAX_QUESTION_CHARS})
    history: list[ChatTurn] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS,
                                    description="earlier turns, oldest first")

    @field_validator("question")
    @classmethod
    def _typed_text(cls, question: str) -> str:
        if has_control(question):
            raise ValueError("contains a control character (text only, please)")
        if not is_question_text(question):
            raise ValueError("Please type a question")
        return question


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


# -- /api/v1/feedback --------------------------------------------------------------------
MAX_COMMENT_CHARS = 2000  # as assistant.feedback.MAX_COMMENT_CHARS
RATINGS = {"up": 1, "down": -1}


class FeedbackRequest(BaseModel):
    """A rating of one answer (by its `id`), with an optional comment. Rating the same answer
    again replaces the rating; a comment left out keeps an earlier one."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"answer_id": "3f2b9c0e8d7a4b5c9e1f0a2b3c4d5e6f", "rating": "up"},
        {"answer_id": "3f2b9c0e8d7a4b5c9e1f0a2b3c4d5e6f", "rating": "down",
         "comment": "It did not say how long the treatment lasts."},
    ]})

    answer_id: str = Field(pattern="^[0-9a-f]{32}$",
                           description="the `id` of the answer rated (from /api/v1/ask)")
    rating: Literal["up", "down"] = Field(description="helpful (`up`) or not (`down`)")
    comment: str | None = Field(
        None, max_length=MAX_COMMENT_CHARS,
        description=f"optional, at most {MAX_COMMENT_CHARS} characters, no control characters "
        "(tab and line breaks aside); stored as written, never who wrote it",
        json_schema_extra={"pattern": NO_CONTROL_PATTERN})

    @field_validator("comment")
    @classmethod
    def _typed_text(cls, comment: str | None) -> str | None:
        _no_control(comment)
        return replace_lone_surrogates(comment) if comment is not None else None


class FeedbackResponse(BaseModel):
    """The rating as stored."""

    answer_id: str
    rating: Literal["up", "down"]
    comment_stored: bool = Field(description="a comment came with this rating and was stored")


# -- /v1/chat/completions (OpenAI-compatible) -----------------------------------------
class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    type: str
    text: str | None = Field(None, json_schema_extra={"pattern": NO_CONTROL_PATTERN})

    _typed_text = field_validator("text")(_no_control)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = Field(
        None, json_schema_extra={"pattern": NO_CONTROL_PATTERN})

    @field_validator("content")
    @classmethod
    def _typed_text(cls, content: Any) -> Any:
        if isinstance(content, str):
            _no_control(content)
        return content

    def text(self) -> str:
        """The message's text; non-text parts (images, audio) are ignored."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(p.text for p in self.content if p.type == "text" and p.text)


# a message that carries the question (JSON Schema for "some user message has visible text")
QUESTION_MESSAGE: dict[str, Any] = {
    "type": "object", "required": ["role", "content"],
    "properties": {"role": {"const": "user"}, "content": {"anyOf": [
        {"type": "string", "pattern": QUESTION_PATTERN},
        {"type": "array", "contains": {
            "type": "object", "required": ["type", "text"],
            "properties": {"type": {"const": "text"},
                           "text": {"type": "string", "pattern": QUESTION_PATTERN}}}}]}}}
NO_ITEMS: dict[str, Any] = {"anyOf": [{"type": "array", "maxItems": 0}, {"type": "null"}]}


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    include_usage: bool = Field(False, description="send a last chunk with `usage`")


class ChatCompletionRequest(BaseModel):
    """OpenAI chat-completions request; sampling options (temperature, top_p, ...) are
    accepted and ignored (the answers are extractive and deterministic). What cannot be
    honoured gets a 400: `n` other than 1, `tools` or `functions`."""

    # strict: no 0 for false nor "1" for 1, as the schema says
    model_config = ConfigDict(extra="allow", strict=True, json_schema_extra={"examples": [
        {"model": MODEL_ID, "stream": False,
         "messages": [{"role": "user", "content": "What is Herceptin used for?"}]},
    ]})

    model: str = Field(MODEL_ID, description=f'always "{MODEL_ID}"')
    messages: list[ChatMessage] = Field(
        min_length=1, max_length=MAX_HISTORY_TURNS + 10,
        description='the question is the last "user" message with some visible text; earlier '
        "user and assistant messages are the history, other messages are ignored",
        json_schema_extra={"contains": QUESTION_MESSAGE})
    stream: bool = False
    stream_options: StreamOptions | None = None
    # n and tools are read as any int / list so that what cannot be honoured gets a 400 that
    # says why; the schema says what can be honoured
    n: int | None = Field(None, description="only 1 (one answer per question)",
                          json_schema_extra={"anyOf": [{"const": 1}, {"type": "null"}]})
    tools: list[Any] | None = Field(None, description="not supported: the assistant calls no "
                                    "tools (an empty list is accepted)",
                                    json_schema_extra=NO_ITEMS)
    functions: list[Any] | None = Field(None, description="not supported (as `tools`)",
                                        json_schema_extra=NO_ITEMS)


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
