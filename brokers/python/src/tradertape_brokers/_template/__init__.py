"""The skeleton a fourth broker's adapter copies (Angel One, Dhan, Fyers…); never built.

Copy this package to ``tradertape_brokers/<name>/`` and rename ``Template``/``TEMPLATE`` to
the broker's name. Its modules are the ones every adapter here has, each with one job:

- ``limits``: the broker's published request ceilings per bucket (``orders`` is the one the
  server's row of facts, ``domain.brokers.BrokerFacts.orders_per_second``, must agree with);
- ``errors``: the SDK's exceptions and the broker's error codes mapped onto the port's
  (`SessionExpired`, `InsufficientFunds`, `OrderRejected`, `TransientBrokerError`);
- ``login``: today's session (`BrokerSession`) by the broker's login flow, a redirect's code
  exchanged or a token minted from the API key, dying at the broker's daily cut-off;
- ``adapter``: the `Broker` port in Kite's shapes, paced by the limiter, retrying transient
  failures with backoff, and finding an order by the idempotency key it carried;
- ``parsing`` and ``gtt`` (as the siblings have them): the broker's rows turned into Kite's,
  and its triggers.

Then register it: a branch in `registry.build_broker` and `registry.new_limiter`, its name
in `registry.BROKERS`, an SDK extra in ``pyproject.toml``; the server's row in
``tradertape.domain.brokers``; a fake from ``tradertape.fakebrokers._template``; and a
harness in ``tests/brokers/conformance/harness.py``, after which the conformance suite runs
it (``docs/brokers.md``, "Adding a broker"). Nothing here imports the TraderTape server.
"""

from __future__ import annotations

from tradertape_brokers._template.adapter import TemplateBroker
from tradertape_brokers._template.limits import TEMPLATE_LIMITS
from tradertape_brokers._template.login import DEFAULT_ROOT, exchange_code

__all__ = ["DEFAULT_ROOT", "TEMPLATE_LIMITS", "TemplateBroker", "exchange_code"]
