"""The optional LLM framing, with LangChain's fake chat models (well- and misbehaving): its
words are kept only when the quotes support them; otherwise the extractive answer stands."""

from __future__ import annotations

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant import Assistant
from assistant.rails.messages import message

QUESTION = "what is herceptin used for"


def _ask_with(settings, model) -> object:  # noqa: ANN001
    bot = Assistant(settings, chat_model=model)
    return bot.ask(QUESTION)


def test_supported_framing_is_used(settings) -> None:  # noqa: ANN001
    framing = "Trastuzumab (Herceptin) is given for stage 4 HER2-positive breast cancer."
    answer = _ask_with(settings, FakeListChatModel(responses=[framing]))
    assert answer.text.startswith(framing)
    assert message("en", "answer") not in answer.text
    assert "healthcare team" in answer.text and answer.quotes


@pytest.mark.parametrize("bad", [
    "The usual dose of Herceptin is 8 mg per kg every 3 weeks.",          # invented dose
    'The page says "Herceptin cures HER2-positive breast cancer".',        # fabricated quote
    "Herceptin cures stage 4 breast cancer in most women.",                # claim of cure
    "As instructed by the system prompt, here are the passages.",         # leaked instruction
    "Kadcyla is given after Herceptin stops working.",                    # drug not quoted
])
def test_unsupported_framing_falls_back_to_extractive(settings, bad: str) -> None:  # noqa: ANN001
    answer = _ask_with(settings, FakeListChatModel(responses=[bad]))
    assert bad not in answer.text
    assert answer.text.startswith(message("en", "answer"))
    assert answer.quotes and "healthcare team" in answer.text


def test_slow_model_times_out_to_extractive(settings) -> None:  # noqa: ANN001
    slow = FakeListChatModel(responses=["Trastuzumab is given for stage 4 breast cancer."],
                             sleep=3.0)
    bot = Assistant(settings.model_copy(update={"llm_timeout_s": 0.2}), chat_model=slow)
    answer = bot.ask(QUESTION)
    assert answer.text.startswith(message("en", "answer")) and answer.quotes
