"""Operator controls on a live server: API keys, the loopback rule, CORS, rate limits and
the structured access log (no question text, no keys)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from assistant.api import create_app

from .live_servers import app_servers

KEYS = ("alpha-key-7f3a9c", "beta-key-0d5e21")
PORTAL = "https://portal.example.org"
QUESTION = "What is Herceptin used for?"


@pytest.fixture(scope="module")
def make_server(assistant, settings) -> Iterator:  # noqa: ANN001
    """Start the API (no UI) around the session's Assistant with some settings changed."""
    yield from app_servers(assistant, settings, mount_ui=False)


def post(url: str, path: str = "/api/v1/ask", key: str | None = None,
         **headers: str) -> httpx.Response:
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    body = ({"question": QUESTION} if path == "/api/v1/ask"
            else {"model": "assistant", "messages": [{"role": "user", "content": QUESTION}]})
    return httpx.post(url + path, json=body, headers=headers, timeout=30)


def error_of(response: httpx.Response) -> dict:
    assert response.headers["content-type"].startswith("application/json")
    return response.json()["error"]


# -- keys --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def keyed(make_server) -> str:  # noqa: ANN001
    return make_server(api_keys=",".join(KEYS), rate_limit="1000/minute")


@pytest.mark.parametrize("path", ["/api/v1/ask", "/v1/chat/completions"])
@pytest.mark.parametrize(("authorization", "code"), [
    (None, "missing_api_key"), ("Bearer wrong-key", "invalid_api_key"),
    (f"Bearer {KEYS[0]}x", "invalid_api_key"), ("Bearer", "missing_api_key"),
    (f"Basic {KEYS[0]}", "missing_api_key"), (KEYS[0], "missing_api_key")])
def test_missing_or_wrong_key_gets_401(keyed: str, path: str, authorization: str | None,
                                       code: str) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = post(keyed, path, **headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert error_of(response)["code"] == code


def test_models_listing_needs_the_key_too(keyed: str) -> None:
    assert httpx.get(f"{keyed}/v1/models").status_code == 401
    ok = httpx.get(f"{keyed}/v1/models", headers={"Authorization": f"Bearer {KEYS[1]}"})
    assert ok.json()["data"][0]["id"] == "assistant"


@pytest.mark.parametrize("key", KEYS)
def test_each_configured_key_works(keyed: str, key: str) -> None:
    response = post(keyed, key=key)
    assert response.status_code == 200
    assert response.json()["kind"] == "answer"


def test_health_widget_and_docs_need_no_key(keyed: str) -> None:
    for path in ("/healthz", "/readyz", "/widget.js", "/portal-example.html", "/docs"):
        assert httpx.get(keyed + path).status_code == 200, path


def test_without_keys_only_this_machine_is_served(assistant, settings) -> None:  # noqa: ANN001
    remote = ("203.0.113.7", 40000)  # a documentation address: another machine

    async def ask_from_remote(app: object) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=remote)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as client:
            return await client.post("/api/v1/ask", json={"question": QUESTION})

    for allow, status in ((False, 401), (True, 200)):
        app = create_app(assistant, settings.model_copy(update={"allow_keyless_remote": allow}),
                         mount_ui=False)
        response = asyncio.run(ask_from_remote(app))
        assert response.status_code == status
        if status == 401:
            assert "ASSISTANT_API_KEYS" in error_of(response)["message"]


# -- CORS --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cors(make_server) -> str:  # noqa: ANN001
    return make_server(cors_origins=f"{PORTAL}, https://help.example.org/",
                       rate_limit="1000/minute")


def preflight(url: str, origin: str) -> httpx.Response:
    return httpx.options(f"{url}/api/v1/ask", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization"})


@pytest.mark.parametrize("origin", [PORTAL, "https://help.example.org"])
def test_preflight_from_an_allowed_origin_is_accepted(cors: str, origin: str) -> None:
    response = preflight(cors, origin)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    answer = post(cors, Origin=origin)
    assert answer.headers["access-control-allow-origin"] == origin


@pytest.mark.parametrize("origin", ["https://evil.example.com", "http://portal.example.org",
                                    "https://portal.example.org.evil.com", "null"])
def test_preflight_from_a_disallowed_origin_is_refused(cors: str, origin: str) -> None:
    response = preflight(cors, origin)
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    simple = post(cors, Origin=origin)  # the browser would hide this reply from the page
    assert "access-control-allow-origin" not in simple.headers


# -- rate limits -------------------------------------------------------------------------
def test_a_burst_gets_429_with_retry_after(make_server) -> None:  # noqa: ANN001
    url = make_server(rate_limit="3/minute")
    statuses = [post(url).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    for path in ("/api/v1/ask", "/v1/chat/completions"):  # one budget for the whole API
        limited = post(url, path)
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert error_of(limited)["type"] == "rate_limit_error"
        assert "try again" in error_of(limited)["message"]
    assert httpx.get(f"{url}/healthz").status_code == 200  # health is never limited


def test_limits_are_counted_per_key(make_server) -> None:  # noqa: ANN001
    url = make_server(rate_limit="2/minute", api_keys=",".join(KEYS))
    assert [post(url, key=KEYS[0]).status_code for _ in range(3)] == [200, 200, 429]
    assert post(url, key=KEYS[1]).status_code == 200  # another key has its own budget


def test_an_invalid_rate_limit_setting_stops_start_up(assistant, settings) -> None:  # noqa: ANN001
    from assistant.errors import SettingsError

    with pytest.raises(SettingsError, match="ASSISTANT_RATE_LIMIT"):
        create_app(assistant, settings.model_copy(update={"rate_limit": "lots"}),
                   mount_ui=False)


# -- access log --------------------------------------------------------------------------
def access_records(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "assistant.access"]


@pytest.mark.parametrize("store", [False, True])
def test_access_log_is_json_without_question_or_key(make_server, caplog, store: bool) -> None:  # noqa: ANN001
    url = make_server(api_keys=KEYS[0], store_question_text=store, rate_limit="1000/minute")
    question = "Is Herceptin used with chemotherapy for my mother?"
    with caplog.at_level(logging.INFO, logger="assistant.access"):
        response = httpx.post(f"{url}/api/v1/ask", json={"question": question},
                              headers={"Authorization": f"Bearer {KEYS[0]}"})
        httpx.post(f"{url}/api/v1/ask", json={"question": question},
                   headers={"Authorization": "Bearer not-a-key-secret"})
    assert response.status_code == 200
    records = access_records(caplog)
    asked = next(r for r in records if r["status"] == 200)
    refused = next(r for r in records if r["status"] == 401)
    assert asked["path"] == "/api/v1/ask" and asked["method"] == "POST"
    assert asked["kind"] == response.json()["kind"]
    assert asked["quotes"] == len(response.json()["quotes"])
    assert asked["question_chars"] == len(question)
    assert asked["key_id"].startswith("key-") and refused["key_id"] is None
    assert asked["request_id"] == response.headers["x-request-id"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert KEYS[0] not in logged and "not-a-key-secret" not in logged
    assert ("Herceptin used with chemotherapy" in logged) is store
    assert (asked.get("question") == question) is store
