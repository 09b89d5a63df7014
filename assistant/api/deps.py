"""FastAPI dependencies: the assistant, the settings and the API-key check.

Tests and embedders can swap them with ``app.dependency_overrides``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.api.errors import RETRY_AFTER_S, ApiError
from assistant.api.security import check_api_key
from assistant.chain import Assistant
from assistant.feedback import FeedbackStore
from assistant.settings import Settings

READY_WAIT_S = 2.0  # a request that arrives while the assistant warms up waits this long


def get_assistant(request: Request) -> Assistant:
    """The app's Assistant (one per process, shared by all requests); 503 while it is not
    warmed up, so no request waits on a start-up that may take long or fail."""
    warm_up = request.app.state.warm_up
    if not warm_up.wait_ready(READY_WAIT_S):
        raise ApiError(503, warm_up.not_ready_reason(), "not_ready",
                       {"Retry-After": str(RETRY_AFTER_S)})
    return request.app.state.assistant


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_feedback(request: Request) -> FeedbackStore:
    """The one feedback store of this process (the chat UI writes to the same one)."""
    return request.app.state.feedback


def require_api_key(request: Request) -> str | None:
    """401 unless the caller may use the API; returns the key's fingerprint, if any."""
    return check_api_key(request)


AssistantDep = Annotated[Assistant, Depends(get_assistant)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback)]
ApiKeyDep = Annotated[str | None, Depends(require_api_key)]
