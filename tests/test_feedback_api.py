"""``POST /api/v1/feedback`` through a real HTTP client on a live server: every answer has an
id, a rating of it lands in the one feedback store (replacing an earlier rating), invalid
bodies get a clear 422 or 400, the keys and the rate limit are the ask route's, and a store or
a limits' store that cannot be reached gives a 503 with Retry-After, not a 500."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.api import create_app
from assistant.feedback import FeedbackStore
from assistant.timed_calls import TimedCalls

from .live_servers import free_port, serve_app

KEY = "feedback-test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
QUESTION = "What is Herceptin used for?"
HEX32 = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture(scope="module")
def servers(assistant, settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator:  # noqa: ANN001
    """``start(**settings changes) -> (base URL, store)``: the API (no UI) with its own
    feedback file, keys on, the limit out of the way unless changed."""
    stack: list = []

    def start(**changes: object) -> tuple[str, FeedbackStore]:
        db = tmp_path_factory.mktemp("feedback-api") / "feedback.sqlite3"
        own = settings.model_copy(update={"feedback_db": db, "api_keys": KEY,
                                          "rate_limit": "100000/minute", **changes})
        server = serve_app(create_app(assistant, own, mount_ui=False))
        stack.append(server)
        return server.__enter__(), FeedbackStore(own.feedback_db)

    yield start
    for server in reversed(stack):
        server.__exit__(None, None, None)


@pytest.fixture(scope="module")
def api(servers) -> tuple[str, FeedbackStore]:  # noqa: ANN001
    return servers()


def ask(url: str, question: str = QUESTION) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/ask", json={"question": question}, headers=AUTH,
                      timeout=60)


def rate(url: str, body: object, headers: dict | None = None) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/feedback", json=body,
                      headers=AUTH if headers is None else headers, timeout=60)


def error_of(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text
    return response.json()["error"]


def test_every_answer_has_its_own_id_on_both_apis(api: tuple[str, FeedbackStore]) -> None:
    url, _ = api
    first, second = ask(url).json(), ask(url).json()
    assert HEX32.match(first["id"]) and HEX32.match(second["id"])
    assert first["id"] != second["id"]
    assert {k: v for k, v in first.items() if k != "id"} == \
        {k: v for k, v in second.items() if k != "id"}
    chat = httpx.post(f"{url}/v1/chat/completions", headers=AUTH, timeout=60, json={
        "model": "assistant", "messages": [{"role": "user", "content": QUESTION}]}).json()
    assert re.match(r"^chatcmpl-[0-9a-f]{32}$", chat["id"])


def test_a_rating_lands_with_the_answer_and_is_replaced_not_repeated(
        api: tuple[str, FeedbackStore]) -> None:
    url, store = api
    answer = ask(url).json()
    reply = rate(url, {"answer_id": answer["id"], "rating": "up"})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"answer_id": answer["id"], "rating": "up", "comment_stored": False}
    assert rate(url, {"answer_id": answer["id"], "rating": "down",
                      "comment": "  It did not say how long.  "}).status_code == 200
    assert rate(url, {"answer_id": answer["id"], "rating": "up"}).status_code == 200
    [row] = [r for r in store.rows() if r.answer_id == answer["id"]]
    assert (row.rating, row.comment) == (1, "It did not say how long.")  # comment kept
    assert (row.answer_kind, row.answer_text) == (answer["kind"], answer["text"])
    assert row.quotes_json and answer["quotes"][0]["text"] in row.quotes_json
    assert row.question is None  # the operator did not opt in


def test_a_chat_completion_is_rated_by_the_id_in_its_name(
        api: tuple[str, FeedbackStore]) -> None:
    url, store = api
    chat = httpx.post(f"{url}/v1/chat/completions", headers=AUTH, timeout=60, json={
        "model": "assistant", "messages": [{"role": "user", "content": QUESTION}]}).json()
    answer_id = chat["id"].removeprefix("chatcmpl-")
    assert rate(url, {"answer_id": answer_id, "rating": "down"}).status_code == 200
    [row] = [r for r in store.rows() if r.answer_id == answer_id]
    assert row.answer_text == chat["choices"][0]["message"]["content"]


def test_an_answer_this_process_did_not_give_is_stored_by_its_id(
        api: tuple[str, FeedbackStore]) -> None:
    url, store = api
    answer_id = "0123456789abcdef0123456789abcdef"  # e.g. given by another replica
    assert rate(url, {"answer_id": answer_id, "rating": "down", "comment": "unclear"}
                ).status_code == 200
    [row] = [r for r in store.rows() if r.answer_id == answer_id]
    assert (row.rating, row.comment, row.answer_text, row.question) == (-1, "unclear", None, None)


def test_the_question_is_stored_only_when_the_operator_opts_in(servers) -> None:  # noqa: ANN001
    url, store = servers(store_question_text=True)
    answer = ask(url).json()
    assert rate(url, {"answer_id": answer["id"], "rating": "up"}).status_code == 200
    assert store.rows()[0].question == QUESTION


@pytest.mark.parametrize(("body", "field"), [
    ({"answer_id": "not-an-id", "rating": "up"}, "answer_id"),
    ({"answer_id": "0" * 32, "rating": "meh"}, "rating"),
    ({"answer_id": "0" * 32, "rating": 1}, "rating"),
    ({"answer_id": "0" * 32}, "rating"),
    ({"answer_id": "0" * 32, "rating": "up", "comment": "x" * 2001}, "comment"),
    ({"answer_id": "0" * 32, "rating": "up", "comment": "bad\x00text"}, "comment"),
    ({"answer_id": "0" * 32, "rating": "up", "who": "me"}, "who"),
])
def test_invalid_bodies_get_422_naming_the_field(api: tuple[str, FeedbackStore], body: dict,
                                                 field: str) -> None:
    error = error_of(rate(api[0], body), 422)
    assert error["code"] == "invalid_request" and field in error["message"]


def test_malformed_json_gets_400(api: tuple[str, FeedbackStore]) -> None:
    response = httpx.post(f"{api[0]}/api/v1/feedback", content=b'{"answer_id": ',
                          headers={**AUTH, "Content-Type": "application/json"})
    assert error_of(response, 400)["code"] == "invalid_json"


def test_the_ask_routes_keys_apply(api: tuple[str, FeedbackStore]) -> None:
    body = {"answer_id": "0" * 32, "rating": "up"}
    assert error_of(rate(api[0], body, headers={}), 401)["code"] == "missing_api_key"
    wrong = {"Authorization": "Bearer wrong"}
    assert error_of(rate(api[0], body, headers=wrong), 401)["code"] == "invalid_api_key"


def test_ratings_count_against_the_ask_routes_limit(servers) -> None:  # noqa: ANN001
    url, _ = servers(rate_limit="3/minute")
    answer = ask(url).json()
    assert ask(url).status_code == 200
    assert rate(url, {"answer_id": answer["id"], "rating": "up"}).status_code == 200
    error = error_of(rate(url, {"answer_id": answer["id"], "rating": "down"}), 429)
    assert error["code"] == "rate_limited"


def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers (a frozen server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


@pytest.mark.parametrize("where", ["closed port", "frozen server"])
def test_an_unreachable_store_gives_a_fast_503(servers, where: str) -> None:  # noqa: ANN001
    ports = silent_port()
    port = next(ports) if where == "frozen server" else free_port()
    url, _ = servers(feedback_db=f"postgresql+psycopg://app:secret@127.0.0.1:{port}/feedback",
                     feedback_timeout_s=1.0)
    # a 503 at all is the deadline at work: without it the frozen server holds the request
    # past the client's own timeout (no timed assertion: speed is for the benchmarks)
    response = rate(url, {"answer_id": "0" * 32, "rating": "up"})
    error = error_of(response, 503)
    assert error["code"] == "feedback_unavailable" and int(response.headers["retry-after"]) > 0
    assert "127.0.0.1" not in response.text and "secret" not in response.text
    assert ask(url).status_code == 200  # questions are not affected
    ports.close()


def test_an_unreachable_limits_store_gives_503_not_500(servers) -> None:  # noqa: ANN001
    url, _ = servers(rate_limit_storage=f"redis://127.0.0.1:{free_port()}")
    for response in (ask(url), rate(url, {"answer_id": "0" * 32, "rating": "up"})):
        error = error_of(response, 503)
        assert error["code"] == "rate_limit_unavailable"
        assert int(response.headers["retry-after"]) > 0
    assert httpx.get(f"{url}/healthz").status_code == 200


# -- the deadline on store calls, with fakes ------------------------------------------------
def test_a_call_past_its_deadline_is_abandoned_and_slots_are_bounded() -> None:
    release = threading.Event()
    calls = TimedCalls(timeout_s=0.2, max_calls=1, on_timeout=TimeoutError)
    with pytest.raises(TimeoutError, match="no reply"):
        calls.run(release.wait)
    with pytest.raises(TimeoutError, match="busy"):  # the frozen call still holds the slot
        calls.run(lambda: 1)
    release.set()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the abandoned call ends, and frees its slot
        try:
            assert calls.run(lambda: 42) == 42
            break
        except TimeoutError:
            time.sleep(0.05)
    else:
        raise AssertionError("the slot was never freed")
    with pytest.raises(ZeroDivisionError):
        calls.run(lambda: 1 / 0)


def test_export_names_no_password(tmp_path: Path) -> None:
    store = FeedbackStore("postgresql+psycopg://app:secret@127.0.0.1:5432/feedback")
    assert "secret" not in store.name and "app" in store.name
