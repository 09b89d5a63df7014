"""Typed objects passed between stages: Quote and Answer (the public contract), ChatTurn."""

from __future__ import annotations

import re
import unicodedata
import uuid
from typing import Literal

from pydantic import BaseModel, Field, field_validator

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# shown as nothing: format characters (zero-width space, joiners, BOM, soft hyphen), the
# combining grapheme joiner, and the fillers and blanks that fonts draw empty
_INVISIBLE_EXTRA = frozenset("\u034f\u115f\u1160\u2800\u3164\uffa0")


def replace_lone_surrogates(text: str) -> str:
    """``text`` with each lone UTF-16 surrogate (not valid text; JSON can carry one) replaced
    by U+FFFD, so text-handling libraries written in other languages accept it."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def is_blank(text: str) -> bool:
    """Nothing a person could see: only spaces and invisible characters."""
    return all(c.isspace() or c in _INVISIBLE_EXTRA
               or unicodedata.category(c) in ("Cf", "Cc", "Mn") for c in text)


AnswerKind = Literal["answer", "not_in_document", "out_of_scope", "personal_advice", "emergency"]


class Quote(BaseModel):
    """A verbatim span of a corpus document: ``document.text[start:end] == text``."""

    text: str
    source: str = Field(description="document id")
    title: str
    section: str = Field(description="section path, e.g. 'Hormonal therapy > ...'")
    url: str
    start: int
    end: int

    @property
    def citation(self) -> str:
        """Human-readable citation: title > section."""
        if not self.section or self.section == self.title:
            return self.title
        return f"{self.title} > {self.section}"


class ChatTurn(BaseModel):
    """One message of the conversation history."""

    role: Literal["user", "assistant"]
    content: str

    @field_validator("content")
    @classmethod
    def _valid_text(cls, content: str) -> str:
        return replace_lone_surrogates(content)


class AnswerPart(BaseModel):
    """One part of what a message asks: answered by some of the Answer's quotes (indexes into
    ``Answer.quotes``), or declared not covered by the page (``topic`` names what)."""

    question: str
    kind: Literal["answer", "not_in_document"]
    quotes: list[int] = Field(default_factory=list)
    topic: str | None = None


def new_answer_id() -> str:
    """A fresh answer id: 32 hex digits (uuid4), unique across processes and machines."""
    return uuid.uuid4().hex


class Answer(BaseModel):
    """What every face renders. See DESIGN.md, 'The Answer (JSON form)'.

    ``id`` names this one reply (feedback refers to it); two answers to the same question
    have the same content and different ids.
    """

    id: str = Field(default_factory=new_answer_id, pattern="^[0-9a-f]{32}$",
                    description="this reply's id (uuid4 hex): what feedback refers to")
    kind: AnswerKind
    text: str
    quotes: list[Quote] = Field(default_factory=list)
    question: str
    standalone_question: str
    language: str = "en"
    parts: list[AnswerPart] = Field(default_factory=list,
                                    description="one entry per part the message asks")
