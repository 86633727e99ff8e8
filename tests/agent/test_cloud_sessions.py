"""The agent says "log in again" when the cloud finds a broker session ended, once per
change (`Runner.tell_sessions` over ``GET /api/agent/broker-sessions``)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from tradertape_agent.cli import Runner
from tradertape_agent.cloud import CloudError


class Cloud:
    """The cloud's answers, in turn; an exception instead of an answer is raised."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)

    def broker_sessions(self) -> list[dict[str, Any]]:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return list(answer)


def test_an_ended_session_is_said_once_and_again_after_a_new_login(tmp_path: Path):
    said: list[str] = []
    runner = Runner(tmp_path / "agent.json", say=said.append, serve_ui=False)
    action = "Kite ended your session: log in again (Settings → Brokers)"
    ended = {"broker": "kite", "action": action}
    live = {"broker": "kite", "action": None}
    agent: Any = SimpleNamespace(
        cloud=Cloud([live], [ended], [ended], CloudError("unreachable"), [live], [ended])
    )

    for _ in range(6):
        runner.tell_sessions(agent)

    assert said == [f"[agent] cloud: {action}"] * 2
