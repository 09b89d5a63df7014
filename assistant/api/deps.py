"""FastAPI dependencies: the assistant, the settings and the API-key check.

Tests and embedders can swap them with ``app.dependency_overrides``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.api.security import check_api_key
from assistant.chain import Assistant
from assistant.settings import Settings


def get_assistant(request: Request) -> Assistant:
    """The app's Assistant (one per process, shared by all requests)."""
    return request.app.state.assistant


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def require_api_key(request: Request) -> str | None:
    """401 unless the caller may use the API; returns the key's fingerprint, if any."""
    return check_api_key(request)


AssistantDep = Annotated[Assistant, Depends(get_assistant)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ApiKeyDep = Annotated[str | None, Depends(require_api_key)]
