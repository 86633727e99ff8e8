"""Order management: validation, idempotent placement, the paper exchange and the ledger."""
