"""Fuzzing every operation of the OpenAPI document against a real server, with two users.

Schemathesis generates requests that fit each operation's schema and requests that nearly
fit it; the fuzzer sends them over HTTP to the app served by uvicorn on a loopback port and
checks each answer with Schemathesis's checks: never a 5xx, and the status, content type
and body the document declares. Around that generation:

- **Reaching a 2xx.** Random strings rarely place an order; each operation also gets the
  realistic requests of `tests/fuzz_seeds.py` (a real symbol, a price on the tick), and
  the run fails when an operation never answered a 2xx, so it cannot pass by being
  refused at the door. The table of 2xx counts per operation is printed.
- **Stateful links.** Operations run creates first, then reads, changes and deletes; the ids
  that 2xx answers carry fill the path parameters of later operations (`fuzz_kit.Ids`).
  Signing out, revoking sessions and credentials, the kill switch and live trading run
  last, each followed by a fresh sign-in.
- **Two users.** A second user's objects exist beside the first's; each of them, asked for
  with the first user's credentials, is a 404. (A third user, connected to a fake Kite and
  trading live, calls the few operations only such a user reaches: worker GTTs,
  reconciliation, Kite's session and postback.) Groww and a Telegram bot are fakes too.
- **Read back what was accepted.** After a 2xx create or change, the resource's read
  returns the values sent (a price sent as 1413.05 reads 1413.05, not null).
- **Boundary numbers.** Each numeric field of a realistic request is also sent as
  `1E+999`, `1e308`, `1e-30`, `true`, `"1_000"`, `"  5  "`, `-1`, `0` and the huge, tiny
  and exotic numbers of `fuzz_kit.BOUNDARY_NUMBERS` (`"1E+600000"`, `"NaN"`, 5,000 nines):
  refused with a 4xx, or, if accepted, the document allowed it and the read returns it.

Streams are read up to their headers and first bytes. The example budget is fixed and the
generation derandomized (the same requests every run); `make fuzz` runs a larger budget
(`TRADERTAPE_FUZZ_EXAMPLES`).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from tests import fuzz_seeds
from tests.brokers.kite.conftest import Fake, server_settings
from tests.brokers.kite.conftest import fake as fake  # noqa: F401 - the fixture
from tests.fuzz_kit import (
    CHECKS,
    WORKER_PREFIX,
    Actor,
    Document,
    Ids,
    Tally,
    boundary_variants,
    concrete,
    failures_of,
    read_differs,
)
from tests.helpers import make_user
from tests.integration.groww.conftest import FakeServer
from tests.integration.groww.conftest import groww as groww  # noqa: F401 - the fixture
from tests.telegram_kit import with_bot
from tests.upstox_kit import FakeUpstox, running_fake
from tradertape.ports.clock import ManualClock
from tradertape.runtime import Runtime
from tradertape.settings import Settings

EXAMPLES = int(os.environ.get("TRADERTAPE_FUZZ_EXAMPLES", "12"))  # generated, per operation
OPENAPI = Path(__file__).parents[2] / "docs" / "openapi.json"
RAW = json.loads(OPENAPI.read_text())
# The snapshot test_conventions keeps equal to the app's own schema.
schema = schemathesis.openapi.from_dict(RAW)
DOCUMENT = Document(RAW)
# Run last, in this order, each followed by a fresh sign-in: they cut what the rest needs.
LAST = (
    "PATCH /api/auth/admin/users/{user_id}",
    "PUT /api/auth/live-trading",
    "POST /api/risk/kill-switch",
    "POST /api/agent/keys/{key_id}/regenerate",
    "POST /api/agent/keys/{key_id}/revoke",
    "POST /api/algo-workers/tokens/{token_id}/regenerate",
    "POST /api/algo-workers/tokens/{token_id}/revoke",
    "DELETE /api/auth/sessions/{session_id}",
    "POST /api/auth/logout",
)
# With the deletes: they end what other changes act on (a run's exit), or can block every
# order after them (a generated rule may be a kill switch).
ENDING = (
    f"POST {WORKER_PREFIX}/runs/{{run_id}}/exit",
    "POST /api/algo-workers/runs/{run_id}/exit",  # the same exit from the owner's desk
    "POST /api/risk/rules",
    "PUT /api/risk/rules/{rule_id}",
    "POST /api/auth/kite-credentials",  # the portfolio's reads then go to Kite
    "POST /api/brokers/{broker}/credentials",
    "POST /api/brokers/groww/session",
)
# Fields a read carries and a write may send back, which the server sets and ignores.
SERVER_SET = frozenset({"id", "version", "created_at", "updated_at"})
_TIMEOUT = httpx.Timeout(30.0)
_STREAM_TIMEOUT = httpx.Timeout(30.0, read=5.0)  # a stream says ": connected" at once


def _stage(operation: Any) -> tuple[int, int]:
    """Creates, reads, changes, deletes, then the operations that cut the session."""
    label = operation.label
    if label in LAST:
        return 4, LAST.index(label)
    if label in ENDING:
        return 3, 0
    has_params = "{" in operation.path
    stage = {"GET": 1, "DELETE": 3}.get(operation.method.upper(), 2 if has_params else 0)
    return stage, 0


# TRADERTAPE_FUZZ_ONLY="options/sweeps,…": only the operations whose label holds one of
# these (a route's fix checked without the whole run's half hour).
_ONLY = [part for part in os.environ.get("TRADERTAPE_FUZZ_ONLY", "").split(",") if part]
OPERATIONS = sorted(
    (
        op
        for op in (r.ok() for r in schema.get_all_operations())  # type: ignore[union-attr]
        if not _ONLY or any(part in op.label for part in _ONLY)
    ),
    key=_stage,
)


@pytest.fixture
def upstox(clock: ManualClock) -> Iterator[FakeUpstox]:
    with running_fake(clock.now) as running:
        yield running


@pytest.fixture(name="settings")
def brokers_on_loopback(
    settings: Settings, fake: Fake, groww: FakeServer, upstox: FakeUpstox
) -> Settings:
    """The server's Kite, Upstox and Groww are fakes on loopback, live trading is allowed
    and a Telegram bot is configured: every operation has something to reach."""
    live = server_settings(
        settings.data_dir.parent, fake, live_trading_enabled=True, kite_timeout_secs=0.5
    )
    return with_bot(live).model_copy(
        update={
            "web_dist": settings.web_dist,
            "groww_root": groww.root,
            "upstox_root": upstox.root,
        }
    )


class Fuzzer:
    """Sends one operation's requests as one user and checks every answer."""

    def __init__(self, http: httpx.Client, runtime: Runtime, tally: Tally, fake: Fake) -> None:
        self.http = http
        self.runtime = runtime
        self.tally = tally
        self.fake = fake
        self.ids: dict[str, Ids] = {}

    def send(self, actor: Actor, case: Any, *, note: str = "") -> httpx.Response | None:
        """One request; its answer checked, counted and its ids learned."""
        operation = case.operation
        label = operation.label
        request = case.as_transport_kwargs(base_url=actor.base, headers=actor.headers(case.path))
        request.pop("cookies", None)
        if isinstance(request.get("data"), bytes | str):  # a raw body: httpx names it content
            request["content"] = request.pop("data")
        if request.get("files"):  # multipart streams; read, so the checks can see the request
            try:
                built = self.http.build_request(
                    request["method"],
                    request["url"],
                    headers=request.get("headers"),
                    params=request.get("params"),
                    files=request.pop("files"),
                    data=request.pop("data", None),
                )
                request["content"] = built.read()
            except (TypeError, AttributeError):
                return None  # a part no client can encode (a number as a file)
            request["headers"] = dict(built.headers)
        request["follow_redirects"] = False
        self.http.cookies.clear()
        try:
            answer = self._request(request, stream=_streams(operation.path))
        except httpx.InvalidURL:
            return None  # longer than any client sends (httpx refuses to)
        except httpx.TransportError as error:
            self.tally.sent[label] += 1
            self.tally.problems.append(f"{label} {note}: {type(error).__name__} {error}")
            return None
        self.tally.sent[label] += 1
        if os.environ.get("TRADERTAPE_FUZZ_TRACE"):
            print(answer.status_code, _curl(request), answer.text[:200])  # noqa: T201
        try:
            if not _documented_refusal(answer):
                case.validate_response(answer, checks=CHECKS)
        except (AssertionError, FailureGroup) as error:
            for line in failures_of(error):
                self.tally.problems.append(
                    f"{label} {note} -> {answer.status_code}: {line}\n    {_curl(request)}"
                )
        self._count(actor, case, answer, note)
        return answer

    def _count(self, actor: Actor, case: Any, answer: httpx.Response, note: str) -> None:
        """A success counted and its ids learned; a refusal kept to show why."""
        operation = case.operation
        label = operation.label
        if not _succeeded(operation, answer):
            if "(seed)" in note or label not in self.tally.last_refusal:
                self.tally.last_refusal[label] = f"{answer.status_code} {answer.text[:160]}"
            return
        self.tally.ok[label] += 1
        body = _json(answer)
        self.ids.setdefault(actor.email, Ids()).learn(
            concrete(operation.path, case.path_parameters or {}), body
        )
        if isinstance(body, dict) and isinstance(body.get("worker_session_nonce"), str):
            actor.nonce = body["worker_session_nonce"]
        if label.startswith("DELETE") and operation.path.endswith("/claim-session"):
            actor.nonce = ""

    def _request(self, request: dict[str, Any], *, stream: bool) -> httpx.Response:
        if not stream:
            try:
                return self.http.request(**request, timeout=_TIMEOUT)
            except (httpx.RemoteProtocolError, httpx.ReadError):
                # uvicorn closes the connection after a 500; a kept-alive one may already
                # be in the pool. The request itself is sent once more on a new one.
                return self.http.request(**request, timeout=_TIMEOUT)
        # An SSE answer never ends: its status, headers and first bytes are enough.
        with self.http.stream(**request, timeout=_STREAM_TIMEOUT) as answer:
            if not answer.is_success:
                answer.read()
                return answer
            with contextlib.suppress(httpx.ReadTimeout):  # no event yet: the headers will do
                next(answer.iter_bytes(), b"")
            head = httpx.Response(
                answer.status_code, headers=answer.headers, request=answer.request, content=b""
            )
            head.elapsed = timedelta(0)
            return head

    def seeded(self, actor: Actor, operation: Any, *, boundaries: bool) -> None:
        """The realistic requests, and each with boundary numbers in its numeric fields."""
        try:
            seeds = fuzz_seeds.requests(operation.label, self.context(actor))
        except (AssertionError, LookupError, TypeError) as error:  # a step before it failed
            self.tally.problems.append(f"{operation.label} (seed): {error}"[:600])
            return
        for seed in seeds:
            case = schema.make_case(operation=operation, **seed)
            answer = self.send(actor, case, note="(seed)")
            if answer is not None and answer.is_success:
                self.read_back(actor, case, answer)
            if not boundaries or not isinstance(seed.get("body"), dict | list):
                continue
            for where, body in boundary_variants(seed["body"]):
                variant = schema.make_case(operation=operation, **{**seed, "body": body})
                answer = self.send(actor, variant, note=f"(seed {where})")
                if answer is None or not answer.is_success:
                    continue
                if not DOCUMENT.body_valid(operation.path, operation.method, body):
                    self.tally.problems.append(
                        f"{operation.label} (seed {where}) -> {answer.status_code}: "
                        "accepted a body its document refuses"
                    )
                self.read_back(actor, variant, answer)

    def generated(self, actor: Actor, operation: Any) -> None:
        """Schemathesis's requests, fitting and nearly fitting, with ids seen so far."""
        choices = self.path_choices(actor, operation)
        if not choices:
            self.tally.problems.append(f"{operation.label}: no id to call it with")
            return
        cases = st.sampled_from(choices).flatmap(
            lambda fixed: st.one_of(
                operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed),
                operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed),
            )
        )

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,  # the same requests every run: CI is never red by chance
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=cases)
        def run(case: Any) -> None:
            answer = self.send(actor, case, note="(generated)")
            if answer is not None and answer.is_success:
                self.read_back(actor, case, answer)

        run()

    def others(self, actor: Actor, other: Actor, operation: Any) -> None:
        """The other user's objects, asked for by `actor`: each a 404."""
        if operation.label in fuzz_seeds.NOT_OWNED:
            return
        mine = self.ids.setdefault(actor.email, Ids()).pools(operation.path)
        named = fuzz_seeds.path_parameters(operation.path, self.context(actor))
        for fixed in self.path_choices(other, operation):
            theirs = {k: v for k, v in fixed.items() if k not in named}
            if not theirs or any(value in mine.get(k, ()) for k, value in theirs.items()):
                continue  # shared (a symbol, a template, a broker's name), not the other's
            try:
                seeds = fuzz_seeds.requests(operation.label, self.context(actor)) or [{}]
            except (AssertionError, LookupError, TypeError) as error:
                self.tally.problems.append(f"{operation.label} (seed): {error}"[:600])
                return
            request = {
                **seeds[0],
                "path_parameters": {**seeds[0].get("path_parameters", {}), **fixed},
            }
            case = schema.make_case(operation=operation, **request)
            answer = self.send(actor, case, note=f"(the other user's {theirs})")
            if answer is None or answer.status_code in (404, 422):
                continue  # 422: an id of another kind (a run's key where a number goes)
            if not answer.is_success and self._refused_anyway(operation, answer):
                continue
            self.tally.problems.append(
                f"{operation.label}: the other user's {theirs} answered "
                f"{answer.status_code}, not 404: {answer.text[:200]}"
            )

    def _refused_anyway(self, operation: Any, answer: httpx.Response) -> bool:
        """The user's own objects get the same refusal (a paper token asking for GTTs)."""
        own = self.tally.last_refusal.get(operation.label, "")
        return not self.tally.ok[operation.label] and own.startswith(f"{answer.status_code} ")

    def path_choices(self, actor: Actor, operation: Any) -> list[dict[str, Any]]:
        fixed = fuzz_seeds.path_parameters(operation.path, self.context(actor))
        seen = self.ids.get(actor.email, Ids()).candidates(operation.path, fixed)
        choices = [{**choice, **fixed} for choice in seen] if seen else []
        if not choices and all(name in fixed for name in fuzz_seeds.PARAM.findall(operation.path)):
            choices = [fixed]
        return choices

    def context(self, actor: Actor) -> fuzz_seeds.Context:
        return fuzz_seeds.Context(
            actor=actor,
            runtime=self.runtime,
            ids=self.ids.setdefault(actor.email, Ids()),
            http=self.http,
            fake=self.fake,
        )

    def read_back(self, actor: Actor, case: Any, answer: httpx.Response) -> None:
        """After a 2xx create or change, the resource's read returns what was sent."""
        method = case.operation.method.upper()
        if method not in ("POST", "PUT", "PATCH") or not isinstance(case.body, dict):
            return
        template = case.operation.path
        read_path = None
        if method in ("PUT", "PATCH") and "get" in RAW["paths"].get(template, {}):
            read_path = concrete(template, case.path_parameters or {})
        elif method == "POST":
            item = next(
                (
                    p
                    for p in RAW["paths"]
                    if p.startswith(template + "/{") and p.count("/") == template.count("/") + 1
                ),
                None,
            )
            body = _json(answer)
            if item is not None and "get" in RAW["paths"][item] and isinstance(body, dict):
                name = fuzz_seeds.PARAM.findall(item)[-1]
                key = body.get("id", body.get(name))
                if key is not None:
                    read_path = concrete(template, case.path_parameters or {}) + f"/{key}"
        if read_path is None:
            return
        self.http.cookies.clear()
        read = self.http.get(actor.base + read_path, headers=actor.headers(read_path))
        if not read.is_success:
            self.tally.problems.append(
                f"{case.operation.label}: accepted ({answer.status_code}) but its read "
                f"GET {read_path} answered {read.status_code} {read.text[:200]}"
            )
            return
        # Fields the body does not declare are ignored, and so are those the server sets (a
        # read sent back as a write is accepted): the others must read back as sent.
        declared = DOCUMENT.body_fields(case.operation.path, method)
        sent = {
            key: value
            for key, value in case.body.items()
            if key not in SERVER_SET and (declared is None or key in declared)
        }
        for problem in read_differs(sent, _json(read)):
            self.tally.problems.append(f"{case.operation.label}: GET {read_path} {problem}")


