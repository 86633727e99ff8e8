"""A fake Zerodha Kite Connect for tests and demos: ``tradertape fake-broker kite --port P``.

`create_app` builds the ASGI app; its `FakeKite` (``app.state.kite``) holds the sessions,
the account and the prices, and offers ``ltp(token)`` and ``instruments`` to a ticker.
The demo app is ``kitefake`` / ``kitefakesecret``, redirecting to a local server.
"""

from tradertape.fakebrokers.kite.app import FakeKite, create_app
from tradertape.fakebrokers.kite.faults import Fault
from tradertape.fakebrokers.kite.sessions import DEFAULT_API_KEY, DEFAULT_API_SECRET

__all__ = ["DEFAULT_API_KEY", "DEFAULT_API_SECRET", "FakeKite", "Fault", "create_app"]
