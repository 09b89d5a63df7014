"""The one FastAPI app: the Gradio UI at ``/``, the REST and OpenAI-compatible API, health
checks, the embeddable widget, and the operator controls around them.

>>> app = create_app(Assistant(load_settings()))          # doctest: +SKIP
>>> uvicorn.run(app, host="127.0.0.1", port=7860)          # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse
from fastapi_offline import FastAPIOffline
from slowapi import Limiter

from assistant.api.errors import ApiError, install_error_handlers
from assistant.api.guards import MethodMiddleware, SecurityHeadersMiddleware, UiGateMiddleware
from assistant.api.middleware import AccessLogMiddleware, BodyLimitMiddleware
from assistant.api.recent_answers import RecentAnswers
from assistant.api.routes_ask import ask_routes
from assistant.api.routes_feedback import feedback_routes
from assistant.api.routes_health import WarmUp
from assistant.api.routes_health import router as health_router
from assistant.api.routes_openai import openai_routes
from assistant.api.routes_widget import router as widget_router
from assistant.api.security import parse_keys, rate_limit_key
from assistant.chain import Assistant
from assistant.errors import SettingsError
from assistant.feedback import FeedbackStore
from assistant.settings import Settings

log = logging.getLogger("assistant.api")
API_PREFIXES = ("/api/", "/v1/")
# a rate-limit store (Redis) that does not answer within this long: 503, not a hung request
RATE_LIMIT_STORAGE_TIMEOUT_S = 2.0

DESCRIPTION = """Answers questions about treatments for stage 4 breast cancer with verbatim,
cited quotes from the Canadian Cancer Society page. Information, not medical advice.

* `POST /api/v1/ask`: the Answer as JSON.
* `POST /api/v1/feedback`: a thumbs up or down (and a comment) on an answer, by its `id`.
* `POST /v1/chat/completions`: OpenAI-compatible (model `assistant`), quotes in `quotes`.
* `GET /widget.js`: the embeddable chat widget ([example page](/portal-example.html)).

