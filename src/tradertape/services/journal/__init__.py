"""The journal: uploaded statements, the one trade ledger, P&L and tax P&L."""
