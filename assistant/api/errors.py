"""Every error leaves the API as ``{"error": {"type", "message"}}`` with the right status,
never as a traceback. The core's errors are turned into HTTP here, and only here."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from limits.errors import StorageError
from slowapi.errors import RateLimitExceeded
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.errors import (
    AssistantError,
    FeedbackUnavailableError,
    IndexUnavailableError,
    InvalidQuestionError,
)

log = logging.getLogger("assistant.api")
access_log = logging.getLogger("assistant.access")
RETRY_AFTER_S = 5  # what a 503 tells the caller
RATE_LIMIT_UNAVAILABLE = ("The assistant cannot check its request limits right now. Please "
                          "try again in a moment.")

_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
          404: "not_found_error", 405: "invalid_request_error", 413: "invalid_request_error",
          422: "invalid_request_error", 429: "rate_limit_error", 503: "service_unavailable"}


class ApiError(Exception):
    """An error the caller can act on; raised by routes and dependencies."""

    def __init__(self, status: int, message: str, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers

    def response(self) -> JSONResponse:
        return error_response(self.status, self.message, self.code, self.headers)


# the code of an error raised without one (every error body has a code)
_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 413: "body_too_large", 415: "unsupported_media_type",
          422: "invalid_request", 429: "rate_limited", 500: "internal", 503: "not_ready"}


def error_response(status: int, message: str, code: str | None = None,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    code = code if code is not None else _CODES.get(status, f"http_{status}")
    body = {"error": {"type": _TYPES.get(status, "api_error"), "message": message, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def describe_validation(exc: RequestValidationError) -> tuple[int, str]:
    """(status, message) for a request that failed parsing or validation. The input values
    are never echoed back: they may hold the person's question."""
    errors = exc.errors()
    for err in errors:
        if err.get("type") == "json_invalid":
            where = err.get("ctx", {}).get("error", "")
            return 400, f"The request body is not valid JSON ({where})." if where else \
                "The request body is not valid JSON."
    problems = []
    for err in errors[:5]:
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        field = ".".join(loc) or "body"
        problems.append(f"{field}: {err.get('msg', 'invalid')}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return 422, "Invalid request: " + "; ".join(problems) + more + "."


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the same JSON shape."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, message = describe_validation(exc)
        return error_response(status, message,
                              "invalid_json" if status == 400 else "invalid_request")

    @app.exception_handler(InvalidQuestionError)
    async def _bad_question(request: Request, exc: InvalidQuestionError) -> JSONResponse:
        return error_response(422, str(exc), "invalid_question")

    @app.exception_handler(AssistantError)
    async def _unavailable(request: Request, exc: AssistantError) -> JSONResponse:
        # one line per failed request: the access log's, when it is on (this one otherwise);
        # the person reads no server path or address, the operator's detail goes to the log
        note_failure(request, getattr(exc, "detail", None) or str(exc))
        if isinstance(exc, IndexUnavailableError):
            message, code = str(exc), "index_unavailable"
        elif isinstance(exc, FeedbackUnavailableError):
            message, code = str(exc), "feedback_unavailable"
        else:
            message, code = ("The assistant is not available right now; the site's operator "
                             "can find the reason in the server log."), "not_ready"
        return error_response(503, message, code, {"Retry-After": str(RETRY_AFTER_S)})

    @app.exception_handler(RateLimitExceeded)
    async def _too_many(request: Request, exc: RateLimitExceeded) -> JSONResponse:
        retry = _retry_after(request)
        return error_response(429, f"Too many requests (limit: {exc.detail}). Please wait "
                              f"{retry} s and try again.", "rate_limited",
                              {"Retry-After": str(retry)})

    @app.exception_handler(StorageError)
    async def _limits_unavailable(request: Request, exc: StorageError) -> JSONResponse:
        note_failure(request, f"rate-limit storage: {storage_reason(exc)}")
        return rate_limit_unavailable().response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 404:
            message = f"Nothing here: {request.url.path}"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}."
        return error_response(exc.status_code, message, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "The assistant hit an unexpected problem. Please try again; "
                              "if it keeps happening, tell the site's operator.", "internal")


def note_failure(request: Request, detail: str) -> None:
    """One line per failed request for the operator: the access log's, when it is on (this
    logger's otherwise). The person reads no server path or address."""
    access = getattr(request.state, "access", None) or {}
    request.state.access = {**access, "error": detail}
    if not access_log.isEnabledFor(logging.INFO):
        log.warning("unavailable on %s: %s", request.url.path, detail)


def rate_limit_unavailable() -> ApiError:
    """The 503 for a request whose limits cannot be counted (Redis down or too slow)."""
    return ApiError(503, RATE_LIMIT_UNAVAILABLE, "rate_limit_unavailable",
                    {"Retry-After": str(RETRY_AFTER_S)})


def storage_reason(exc: StorageError) -> str:
    inner = exc.storage_error
    return f"{type(inner).__name__}: {inner}"


def _retry_after(request: Request) -> int:
    """Seconds until the window that was hit frees a slot (at least 1)."""
    limiter = getattr(request.app.state, "limiter", None)
    current = getattr(request.state, "view_rate_limit", None)
    if limiter is None or current is None:
        return 60
    try:
        reset_at, _remaining = limiter.limiter.get_window_stats(current[0], *current[1])
    except Exception:  # noqa: BLE001 - storage trouble must not turn a 429 into a 500
        return 60
    return max(1, math.ceil(reset_at - time.time()))
