"""ASGI middleware that closes the side doors around the routes.

* ``MethodMiddleware``: HEAD works wherever GET does; a method a route does not have gets 405
  (with ``Allow``) in the API's error shape, even though the UI mounted at ``/`` would
  otherwise answer every unknown request with its own 404; TRACE and CONNECT get 405
  everywhere.
* ``UiGateMiddleware``: with API keys set, the chat UI and its ``/gradio_api`` answer only a
  caller with a valid key or on this machine, unless the operator opened it
  (``ASSISTANT_UI_PUBLIC``); its question calls count against the rate limit; uploads are
  switched off (the chat takes none, and Gradio's reply names a server path).
* ``SecurityHeadersMiddleware``: ``X-Content-Type-Options: nosniff`` on every response,
  ``Cache-Control: no-store`` on the API's replies, and the UI's framing policy
  (``Content-Security-Policy: frame-ancestors`` and ``X-Frame-Options``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from limits.errors import StorageError
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.errors import ApiError, error_response, rate_limit_unavailable
from assistant.api.security import check_api_key, client_host, is_loopback, rate_limit_key

# paths the FastAPI app serves itself; everything else is the UI's
OWN_PREFIXES = ("/api/", "/v1/", "/healthz", "/readyz", "/docs", "/openapi.json", "/widget.js",
                "/portal-example.")
API_PREFIXES = ("/api/", "/v1/")
UPLOAD_PATHS = ("/gradio_api/upload", "/upload")
# the UI's calls that answer a question (the queue, and the REST-style call API)
UI_QUESTION_PREFIXES = ("/gradio_api/queue/join", "/gradio_api/call/", "/gradio_api/run/",
                        "/gradio_api/api/")
NEVER_ALLOWED = {"TRACE", "CONNECT"}


def is_ui_path(path: str) -> bool:
    return not path.startswith(OWN_PREFIXES)


class MethodMiddleware:
    """HEAD as GET without the body; 405 for a method a route does not have."""

    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute]) -> None:
        self.app = app
        self.routes = routes  # read at request time: routes added later count too

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        head = method == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        allowed = self._allowed(scope)
        if method in NEVER_ALLOWED or allowed is not None:
            allow = ", ".join(sorted(allowed or {"GET", "HEAD"}))
            response = error_response(405, f"{method} is not allowed on {scope['path']}"
                                      f"{f' (allowed: {allow})' if allowed else ''}.",
                                      "method_not_allowed", {"Allow": allow})
            await response(scope, receive, _without_body(send) if head else send)
            return
        await self.app(scope, receive, _without_body(send) if head else send)

    def _allowed(self, scope: Scope) -> set[str] | None:
        """The methods of the route whose path matches when its method does not; ``None``
        when a route matches fully, or none does (the catch-alls and the UI answer then)."""
        partial: set[str] | None = None
        for route in _flat(self.routes):
            if isinstance(route, Mount) or getattr(route, "name", "") == "not_found":
                continue
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return None
            if match == Match.PARTIAL:  # a path may have a route per method: all count
                methods = set(getattr(route, "methods", None) or ())
                partial = (partial or set()) | methods | ({"HEAD"} if "GET" in methods
                                                         else set())
        return partial


def _flat(routes: Iterable[Any]) -> Iterator[BaseRoute]:
    """The routes, those of included routers among them (newer FastAPI versions keep an
    included router whole, as one entry, instead of copying its routes in)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _flat(inner.routes)
        else:
            yield route


def _without_body(send: Send) -> Send:
    """A ``send`` that keeps the headers (Content-Length included) and drops the body."""

    async def send_head(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    return send_head


class UiGateMiddleware:
    """Who may use the chat UI, how often it may be asked, and no uploads."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_ui_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        request = Request(scope, receive)
        try:
            if path.startswith(UPLOAD_PATHS):
                raise ApiError(403, "Uploads are switched off: the chat takes typed questions "
                               "only.", "uploads_disabled")
            self._check_access(request)
            if scope["method"] == "POST" and path.startswith(UI_QUESTION_PREFIXES):
                self._count(request)
        except (ApiError, StorageError) as exc:
            # the limits' store (Redis) down is a 503, not a crash
            error = exc if isinstance(exc, ApiError) else rate_limit_unavailable()
            await error.response()(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _check_access(request: Request) -> None:
        state = request.app.state
        if not state.api_keys or state.settings.ui_public or is_loopback(client_host(request)):
            return
        check_api_key(request)  # 401 (or 429 after too many wrong keys)

    @staticmethod
    def _count(request: Request) -> None:
        from limits import parse_many

        limiter = request.app.state.limiter
        who = rate_limit_key(request)
        for item in parse_many(request.app.state.settings.rate_limit):
            if not limiter.limiter.hit(item, "ui", who):
                raise ApiError(429, f"Too many questions (limit: {item}). Please wait a "
                               "moment and try again.", "rate_limited",
                               {"Retry-After": str(item.get_expiry())})


class SecurityHeadersMiddleware:
    """nosniff everywhere, no-store on API replies, the UI's framing policy."""

    def __init__(self, app: ASGIApp, frame_ancestors: str) -> None:
        self.app = app
        self.frame_ancestors = " ".join(frame_ancestors.split()) or "'self'"
        self.frame_options = {"'self'": "SAMEORIGIN", "'none'": "DENY"}.get(
            self.frame_ancestors)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        api, ui = path.startswith(API_PREFIXES), is_ui_path(path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                if api:
                    headers["Cache-Control"] = "no-store"
                if ui:
                    self._frame_policy(headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _frame_policy(self, headers: Any) -> None:
        ancestors = f"frame-ancestors {self.frame_ancestors}"
        csp = headers.get("Content-Security-Policy")
        if csp is None:
            headers["Content-Security-Policy"] = ancestors
        elif "frame-ancestors" not in csp:
            headers["Content-Security-Policy"] = f"{csp.rstrip('; ')}; {ancestors}"
        if self.frame_options is not None:
            headers["X-Frame-Options"] = self.frame_options
