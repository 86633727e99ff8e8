"""The composition root, one builder per context: `Runtime.build` (`tradertape.runtime`)
composes them in the order they depend on each other.

- `market`: the catalog, the calendar, the process's feed and its watchdog, quotes, candles
  and the listed options (the market clock comes from here);
- `notifications`: the mail outbox and the order events' notices;
- `venues`: the OMS — its events and their subscribers, the paper exchange, the risk gate,
  the users' brokers, live orders, the GTT books and the one order door;
- `research`: heavy jobs (their caps, the job guard, backtests and sweeps);
- `services`: what runs on the OMS (accounts, workers and their protection, option runs,
  MTM exits, baskets' late refusals, webhooks, model portfolios).

Each builder takes the settings, the ports and the parts built before it, and returns a
small frozen record of what it built; none reaches into another's internals.
"""
