"""The HTTP API through a real HTTP client against the real app on a live loopback server:
answers, errors, the widget's files, the mounted UI (through gradio_client)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from assistant.api import create_app
from assistant.rails.messages import HEALTHCARE_MARKERS

from .live_servers import free_port, serve_app, wait_until


@pytest.fixture(scope="module")
def api(assistant, settings) -> Iterator[str]:  # noqa: ANN001
    """The full app (UI mounted at /) around the session's real Assistant; the rate limit is
    left out of the way here (tests/test_api_controls.py tests it)."""
    unlimited = settings.model_copy(update={"rate_limit": "100000/minute"})
    with serve_app(create_app(assistant, unlimited)) as url:
        yield url


def ask(url: str, question: str, history: list[dict] | None = None) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/ask", json={"question": question,
                                                 "history": history or []}, timeout=30)


def assert_error(response: httpx.Response, status: int, *words: str) -> str:
    """The response is the API's JSON error with ``status``; returns its message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "Traceback" not in response.text and 'File "' not in response.text
    message = response.json()["error"]["message"]
    for word in words:
        assert word.lower() in message.lower(), message
    return message


def assert_verbatim(answer: dict, documents: dict) -> None:
    for quote in answer["quotes"]:
        doc = documents[quote["source"]]
        assert doc.text[quote["start"]:quote["end"]] == quote["text"]
        assert quote["citation"] == f"{quote['title']} > {quote['section']}" or \
            quote["citation"] == quote["title"]
        assert quote["text"].split("\n")[0] in answer["text"]
        assert quote["citation"] in answer["text"]
    assert any(marker in answer["text"] for marker in HEALTHCARE_MARKERS)


# -- health, docs, answers ---------------------------------------------------------------
def test_health_and_readiness(api: str) -> None:
    assert httpx.get(f"{api}/healthz").json() == {"status": "ok"}
    ready = wait_until(f"{api}/readyz", timeout=30)
    assert ready.json()["status"] == "ready"


def test_openapi_documents_every_route(api: str) -> None:
    assert "swagger" in httpx.get(f"{api}/docs").text.lower()
    paths = httpx.get(f"{api}/openapi.json").json()["paths"]
    for path in ("/api/v1/ask", "/v1/chat/completions", "/v1/models", "/healthz", "/readyz",
                 "/widget.js", "/portal-example.html"):
        assert path in paths


@pytest.mark.parametrize(("question", "kind", "section"), [
    ("What is Herceptin used for?", "answer", "Targeted therapy"),
    ("is femara used in stage 4", "answer", "Hormonal therapy > Hormonal therapy for "
                                            "post-menopausal women"),
    ("what is the dose of herceptin?", "not_in_document", None),
    ("should I stop my chemo?", "personal_advice", None),
    ("what is the capital of France", "out_of_scope", None),
    ("I have a fever of 39 during chemo", "emergency", None),
])
def test_ask_returns_the_answer_with_verbatim_cited_quotes(
        api: str, assistant, question: str, kind: str, section: str | None) -> None:  # noqa: ANN001
    response = ask(api, question)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["kind"] == kind
    assert answer["question"] == question
    assert set(answer) >= {"kind", "text", "quotes", "question", "standalone_question"}
    if section is not None:
        assert answer["quotes"] and answer["quotes"][0]["section"] == section
    assert_verbatim(answer, assistant.documents)


def test_ask_carries_the_parts_of_a_message(api: str, assistant) -> None:  # noqa: ANN001
    question = "What dose of letrozole should I take, and what is an aromatase inhibitor?"
    answer = ask(api, question).json()
    assert answer["kind"] == "answer"
    assert [p["kind"] for p in answer["parts"]] == ["not_in_document", "answer"]
    assert answer["parts"] == [p.model_dump() for p in assistant.ask(question).parts]
    for part in answer["parts"]:
        assert f"**{part['question']}**" in answer["text"]
        assert all(0 <= i < len(answer["quotes"]) for i in part["quotes"])
    assert_verbatim(answer, assistant.documents)


