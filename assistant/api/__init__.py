"""The HTTP face: REST and OpenAI-compatible API, health checks, the embeddable widget."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.api.app import create_app, create_app_from_env

__all__ = ["create_app", "create_app_from_env"]


def __getattr__(name: str) -> Any:
    # importing the package stays cheap; FastAPI and the core load on first use
    if name in __all__:
        from assistant.api import app

        return getattr(app, name)
    raise AttributeError(name)
