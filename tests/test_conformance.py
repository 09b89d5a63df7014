"""The API conforms to its own OpenAPI schema: schemathesis, every built-in check, on the real
app (real Assistant, real Chroma, the UI mounted) behind a real uvicorn server on loopback.

Every check is on: no server errors, only documented statuses, content types, headers and
bodies, schema-valid input accepted and schema-invalid input rejected, 405 (with ``Allow``)
for a method a path does not have, ignored auth, ... The schema is the one the app serves at
``/openapi.json``; the Gradio UI is not part of it. Generation is derandomized, so a run is
reproducible, and at least ``MIN_CASES`` cases are sent in all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from assistant.api import create_app

from .live_servers import serve_app, wait_until

MIN_CASES = 1000
# examples per operation in the fuzzing phase (the examples and coverage phases add more)
MAX_EXAMPLES = 400
CASES: Counter[str] = Counter()


@pytest.fixture(scope="module")
def live_api(assistant, settings) -> Iterator[str]:  # noqa: ANN001
    """The full app, UI mounted at /, rate limit out of the way (tests/test_api_controls.py
    tests it); waits until it is ready so that no case meets the warm-up's 503."""
    unlimited = settings.model_copy(update={"rate_limit": "1000000/minute"})
    with serve_app(create_app(assistant, unlimited)) as url:
        wait_until(f"{url}/readyz", timeout=60)
        yield url


@pytest.fixture(scope="module")
def api_schema(live_api: str):  # noqa: ANN201
    return schemathesis.openapi.from_url(f"{live_api}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_conforms_to_its_schema(case: schemathesis.Case, live_api: str) -> None:
    CASES[case.operation.label] += 1
    case.call_and_validate(base_url=live_api, timeout=60)


def test_enough_cases_were_sent() -> None:
    if not CASES:
        pytest.skip("the conformance test did not run in this session")
    print("schemathesis cases per operation:", dict(CASES), "total:", sum(CASES.values()))
    assert sum(CASES.values()) >= MIN_CASES, dict(CASES)