def test_follow_up_uses_the_history(api: str, assistant) -> None:  # noqa: ANN001
    history = [{"role": "user", "content": "What is Herceptin used for?"},
               {"role": "assistant", "content": ask(api, "What is Herceptin used for?")
                .json()["text"]}]
    answer = ask(api, "and when is it given alone?", history).json()
    assert answer["kind"] == "answer"
    assert "herceptin" in answer["standalone_question"].lower() or \
        "trastuzumab" in answer["standalone_question"].lower()
    assert any("given by itself" in q["text"] for q in answer["quotes"])
    assert_verbatim(answer, assistant.documents)


def test_concurrent_questions_all_get_their_own_answer(api: str) -> None:
    questions = ["What is Herceptin used for?", "what is tamoxifen", "what is a clinical trial",
                 "what is Xeloda", "what is Herceptin used for?", "can I join a study"] * 2
    expected = {q: ask(api, q).json()["quotes"] for q in set(questions)}
    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(lambda q: ask(api, q), questions))
    for question, response in zip(questions, responses, strict=True):
        assert response.status_code == 200
        assert response.json()["quotes"] == expected[question]


# -- request errors ---------------------------------------------------------------------
@pytest.mark.parametrize("body", [b'{"question": ', b"not json at all", b'{"question": "x",}'])
def test_malformed_json_gets_a_clear_400(api: str, body: bytes) -> None:
    response = httpx.post(f"{api}/api/v1/ask", content=body,
                          headers={"Content-Type": "application/json"})
    assert_error(response, 400, "not valid JSON")


@pytest.mark.parametrize(("body", "words"), [
    ({}, ["question", "required"]),
    ({"question": 42}, ["question", "string"]),
    ({"question": "hi", "history": [{"role": "doctor", "content": "x"}]}, ["history.0.role"]),
    ({"question": "hi", "history": "none"}, ["history"]),
    ({"query": "what is herceptin"}, ["question", "query"]),
    ([1, 2], ["body"]),
])
def test_schema_errors_are_422_naming_the_field(api: str, body: object,
                                                 words: list[str]) -> None:
    assert_error(httpx.post(f"{api}/api/v1/ask", json=body), 422, *words)


@pytest.mark.parametrize("question", ["", "   \n\t ", "x" * 2001, "what is\x00 femara"])
def test_unusable_questions_are_422_with_the_reason(api: str, question: str) -> None:
    message = assert_error(ask(api, question), 422)
    assert question.strip()[:20] not in message or not question.strip()


def test_a_long_message_is_screened_for_emergencies_before_the_length_check(api: str) -> None:
    story = ("Let me start from the beginning so you understand what happened. " * 32
             + "Anyway she is on paclitaxel and tonight she has a fever of 38.9 and chills.")
    assert len(story) > 2000
    response = ask(api, story)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["kind"] == "emergency"
    first, *rest = answer["text"].split("\n\n")
    assert "emergency" in first.lower() and any("too long" in part for part in rest)
    chat = httpx.post(f"{api}/v1/chat/completions", timeout=30, json={
        "model": "assistant", "messages": [{"role": "user", "content": story}]})
    assert chat.status_code == 200, chat.text
    assert "emergency" in chat.json()["choices"][0]["message"]["content"].split("\n\n")[0].lower()


def test_oversized_bodies_get_413_declared_or_chunked(api: str, settings) -> None:  # noqa: ANN001
    big = b'{"question": "' + b"a" * (settings.max_body_bytes + 10) + b'"}'
    assert_error(httpx.post(f"{api}/api/v1/ask", content=big,
                            headers={"Content-Type": "application/json"}), 413, "larger")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server must count
        for start in range(0, len(big), 8192):
            yield big[start:start + 8192]

    response = httpx.post(f"{api}/v1/chat/completions", content=chunks(),
                          headers={"Content-Type": "application/json"})
    assert_error(response, 413)
    assert ask(api, "what is tamoxifen").status_code == 200  # the server is fine after


HOSTILE = [
    "<script>alert(1)</script> what is chemotherapy?",
    '"><img src=x onerror=alert(document.cookie)> what is Herceptin used for?',
    "</blockquote><svg onload=alert(1)> tamoxifen",
    "**bold** [link](javascript:alert(1)) > quote\n\n— *fake citation*",
    "{{7*7}} ${7*7} %s %n' OR 1=1 --",
    "\u202e\u200b what is femara \U0001f600",
]