def _succeeded(operation: Any, answer: httpx.Response) -> bool:
    """A 2xx, or the redirect the operation documents as its answer (a login callback)."""
    if answer.is_success:
        return True
    documented = RAW["paths"][operation.path][operation.method.lower()]["responses"]
    return answer.is_redirect and str(answer.status_code) in documented


def _documented_refusal(answer: httpx.Response) -> bool:
    """The worker contract's 503 for a calendar range the holiday list does not cover (the
    SDK maps it to its own error; tradertape_worker's market calendar)."""
    body = _json(answer) if answer.status_code == 503 else None
    detail = body.get("detail") if isinstance(body, dict) else None
    return isinstance(detail, dict) and detail.get("rejection_reason") == "CALENDAR_RANGE_UNCOVERED"


def _streams(path: str) -> bool:
    """An SSE operation: one whose 200 the document declares ``text/event-stream`` (the
    worker streams, the research jobs' progress under ``/api/backtest/`` and
    ``/api/backtests/``). Their bodies are ``{event, data}`` messages whose ``data`` travels
    as a JSON string, which schemathesis's SSE check reads as a string: the head is checked,
    and the messages by their own tests (test_stream_messages, test_sweeps_api). A stream
    read as JSON never ends: its bytes fail the JSON schema (an options sweep's stream,
    under ``/api/backtests/``, once was, when this test matched paths by prefix)."""
    answer = RAW["paths"].get(path, {}).get("get", {}).get("responses", {}).get("200", {})
    return "text/event-stream" in answer.get("content", {})


