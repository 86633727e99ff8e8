"""The agent's local UI (seed 000): a small mobile-first page on ``0.0.0.0:5679``."""