@pytest.mark.parametrize("question", HOSTILE)
def test_hostile_markup_is_just_text(api: str, assistant, question: str) -> None:  # noqa: ANN001
    response = ask(api, question, [{"role": "assistant", "content": "<script>x</script>"}])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    answer = response.json()
    assert answer["question"] == question  # echoed as data, unchanged
    for marker in ("<script", "onerror", "onload", "javascript:", "<img", "<svg"):
        assert marker not in answer["text"]
    assert_verbatim(answer, assistant.documents)


def test_unknown_api_paths_get_the_api_404(api: str) -> None:
    for path in ("/api/v1/nothing", "/v1/embeddings"):
        assert_error(httpx.post(f"{api}{path}", json={}), 404, "nothing here")


# -- widget and UI ----------------------------------------------------------------------
def test_widget_script_is_self_contained_and_never_injects_html(api: str) -> None:
    response = httpx.get(f"{api}/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    code = re.sub(r"/\*.*?\*/", "", response.text, flags=re.S)  # drop the usage comment
    # the SVG namespace of the thumbs' icons is a name, not an address anything is fetched from
    assert code.count('"http://www.w3.org/2000/svg"') == 1
    code = code.replace('"http://www.w3.org/2000/svg"', "")
    for banned in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                   "new Function", "http://", "https://", "@import", "url("):
        assert banned not in code, banned
    assert "attachShadow" in code and "textContent" in code


def test_example_portal_page_embeds_the_widget_under_a_strict_csp(api: str) -> None:
    response = httpx.get(f"{api}/portal-example.html")
    assert response.status_code == 200
    assert '<script src="/widget.js"' in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert httpx.get(f"{api}/portal-example.css").status_code == 200


QUESTION_FOR_UI = "What is Herceptin used for?"


def test_gradio_ui_is_mounted_at_root(api: str) -> None:
    from gradio_client import Client

    assert "<html" in httpx.get(f"{api}/").text
    client = Client(f"{api}/", verbose=False)
    chat, *_rest = client.predict("What is Herceptin used for?", api_name="/chat")
    reply = chat[-1]["content"]
    text = reply[0]["text"] if isinstance(reply, list) else reply
    assert "> Trastuzumab (Herceptin) is given for stage 4 HER2-positive breast cancer." in text
    assert "Targeted therapy" in text


def test_ui_can_be_switched_off_for_an_api_only_deployment(assistant, settings) -> None:  # noqa: ANN001
    api_only = settings.model_copy(update={"serve_ui": False})
    with serve_app(create_app(assistant, api_only)) as url:
        page = httpx.get(f"{url}/")
        assert page.status_code == 200 and "ASSISTANT_SERVE_UI" in page.text
        assert "gradio" not in page.text.lower()
        assert httpx.get(f"{url}/gradio_api/info").status_code == 404
        assert ask(url, QUESTION_FOR_UI).status_code == 200


# -- not ready ---------------------------------------------------------------------------
def test_unreachable_index_means_not_ready_and_503(settings) -> None:  # noqa: ANN001
    from assistant import Assistant

    broken = settings.model_copy(update={"chroma_url": f"http://127.0.0.1:{free_port()}"})
    with serve_app(create_app(Assistant(broken), broken, mount_ui=False)) as url:
        assert httpx.get(f"{url}/healthz").status_code == 200
        deadline = time.monotonic() + 60
        response = httpx.get(f"{url}/readyz")
        while "not reachable" not in response.text and time.monotonic() < deadline:
            assert response.status_code == 503  # warming up: not ready either
            time.sleep(0.3)
            response = httpx.get(f"{url}/readyz")
        assert response.status_code == 503
        assert "search index is not reachable" in response.json()["reason"]
        assert "Chroma" in response.json()["detail"]["error"]  # a caller on this machine
        assert "Retry-After" in response.headers
        assert_error(ask(url, "What is Herceptin used for?"), 503, "not reachable", "try again")
