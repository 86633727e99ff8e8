"""Inbound webhooks: another service (TradingView, Chartink, a script) places an order here
by POSTing to ``/api/hooks/{hook_id}``, signed with the hook's secret, its body mapped to an
order by a template the user edits, every order through the one order pipeline
(docs/alerts.md, "Inbound webhooks")."""
