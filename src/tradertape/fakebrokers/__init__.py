"""Local fake brokers: each speaks one broker's documented wire format, for tests and demos.

A fake is an ASGI app built by ``create_app(**options)`` in ``tradertape.fakebrokers.<broker>``;
`FAKES` names them so ``tradertape fake-broker <broker>`` can serve any of them.
"""

from __future__ import annotations

#: broker name → module whose ``create_app`` builds that broker's fake.
FAKES: dict[str, str] = {
    "kite": "tradertape.fakebrokers.kite",
    "upstox": "tradertape.fakebrokers.upstox",
    "groww": "tradertape.fakebrokers.groww",
}
