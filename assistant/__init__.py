"""Stage 4 breast cancer treatment assistant: verbatim, cited answers from one trusted page.

>>> from assistant import Assistant
>>> answer = Assistant().ask("What is Herceptin used for?")   # doctest: +SKIP
>>> answer.kind, answer.quotes[0].section                       # doctest: +SKIP
('answer', 'Targeted therapy')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.errors import AssistantError
from assistant.models import Answer, ChatTurn, Quote
from assistant.settings import Settings, load_settings

if TYPE_CHECKING:
    from assistant.chain import Assistant

__all__ = ["Answer", "Assistant", "AssistantError", "ChatTurn", "Quote", "Settings",
           "load_settings"]


def __getattr__(name: str) -> Any:
    # Assistant pulls in LangChain; import it only when asked for.
    if name == "Assistant":
        from assistant.chain import Assistant

        return Assistant
    raise AttributeError(name)
