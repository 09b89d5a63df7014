"""``/healthz`` (the process is alive) and ``/readyz`` (the index is loaded and answering).

``/healthz`` runs on the event loop, not in the worker threads, so it answers even while every
thread waits on a slow dependency. ``/readyz`` names the reason it is not ready in words that
reveal no server address or path; the operator's detail (e.g. the Chroma URL) is shown only to
a caller with a valid API key (or, with no keys set, on this machine).
"""

from __future__ import annotations

import logging
import threading
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from assistant.api.errors import RETRY_AFTER_S, ApiError
from assistant.api.schemas import Health, Readiness, error_responses
from assistant.api.security import check_api_key, client_host, is_loopback
from assistant.chain import Assistant
from assistant.errors import AssistantError, IndexUnavailableError

log = logging.getLogger("assistant.api")
PROBE_QUESTION = "What is hormonal therapy?"
COULD_NOT_START = ("The assistant could not start; the site's operator can find the reason in "
                   "the server log.")


class WarmUp:
    """Loads the assistant in a background thread so the server accepts connections at once;
    readiness then means "warmed up and a probe question gets a quoted answer"."""

    RETRY_AFTER_S = 5.0  # a failed start (e.g. the Chroma server not up yet) is retried
    PROBE_TTL_S = 15.0  # a successful probe is trusted this long (unless a search failed since)

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.state = "idle"  # idle | warming | ready | failed
        self.error: str | None = None  # what the caller may read
        self.detail: str | None = None  # what the operator may read
        self._failed_at = 0.0
        self._probed_at = 0.0
        self._lock = threading.Lock()
        self._settled = threading.Event()  # set once warming has ended, either way

    def start(self) -> None:
        """Start warming up, unless already warming, ready, or failed a moment ago."""
        with self._lock:
            if self.state in ("warming", "ready"):
                return
            if self.state == "failed" and time.monotonic() - self._failed_at < self.RETRY_AFTER_S:
                return
            self.state = "warming"
            self._settled.clear()
        threading.Thread(target=self._run, name="assistant-warm-up", daemon=True).start()

    def _run(self) -> None:
        try:
            self.assistant.warm_up(on_status=lambda message: log.info("%s", message))
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with a reason
            self.error, self.detail = describe_failure(exc)
            if isinstance(exc, AssistantError):
                log.error("warm-up failed: %s", self.detail)
            else:
                log.exception("warm-up failed")
            self._failed_at = time.monotonic()
            self.state = "failed"
        else:
            self.error = self.detail = None
            self.state = "ready"
        self._settled.set()

    def wait_ready(self, timeout: float) -> bool:
        """Ready to answer, waiting up to ``timeout`` s for a warm-up in progress (a warm
        assistant settles at once); starts a warm-up again after a failure."""
        if self.state == "ready":
            return True
        self.start()
        self._settled.wait(timeout)
        return self.state == "ready"

    def not_ready_reason(self) -> str:
        """Why not ready, in a sentence anyone may read."""
        if self.state == "failed":
            return self.error or COULD_NOT_START
        return ("The assistant is starting (loading the model and the index). Please try "
                "again in a few seconds.")

    def check(self) -> Readiness:
        """Readiness now; runs the probe question when the last success is stale, or a search
        has failed since."""
        self.start()
        if self.state != "ready":
            return Readiness(status="not_ready", reason=self.not_ready_reason(),
                             detail={"error": self.detail} if self.detail else None)
        index = getattr(self.assistant, "index", None)
        failed_since = index is not None and index.outages.last_at > self._probed_at
        if time.monotonic() - self._probed_at < self.PROBE_TTL_S and not failed_since:
            return Readiness(status="ready")
        try:
            answer = self.assistant.ask(PROBE_QUESTION)
        except AssistantError as exc:
            reason, detail = describe_failure(exc)
            return Readiness(status="not_ready", reason=reason,
                             detail={"error": f"the probe question failed: {detail}"})
        if answer.kind != "answer" or not answer.quotes:
            return Readiness(status="not_ready",
                             reason=f"the probe question got no quoted answer ({answer.kind})")
        self._probed_at = time.monotonic()
        return Readiness(status="ready")


def describe_failure(exc: BaseException) -> tuple[str, str]:
    """(what anyone may read, what the operator may read) about a failure to answer."""
    detail = getattr(exc, "detail", None) or str(exc) or type(exc).__name__
    if isinstance(exc, IndexUnavailableError):
        return str(exc), detail
    return COULD_NOT_START, detail


def may_see_detail(request: Request) -> bool:
    """A caller with a valid API key, or (with no keys set) one on this machine."""
    if not request.app.state.api_keys and not is_loopback(client_host(request)):
        return False
    try:
        check_api_key(request)
    except ApiError:
        return False
    return True


router = APIRouter(tags=["health"])


# GET and HEAD declared one by one, so each has its own operation id
@router.head("/healthz", response_model=Health, responses=error_responses(405),
             operation_id="healthz_head")
@router.get("/healthz", response_model=Health, responses=error_responses(405))
async def healthz() -> Health:
    """The process is up (says nothing about the index)."""
    return Health()


@router.head("/readyz", response_model=Readiness, operation_id="readyz_head",
             responses={503: {"model": Readiness}, **error_responses(405)})
@router.get("/readyz", response_model=Readiness,
            responses={503: {"model": Readiness}, **error_responses(405)})
def readyz(request: Request) -> JSONResponse:
    """Ready to answer: model and index loaded, and a probe question gets a quoted answer.
    When not ready: 503 with `reason` (and `detail` for a caller with a valid API key)."""
    readiness = request.app.state.warm_up.check()
    status = 200 if readiness.status == "ready" else 503
    headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
    if not may_see_detail(request):
        readiness.detail = None
    return JSONResponse(readiness.model_dump(exclude_none=True), status_code=status,
                        headers=headers)