When the operator has set API keys, send `Authorization: Bearer <key>`.
"""


def create_app(assistant: Assistant, settings: Settings | None = None, *,
               mount_ui: bool | None = None) -> FastAPI:
    """Build the web app around ``assistant`` (warmed up in the background at start-up).

    Args:
        assistant: the Assistant every request shares.
        settings: operator settings; ``None`` means the assistant's own.
        mount_ui: mount the Gradio UI at ``/`` (when ``assistant.ui`` can be imported);
            ``None`` means ``settings.serve_ui``.

    Raises:
        SettingsError: the rate limit is not a valid limit string, or its storage not a
            storage URI.
    """
    settings = settings if settings is not None else assistant.settings
    limiter = _limiter(settings)
    auth_failure_limit = _parse_limit(settings.auth_failure_limit, "AUTH_FAILURE_LIMIT")

    feedback = FeedbackStore(settings.feedback_db, settings.store_question_text,
                             settings.feedback_timeout_s)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.warm_up.start()
        yield
        feedback.close()

    # the docs page loads Swagger UI from files shipped in fastapi-offline, not from a CDN
    app = FastAPIOffline(title="Stage 4 breast cancer treatment assistant", version="0.1.0",
                         description=DESCRIPTION, lifespan=lifespan, docs_url="/docs",
                         redoc_url=None, openapi_url="/openapi.json",
                         static_url="/docs/assets")
    app.state.assistant = assistant
    app.state.settings = settings
    app.state.api_keys = parse_keys(settings.api_keys)
    app.state.limiter = limiter
    app.state.auth_failure_limit = auth_failure_limit
    app.state.warm_up = WarmUp(assistant)
    app.state.feedback = feedback  # one store for the API, the widget and the chat UI
    app.state.recent_answers = RecentAnswers()

    install_error_handlers(app)
    limit = limiter.shared_limit(settings.rate_limit, scope="api")  # one budget per caller
    app.include_router(health_router)
    app.include_router(ask_routes(limit))
    app.include_router(feedback_routes(limit))
    app.include_router(openai_routes(limit))
    app.include_router(widget_router)
    _unknown_api_paths(app)

    # added innermost first: access log (outermost) -> security headers -> CORS -> methods
    # (HEAD, 405) -> UI gate (keys, limit, no uploads) -> body limit -> routes
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes,
                       prefixes=API_PREFIXES)
    app.add_middleware(UiGateMiddleware)
    app.add_middleware(MethodMiddleware, routes=app.router.routes)
    app.add_middleware(CORSMiddleware, allow_origins=_origins(settings),
                       allow_methods=["GET", "POST", "OPTIONS"],
                       allow_headers=["Authorization", "Content-Type"],
                       expose_headers=["Retry-After", "X-Request-ID"], max_age=600)
    app.add_middleware(SecurityHeadersMiddleware, frame_ancestors=settings.frame_ancestors)
    app.add_middleware(AccessLogMiddleware)

    if mount_ui if mount_ui is not None else settings.serve_ui:
        _mount_ui(app, assistant, settings, feedback)
    else:
        _index_page(app, "The chat UI is switched off here (ASSISTANT_SERVE_UI=false).")
    return app


def create_app_from_env() -> FastAPI:
    """The app for ``uvicorn --factory`` and ``assistant serve``: settings from the
    environment, one Assistant per worker process."""
    from assistant.api.middleware import configure_access_log
    from assistant.embeddings import set_offline_env
    from assistant.settings import load_settings

    set_offline_env()
    configure_access_log()
    if not logging.getLogger().handlers:  # show the warm-up's progress ("Index built ...")
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s:     %(message)s")
    logging.getLogger("assistant").setLevel(logging.INFO)
    settings = load_settings()
    return create_app(Assistant(settings), settings)


def _parse_limit(value: str, name: str, several: bool = False) -> Any:
    """The first limit of ``value`` (slowapi syntax); SettingsError naming the variable."""
    from limits import parse_many

    try:
        items = parse_many(value)
    except ValueError:
        items = []
    if not items or (len(items) > 1 and not several):
        example = "'30/minute' or '5/second;100/hour'" if several else "'10/minute'"
        raise SettingsError(f"Invalid settings: ASSISTANT_{name}: {value!r} is not a limit "
                            f"like {example}")
    return items[0]


def _limiter(settings: Settings) -> Limiter:
    _parse_limit(settings.rate_limit, "RATE_LIMIT", several=True)
    # no X-RateLimit headers on every reply: slowapi would add Retry-After to successes too;
    # a 429 carries Retry-After (see errors.py). Storage errors come wrapped (StorageError):
    # a 503 then, and the next request tries the store again
    options: dict[str, Any] = {"wrap_exceptions": True}
    if settings.rate_limit_storage.startswith(("redis", "rediss", "valkey")):
        options.update(socket_timeout=RATE_LIMIT_STORAGE_TIMEOUT_S,
                       socket_connect_timeout=RATE_LIMIT_STORAGE_TIMEOUT_S)
    try:
        return Limiter(key_func=rate_limit_key, storage_uri=settings.rate_limit_storage,
                       storage_options=options)
    except Exception as exc:  # noqa: BLE001 - limits raises several kinds for a bad URI
        raise SettingsError(f"Invalid settings: ASSISTANT_RATE_LIMIT_STORAGE: {exc}") from None


def _origins(settings: Settings) -> list[str]:
    return [o.strip().rstrip("/") for o in settings.cors_origins.split(",") if o.strip()]


def _unknown_api_paths(app: FastAPI) -> None:
    """Unknown paths under the API prefixes get the API's 404, not the UI's."""

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                   include_in_schema=False)
    @app.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                   include_in_schema=False)
    def not_found(request: Request, rest: str) -> None:
        raise ApiError(404, f"Nothing here: {request.method} {request.url.path}. See /docs.",
                       "not_found")


def _index_page(app: FastAPI, why: str) -> None:
    """``/`` without the UI: where to go instead."""
    page = ("<!doctype html><meta charset=utf-8><title>Stage 4 breast cancer treatment "
            f"assistant</title><h1>Stage 4 breast cancer treatment assistant</h1><p>{why} See "
            "the <a href=/docs>API docs</a> or the <a href=/portal-example.html>chat widget</a>."
            "</p>")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        return page


def _mount_ui(app: FastAPI, assistant: Assistant, settings: Settings,
              feedback: FeedbackStore) -> None:
    """Mount the Gradio UI at ``/``; without it, ``/`` links to the API docs and the widget."""
    try:
        import gradio as gr

        from assistant import ui
    except ImportError as exc:
        log.warning("The web UI is not available (%s); serving the API only.", exc)
        _index_page(app, "The chat UI is not installed here.")
        return
    assets = {"footer_links": ["api"], **getattr(ui, "UI_ASSETS", {})}
    # uploads are refused before Gradio sees them (UiGateMiddleware); the cap is a second lock
    gr.mount_gradio_app(app, ui.build_ui(assistant, settings, feedback), path="/", max_file_size=1,
                        **assets)
