"""Model portfolios: deploy and run a strategy version with capital, guardrails and a broker."""
