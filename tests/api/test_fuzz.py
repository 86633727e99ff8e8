"""Fuzzing every operation of the OpenAPI schema: no 5xx, and every answer as documented.

Schemathesis generates requests that fit the schema and requests that nearly fit it (out of
range numbers, wrong types, odd strings); whatever arrives, the answer is a 2xx, or a 4xx
that says what was wrong, and its status, content type and body are the ones the document
declares for the operation (an error body is `ErrorBody`). It found ids beyond 64 bits
reaching the drivers, order quantities that overflowed Decimal money, a strategy that
crashed the scanner, and worker rejections that the document said could not happen (its
422 allowed only a list of field problems).

Operator routes are called with a signed-in cookie, worker routes with a worker token and
an open run (`run_fuzz`), so generation reaches past authentication. Streams are left out
(an SSE response never ends in process), and so is the market calendar's range refusal:
the worker contract answers an uncovered range with a 503 that the SDK maps to its error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.serving import serve
from tests.workers_kit import issue_token
from tradertape.fakebrokers.kite import create_app as create_kite
from tradertape.runtime import Runtime
from tradertape.settings import Settings

WORKER_PREFIX = "/api/algo-workers/worker"
RUN = "run_fuzz"
EXAMPLES = 20  # per operation, fitting and nearly fitting together
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Streams never end in process; signing out would leave the rest of the run unauthenticated.
_LEFT_OUT = r"stream|/ws/|/sse|/market/calendar$|/api/auth/logout|/api/auth/sessions/"
OPENAPI = Path(__file__).parents[2] / "docs" / "openapi.json"

# The snapshot test_conventions keeps equal to the app's own schema.
schema = schemathesis.openapi.from_dict(json.loads(OPENAPI.read_text())).exclude(
    path_regex=_LEFT_OUT
)


@pytest.fixture(name="settings")
def kite_on_loopback(settings: Settings) -> Iterator[Settings]:
    """The server's Kite is a fake on loopback: a stored Kite login reaches a broker that
    refuses made-up tokens (a 4xx), not a missing one (a 503)."""
    with serve(create_kite()) as url:
        yield settings.model_copy(update={"kite_root": url})


@pytest.fixture
def bearer(client: TestClient, runtime: Runtime) -> dict[str, str]:
    """Signs `client` in (operator routes use its cookie) and returns a worker token's
    header, whose run `run_fuzz` is open (worker routes)."""
    secret, _ = issue_token(client, runtime, "fuzz@x.in", allowed_modes=["dry_run", "paper"])
    header = {"Authorization": f"Bearer {secret}"}
    run = {"template_id": "t", "account_scope": "kite:paper", "strategy_run_id": RUN}
    created = client.post(f"{WORKER_PREFIX}/runs", json=run, headers=header)
    assert created.status_code == 201, created.text
    return header


def _fuzz(client: TestClient, operation: Any, headers: dict[str, str], *, worker: bool) -> None:
    """Requests that fit the operation's schema and requests that nearly do."""
    fixed = {"run_id": RUN} if worker and "{run_id}" in operation.path else None
    fitting = operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed)
    nearly = operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same requests every run: CI is never red by chance
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(fitting, nearly))
    def answers_as_documented(case: Any) -> None:
        request = case.as_transport_kwargs(base_url=str(client.base_url), headers=headers)
        request.pop("cookies", None)  # the client sends its signed-in cookie itself
        if isinstance(request.get("data"), bytes | str):  # a raw body: httpx names it content
            request["content"] = request.pop("data")
        # The operation's own answer is what is documented: a login callback's redirect is
        # checked as the 302 it is, not as the settings page it points to.
        request["follow_redirects"] = False
        # Raises with the request as a curl command and what did not match.
        answer = client.request(**request)
        case.validate_response(answer, checks=CHECKS)

    answers_as_documented()


def test_every_answer_is_as_documented(client: TestClient, bearer: dict[str, str]):
    """One app for every operation (an app per operation would cost minutes)."""
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # the snapshot is a valid schema
        worker = operation.path.startswith(WORKER_PREFIX)
        _fuzz(client, operation, bearer if worker else {}, worker=worker)
