"""MTM exits as an order owner: one package (`services.owner_packages`).

- `exits`: a scope's day MTM watched on every tick batch, its positions exited at a
  threshold, its entries paused until resumed (`MtmExits`: the placing commands, and the
  rules' readings the risk page shows);
- `owner`: its policy (the bell leaves its exits to the rule's own ``risk_breach`` notice)
  and its package.

It was `services.protection.mtm_exits`: protection is a worker run's, and an MTM exit is
an owner of its own (the account's, a book's, a portfolio's or a run's positions).
"""
