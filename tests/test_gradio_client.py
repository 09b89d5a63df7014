"""``python app.py`` started for real (fresh index folder), then called through gradio_client's
``/chat`` endpoint: answers, follow-ups through the session, errors."""

from __future__ import annotations

import pytest

from .ui_server import app_process  # noqa: F401 - the fixture

gradio_client = pytest.importorskip("gradio_client")


@pytest.fixture()
def client(app_process):  # noqa: ANN001, ANN201, F811
    url, _, _ = app_process
    return gradio_client.Client(url, verbose=False, download_files=False)


def last_answer(result: tuple) -> str:  # type: ignore[type-arg]
    """The newest assistant message of the chat returned by ``/chat``."""
    chat = result[0]
    assert chat[-1]["role"] == "assistant"
    content = chat[-1]["content"]
    return content if isinstance(content, str) else "".join(p["text"] for p in content)


def test_app_builds_the_missing_index_and_says_so(app_process) -> None:  # noqa: ANN001, F811
    _, _, output = app_process
    assert "building it" in output and "Starting the web app on http://127.0.0.1:" in output


def test_chat_endpoint_takes_just_the_message(client) -> None:  # noqa: ANN001
    info = client.view_api(print_info=False, return_format="dict")
    endpoint = info["named_endpoints"]["/chat"]
    assert [p["parameter_name"] for p in endpoint["parameters"]] == ["message"]
    assert len(info["named_endpoints"]) == 1  # the UI's other events stay private


def test_answer_and_follow_up_through_the_api(client) -> None:  # noqa: ANN001
    result = client.predict("What is Herceptin used for?", api_name="/chat")
    text = last_answer(result)
    assert "> Trastuzumab (Herceptin) is given for stage 4 HER2-positive breast cancer." in text
    assert "— *Treatments for stage 4 breast cancer > Targeted therapy*" in text
    assert "healthcare team" in text
    sources = result[3]
    assert "<mark>Trastuzumab (Herceptin)" in sources
    follow_up = client.predict("and how long is it given?", api_name="/chat")
    assert "continued until the breast cancer starts to grow again" in last_answer(follow_up)
    assert len(follow_up[0]) == 4  # the session kept the conversation


def test_emergency_through_the_api(client) -> None:  # noqa: ANN001
    result = client.predict("I have chest pain and can't breathe", api_name="/chat")
    assert "911" in last_answer(result)
    banner = result[2]
    banner_html = banner.get("value", "") if isinstance(banner, dict) else banner
    assert 'role="alert"' in banner_html


def test_too_long_question_is_a_clear_message(client) -> None:  # noqa: ANN001
    result = client.predict("why " * 600, api_name="/chat")
    assert "too long" in last_answer(result)
