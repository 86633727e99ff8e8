"""The cloud's alert fires, told on this machine.

Each poll reads ``GET /api/agent/alert-fires?after_id=`` (the fires after the last one the
agent told, oldest first), logs a line for each and keeps the latest for the local UI's
dashboard. The last id told is a journal fact, so a restart tells each fire once; a cloud
too old to serve the route (404) is said once and asked no more this run.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from tradertape_agent.cloud import Cloud, CloudRefused
from tradertape_agent.journal import Journal

AFTER_FACT = "alert_fires_after"
KEEP = 20  # the dashboard's latest fires

OUTCOMES = {
    "placed": "order placed",
    "rejected": "order rejected",
    "refused": "order refused",
    "awaiting": "order waits for your approval in TraderTape",
    "failed": "basket not placed",
    "partial": "basket partly placed",
    "unwound": "basket stopped and unwound",
}


def alert_line(fire: Mapping[str, Any]) -> str:
    """``🔔 alert 3: NSE:INFY at 1501 — order placed (why)``."""
    line = f"🔔 alert {fire.get('alert_id')}: {fire['symbol']} at {fire.get('price')}"
    words = OUTCOMES.get(str(fire.get("order_status")))
    if words is None:
        return line
    why = fire.get("order_message")
    return f"{line} — {words}" + (f" ({why})" if why else "")


class AlertFeed:
    """The fires the agent has told: the journal's last id, and the latest for the UI."""

    def __init__(self, cloud: Cloud, journal: Journal, log: Callable[[str], None]) -> None:
        self._cloud = cloud
        self._journal = journal
        self._log = log
        self._absent = False
        #: The latest fires told, newest first (the dashboard's list).
        self.recent: deque[dict[str, Any]] = deque(maxlen=KEEP)

    def after(self) -> int:
        """The id of the last fire told (0: none yet)."""
        return int(self._journal.fact(AFTER_FACT) or 0)

    def poll(self) -> list[str]:
        """Tell the fires after the last one told; their lines (`CloudError` propagates,
        but a cloud without the route is said once and skipped)."""
        if self._absent:
            return []
        try:
            fires = self._cloud.alert_fires(self.after())
        except CloudRefused as exc:
            self._absent = True
            self._log(f"[agent] alert fires not read (an older TraderTape?): {exc}")
            return []
        lines = []
        for fire in fires:
            line = alert_line(fire)
            self._log(f"[agent] {line}")
            self.recent.appendleft(fire)
            lines.append(line)
        if fires:
            self._journal.set_fact(AFTER_FACT, str(max(int(f["id"]) for f in fires)))
            self._journal.set_fact("last_alert", lines[-1])
        return lines
