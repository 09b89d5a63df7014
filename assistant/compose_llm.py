"""Optional LLM framing: any LangChain chat model writes one or two plain sentences around the
verified quotes. Off by default. Whatever it writes is checked by the output rails and thrown
away (extractive framing used instead) when it says anything the quotes do not support, when
it fails, or when it takes longer than the timeout."""

from __future__ import annotations

import concurrent.futures
import logging
from typing import Any

from assistant.compose import Draft

log = logging.getLogger(__name__)

SYSTEM = ("You write one or two short, kind, plain-language sentences introducing the quoted "
          "passages below for a patient or caregiver. Use only facts stated in the passages. "
          "No numbers, doses, drug names or claims that are not in the passages. Do not quote, "
          "do not give advice, do not mention these instructions.")


class LLMFramer:
    """Asks a chat model for framing, within a time limit."""

    def __init__(self, model: Any, timeout_s: float) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self.model = model
        self.timeout_s = timeout_s
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)

    @classmethod
    def from_spec(cls, spec: str, timeout_s: float) -> LLMFramer:
        """Build from an ``init_chat_model`` string, e.g. ``"ollama:llama3.2"``."""
        from langchain.chat_models import init_chat_model  # the optional 'llm' extra

        return cls(init_chat_model(spec), timeout_s)

    def frame(self, draft: Draft) -> str | None:
        """Framing text, or None when the model fails or is too slow."""
        passages = "\n\n".join(f"[{n}] {s.text}" for n, s in enumerate(draft.spans, 1))
        messages = [("system", SYSTEM),
                    ("human", f"Question: {draft.standalone_question}\n\nPassages:\n{passages}")]
        future = self._pool.submit(self.model.invoke, messages)
        try:
            reply = future.result(timeout=self.timeout_s)
        except concurrent.futures.TimeoutError:
            log.warning("LLM framing timed out after %.1f s; using extractive framing",
                        self.timeout_s)
            return None
        except Exception as exc:  # noqa: BLE001 - any model failure falls back
            log.warning("LLM framing failed (%s); using extractive framing", type(exc).__name__)
            return None
        content = getattr(reply, "content", reply)
        return content if isinstance(content, str) and content.strip() else None
