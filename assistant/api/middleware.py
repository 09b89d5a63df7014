"""ASGI middleware: the request body limit (413) and structured JSON access logs.

The access log (logger ``assistant.access``) has one JSON object per request: method, path,
status, duration, client, key fingerprint and, for questions, the answer's kind, the number
of quotes and the question's length. The question text itself is logged only when the
operator sets ``ASSISTANT_STORE_QUESTION_TEXT=true``. Keys and headers are never logged.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.errors import error_response
from assistant.models import Answer

access_log = logging.getLogger("assistant.access")
_BODY_METHODS = {"POST", "PUT", "PATCH"}


class BodyLimitMiddleware:
    """Refuse request bodies above ``max_bytes`` with 413, whether or not they declare a
    Content-Length (chunked bodies are counted as they arrive)."""

    def __init__(self, app: ASGIApp, max_bytes: int, prefixes: Iterable[str]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.prefixes = tuple(prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] not in _BODY_METHODS
                or not scope["path"].startswith(self.prefixes)):
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(413, f"The request body is larger than the "
                                  f"{self.max_bytes} bytes this server accepts.", "body_too_large")
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


class AccessLogMiddleware:
    """One JSON line per HTTP request on the ``assistant.access`` logger; adds X-Request-ID."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = uuid.uuid4().hex[:16]
        state = scope.setdefault("state", {})
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"],
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                record: dict[str, Any] = {
                    "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "client": scope["client"][0] if scope.get("client") else None,
                    "key_id": state.get("key_id"),
                    "pid": os.getpid(),  # which worker, when several share a Chroma server
                }
                record.update(state.get("access", {}))
                access_log.info(json.dumps(record, ensure_ascii=False))


def note_answer(request: Request, answer: Answer, history_turns: int, face: str) -> None:
    """Record what the access log may say about an answered question, and keep the answer for
    a rating that may follow."""
    recent = getattr(request.app.state, "recent_answers", None)
    if recent is not None:
        recent.remember(answer)
    fields: dict[str, Any] = {
        "face": face,
        "answer_id": answer.id,
        "kind": answer.kind,
        "quotes": len(answer.quotes),
        "language": answer.language,
        "question_chars": len(answer.question),
        "history_turns": history_turns,
    }
    if request.app.state.settings.store_question_text:
        fields["question"] = answer.question
    request.state.access = fields


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def configure_access_log() -> None:
    """Print access-log lines (already JSON) to stderr when nothing else handles them."""
    if access_log.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False
