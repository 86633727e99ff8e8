"""Test kit for Upstox's market data feed: the fake Upstox's feed, a minted token, a recorder."""

from __future__ import annotations

from fastapi import FastAPI

from tradertape_brokers.upstox_feed import FeedFrame, FrameType

INFY = "NSE_EQ|INE009A01021"  # NSE:INFY in the reference catalog
TCS = "NSE_EQ|INE467B01029"
NIFTY = "NSE_INDEX|Nifty 50"


def mint_token(app: FastAPI) -> str:
    """An access token the fake Upstox accepts (its login flow, without the browser)."""
    sessions = app.state.sessions
    code = sessions.issue_code("upstox-app", "http://testserver/callback")
    token = sessions.redeem(code, "upstox-app", "http://testserver/callback")
    assert isinstance(token, str)
    return token


class Recorder:
    """Collects frames and the backoff waits a client asked for (never really waited)."""

    def __init__(self) -> None:
        self.frames: list[FeedFrame] = []
        self.delays: list[float] = []

    async def on_frame(self, frame: FeedFrame) -> None:
        self.frames.append(frame)

    async def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)

    def of(self, kind: FrameType) -> list[FeedFrame]:
        return [f for f in self.frames if f.type is kind]
