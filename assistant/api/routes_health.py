"""``/healthz`` (the process is alive) and ``/readyz`` (the index is loaded and answering)."""

from __future__ import annotations

import logging
import threading
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from assistant.api.schemas import Health, Readiness
from assistant.chain import Assistant
from assistant.errors import AssistantError

log = logging.getLogger("assistant.api")
PROBE_QUESTION = "What is hormonal therapy?"


class WarmUp:
    """Loads the assistant in a background thread so the server accepts connections at once;
    readiness then means "warmed up and a probe question gets a quoted answer"."""

    RETRY_AFTER_S = 10.0  # a failed start (e.g. the Chroma server not up yet) is retried
    PROBE_TTL_S = 15.0  # a successful probe is trusted this long

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.state = "idle"  # idle | warming | ready | failed
        self.error: str | None = None
        self._failed_at = 0.0
        self._probed_at = 0.0
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start warming up, unless already warming, ready, or failed a moment ago."""
        with self._lock:
            if self.state in ("warming", "ready"):
                return
            if self.state == "failed" and time.monotonic() - self._failed_at < self.RETRY_AFTER_S:
                return
            self.state = "warming"
        threading.Thread(target=self._run, name="assistant-warm-up", daemon=True).start()

    def _run(self) -> None:
        try:
            self.assistant.warm_up(on_status=lambda message: log.info("%s", message))
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with a reason
            if not isinstance(exc, AssistantError):
                log.exception("warm-up failed")
            self.error = str(exc) or type(exc).__name__
            self._failed_at = time.monotonic()
            self.state = "failed"
            return
        self.error = None
        self.state = "ready"

    def check(self) -> Readiness:
        """Readiness now; runs the probe question when the last success is stale."""
        self.start()
        if self.state != "ready":
            reason = {"idle": "starting", "warming": "loading the model and the index"}.get(
                self.state, f"the assistant could not start: {self.error}")
            return Readiness(status="not_ready", reason=reason)
        if time.monotonic() - self._probed_at < self.PROBE_TTL_S:
            return Readiness(status="ready")
        try:
            answer = self.assistant.ask(PROBE_QUESTION)
        except AssistantError as exc:
            return Readiness(status="not_ready", reason=f"the probe question failed: {exc}")
        if answer.kind != "answer" or not answer.quotes:
            return Readiness(status="not_ready",
                             reason=f"the probe question got no quoted answer ({answer.kind})")
        self._probed_at = time.monotonic()
        return Readiness(status="ready")


router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up (says nothing about the index)."""
    return Health()


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(request: Request) -> JSONResponse:
    """Ready to answer: model and index loaded, and a probe question gets a quoted answer."""
    readiness = request.app.state.warm_up.check()
    status = 200 if readiness.status == "ready" else 503
    headers = {"Retry-After": "5"} if status == 503 else None
    return JSONResponse(readiness.model_dump(exclude_none=True), status_code=status,
                        headers=headers)
