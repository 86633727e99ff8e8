"""Automatic protection: the watchers that exit a run or a book when a rule fires, each
claiming its exit once however many ticks, timers or processes race.

- `engine`: a worker run's backend protection (`ProtectionEngine`), on ticks and the timer;
- `settings`: a run's protection document (each a new generation of its fence) and its
  risk settings, as the worker and the run desk change them; the protection timeline;
- `recovery`: runs their worker left behind (stale sessions exited or flagged, exits that
  ended unfilled placed again);
- `options`: an option run's rules (`OptionProtectionEngine`);
- `fence`: one claimed exit per protection generation, worker and option runs alike.

Their exits go through the one `OrderPipeline`. A scope exited at its day MTM is an order
owner of its own, `services.mtm_exits`. The rules' arithmetic stays below them
(`domain.protection_rules` and `domain.mtm_exit`, pure; `services.options.metrics`, the
option runs' figures), and a worker's own exit (`services.workers.exits`) and its safety
reads (`services.workers.safety`) stay with the worker contract, which calls them too.
"""