def _json(answer: httpx.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None


def _curl(request: dict[str, Any]) -> str:
    body = request.get("json", request.get("content"))
    return f"{request['method']} {request['url']} params={request.get('params')} body={body!r}"[
        :400
    ]


# Answered 2xx only to a replay's own worker token (each replay mints one, shown once), which
# no fuzzing actor works with: the fuzzer still sends it (every other answer is checked), and
# `tests/sdk/test_replay.py` reads it with a replay's token as its worker does.
REPLAY_ONLY = frozenset({"GET /api/algo-workers/worker/replay"})


@pytest.mark.long
def test_every_operation_answers_as_documented(
    server: str,
    runtime: Runtime,
    with_candles: Runtime,
    fake: Fake,
    capsys: pytest.CaptureFixture[str],
):
    """One server for the whole run (a server per operation would cost minutes). Alice
    calls every operation, but those only a user trading live at Kite reaches (`LIVE`),
    which Carol calls; Bob's objects sit beside theirs."""
    tally = Tally()
    alice, bob, carol = (Actor(f"{name}@x.in", server) for name in ("alice", "bob", "carol"))
    with httpx.Client() as http:
        fuzzer = Fuzzer(http, runtime, tally, fake)
        fuzz_seeds.prepare(runtime)
        for actor, admin in ((alice, True), (bob, False)):
            make_user(runtime, actor.email, admin=admin)
            actor.sign_in(runtime)
            fuzz_seeds.enlist_worker(http, actor)
            fuzz_seeds.furnish(http, actor, runtime)
        fuzz_seeds.go_live(http, carol, runtime, fake)
        # The other user's objects: made by the same realistic requests, before alice's run
        for operation in OPERATIONS:
            if _stage(operation)[0] <= 1 and operation.label not in fuzz_seeds.LIVE:
                fuzzer.seeded(bob, operation, boundaries=False)
                fuzz_seeds.release_held()
        for operation in OPERATIONS:
            actor = carol if operation.label in fuzz_seeds.LIVE else alice
            fuzzer.seeded(actor, operation, boundaries=True)
            fuzzer.generated(actor, operation)
            fuzzer.others(actor, bob, operation)
            fuzz_seeds.release_held()
            if operation.label in LAST:
                alice.sign_in(runtime)
                fuzz_seeds.enlist_worker(http, alice)
    labels = [operation.label for operation in OPERATIONS]
    table = tally.table(labels)
    with capsys.disabled():
        print("\n" + table)  # noqa: T201 - the counts are the point, pass or fail
    never = [label for label in labels if not tally.ok[label] and label not in REPLAY_ONLY]
    assert not tally.problems, "\n".join(tally.problems)
    assert not never, f"{len(never)} operations never answered a 2xx:\n{table}"
