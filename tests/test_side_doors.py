"""The side doors around the API, on live servers: the chat UI's own API behind the keys, no
uploads, wrong keys limited, security headers, local docs, HEAD and 405, odd input."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from assistant.api import create_app

from .live_servers import app_servers

KEY = "side-door-key-41c2"
REMOTE = ("203.0.113.7", 40000)  # a documentation address: another machine
QUESTION = "What is Herceptin used for?"


@pytest.fixture(scope="module")
def make_server(assistant, settings) -> Iterator:  # noqa: ANN001
    """Start the whole app (UI mounted) around the session's Assistant with some settings
    changed; yields a function that returns the base URL."""
    yield from app_servers(assistant, settings, mount_ui=True, rate_limit="1000/minute")


@pytest.fixture(scope="module")
def api(make_server) -> str:  # noqa: ANN001
    return make_server()


def from_remote(app: object, method: str, path: str, **kwargs: object) -> httpx.Response:
    """A request from another machine, through the app's ASGI interface."""

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=REMOTE)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as client:
            return await client.request(method, path, **kwargs)  # type: ignore[arg-type]

    return asyncio.run(call())


def error_of(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"], error
    assert "Traceback" not in response.text
    return error


# -- the UI's side door ------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/"), ("GET", "/gradio_api/info"), ("POST", "/gradio_api/queue/join"),
    ("POST", "/gradio_api/call/chat"), ("GET", "/config")])
def test_with_keys_the_ui_needs_a_key_from_other_machines(assistant, settings, method: str,
                                                          path: str) -> None:  # noqa: ANN001
    keyed = settings.model_copy(update={"api_keys": KEY})
    app = create_app(assistant, keyed, mount_ui=True)
    assert error_of(from_remote(app, method, path), 401)["code"] == "missing_api_key"
    with_key = from_remote(app, method, path, headers={"Authorization": f"Bearer {KEY}"})
    assert with_key.status_code != 401
    opened = create_app(assistant, keyed.model_copy(update={"ui_public": True}), mount_ui=True)
    assert from_remote(opened, method, path).status_code != 401  # the operator opened it


def test_the_ui_is_served_on_this_machine_without_a_key(make_server) -> None:  # noqa: ANN001
    url = make_server(api_keys=KEY)
    assert httpx.get(url + "/").status_code == 200
    assert httpx.post(url + "/api/v1/ask", json={"question": QUESTION}).status_code == 401


@pytest.mark.parametrize("path", ["/gradio_api/upload", "/upload"])
def test_uploads_are_switched_off(api: str, path: str) -> None:
    response = httpx.post(api + path, files={"files": ("a.txt", b"x" * 10_000)})
    assert error_of(response, 403)["code"] == "uploads_disabled"
    assert "/tmp" not in response.text and "gradio" not in response.text.lower()


def test_ui_questions_count_against_the_rate_limit(make_server) -> None:  # noqa: ANN001
    url = make_server(rate_limit="2/minute")
    statuses = [httpx.post(url + "/gradio_api/queue/join", json={}).status_code
                for _ in range(3)]
    assert 429 not in statuses[:2] and statuses[2] == 429


# -- wrong keys --------------------------------------------------------------------------
def test_wrong_keys_are_limited(make_server) -> None:  # noqa: ANN001
    url = make_server(api_keys=KEY, auth_failure_limit="3/minute")

    def ask(key: str) -> httpx.Response:
        return httpx.post(url + "/api/v1/ask", json={"question": QUESTION},
                          headers={"Authorization": f"Bearer {key}"}, timeout=30)

    assert [ask(f"guess-{n}").status_code for n in range(3)] == [401, 401, 401]
    limited = ask("guess-3")
    assert error_of(limited, 429)["code"] == "too_many_auth_failures"
    assert int(limited.headers["retry-after"]) >= 1
    assert ask(KEY).status_code == 429  # the address is held back, whatever it sends now


# -- headers and docs --------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/widget.js"), ("GET", "/"),
    ("GET", "/docs"), ("GET", "/openapi.json"), ("POST", "/api/v1/ask"),
    ("GET", "/api/nothing-here"), ("GET", "/v1/models")])
def test_every_response_says_nosniff(api: str, method: str, path: str) -> None:
    body = {"question": QUESTION} if method == "POST" else None
    response = httpx.request(method, api + path, json=body, timeout=30)
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/ask", {"question": QUESTION}),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": QUESTION}]}),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": QUESTION}],
                              "stream": True}),
    ("/api/v1/ask", {"question": ""})])
