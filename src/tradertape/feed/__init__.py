"""Market data inside the server: the simulated feed, tick serialisation and WebSocket fan-out.

- `plan`: what each day should look like (`DayPlan`; `SyntheticDayPlan` without a candle store).
- `path`: one instrument's intraday path through its day bar, on the tick grid.
- `schedule`: where the market clock stands (a real NSE session, a demo replay, or closed).
- `simulated`: `SimulatedFeed`, which publishes `Tick`s on ``ticks.<KEY>`` and caches the last.
- `codec`: Kite-shaped JSON (`tick_to_dict`) and the exact bus message of a tick.
- `fanout` / `stream`: one bus subscription per process, fanned out to WebSocket clients.
"""
