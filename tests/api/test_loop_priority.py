"""The app runs its event loop at the ``loop_priority`` setting (`serving.priority`): the
thread serving the tick fan-out is raised for the app's life, and by default left alone."""

from __future__ import annotations

import os
import sys

import pytest
from fastapi.testclient import TestClient

from tradertape.api.app import create_app
from tradertape.runtime import Runtime
from tradertape.serving import priority

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux calls")


def test_normal_by_default_leaves_the_loop_thread_alone(client: TestClient) -> None:
    assert client.app.state.loop_priority == "normal"  # type: ignore[attr-defined]
    assert client.portal is not None
    found = client.portal.call(priority.current)
    assert found is not None
    assert (found.policy, found.priority) == (os.SCHED_OTHER, 0)


def test_high_raises_the_loop_thread_while_the_app_runs(runtime: Runtime) -> None:
    high = Runtime.build(
        runtime.settings.model_copy(update={"loop_priority": "high"}),
        clock=runtime.clock,
        db=runtime.db,
    )
    with TestClient(create_app(high)) as client:
        got = client.app.state.loop_priority  # type: ignore[attr-defined]
        assert client.portal is not None
        found = client.portal.call(priority.current)
        assert found is not None
        if got == "high":
            assert found.nice == priority.HIGH_NICE
        else:  # no privilege here: it says so and runs as started
            assert got == "normal"
            assert found.nice >= 0