def test_replies_are_not_stored_by_caches(api: str, path: str, body: dict) -> None:
    response = httpx.post(api + path, json=body, timeout=30)
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(("ancestors", "csp", "frame_options"), [
    (None, "frame-ancestors 'self'", "SAMEORIGIN"),
    ("'none'", "frame-ancestors 'none'", "DENY"),
    ("https://portal.example.org", "frame-ancestors https://portal.example.org", None)])
def test_the_ui_says_who_may_frame_it(make_server, ancestors: str | None, csp: str,
                                      frame_options: str | None) -> None:  # noqa: ANN001
    url = make_server(**({"frame_ancestors": ancestors} if ancestors else {}))
    page = httpx.get(url + "/")
    assert csp in page.headers["content-security-policy"]
    assert page.headers.get("x-frame-options") == frame_options
    example = httpx.get(url + "/portal-example.html")  # keeps its own strict policy
    assert "frame-ancestors 'none'" in example.headers["content-security-policy"]


def test_docs_load_their_assets_from_this_server(api: str) -> None:
    page = httpx.get(api + "/docs").text
    assert "cdn." not in page and "https://" not in page
    assert "/docs/assets/swagger-ui-bundle.js" in page
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert httpx.get(f"{api}/docs/assets/{asset}").status_code == 200


# -- methods -----------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/widget.js", "/portal-example.html",
                                  "/openapi.json", "/docs", "/"])
def test_head_works_wherever_get_does(api: str, path: str) -> None:
    head = httpx.head(api + path, timeout=30)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == httpx.get(api + path).headers["content-type"]


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("GET", "/api/v1/ask", "POST"), ("PUT", "/api/v1/ask", "POST"),
    ("GET", "/v1/chat/completions", "POST"), ("DELETE", "/v1/models", "GET, HEAD"),
    ("POST", "/healthz", "GET, HEAD"), ("TRACE", "/healthz", "GET, HEAD"),
    ("TRACE", "/api/v1/ask", "POST"), ("TRACE", "/", None)])
def test_a_wrong_method_gets_405_in_the_usual_shape(api: str, method: str, path: str,
                                                    allow: str | None) -> None:
    response = httpx.request(method, api + path, timeout=30)
    error = error_of(response, 405)
    assert error["code"] == "method_not_allowed" and error["type"] == "invalid_request_error"
    if allow is not None:
        assert response.headers["allow"] == allow


def test_unknown_api_paths_are_still_404(api: str) -> None:
    assert error_of(httpx.get(api + "/api/v2/nothing"), 404)["code"] == "not_found"


# -- odd input ---------------------------------------------------------------------------
LONE_SURROGATE = b'"What is \\ud800 Herceptin?"'


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/ask", b'{"question": ' + LONE_SURROGATE + b"}"),
    ("/api/v1/ask", b'{"question": "and what is it?", "history": [{"role": "user", '
                    b'"content": ' + LONE_SURROGATE + b"}]}"),
    ("/v1/chat/completions", b'{"messages": [{"role": "user", "content": '
                             + LONE_SURROGATE + b"}]}"),
    ("/v1/chat/completions", b'{"stream": true, "messages": [{"role": "user", "content": '
                             + LONE_SURROGATE + b"}]}")])
def test_a_lone_surrogate_is_answered_not_a_server_error(api: str, path: str,
                                                         body: bytes) -> None:
    response = httpx.post(api + path, content=body, timeout=30,
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert "Herceptin" in response.text


@pytest.mark.parametrize("question", ["\u200b", "\u200b\u200c\u200d", " \u2060\ufeff ",
                                      "\u00ad\u034f", "\u3164\u2800", "\u202e\u200e"])
def test_a_question_of_invisible_characters_is_empty(api: str, question: str) -> None:
    response = httpx.post(api + "/api/v1/ask", json={"question": question}, timeout=30)
    error = error_of(response, 422)
    assert "Please type a question" in error["message"]


def test_every_validation_error_has_a_code(api: str) -> None:
    for body in ({"question": 3}, {}, {"question": "x", "extra": 1}):
        assert error_of(httpx.post(api + "/api/v1/ask", json=body), 422)["code"]
    broken = httpx.post(api + "/api/v1/ask", content=b"{",
                        headers={"Content-Type": "application/json"})
    assert error_of(broken, 400)["code"] == "invalid_json"
