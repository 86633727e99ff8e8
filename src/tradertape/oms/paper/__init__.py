"""The paper exchange: placement, matching, working orders, GTTs and its trading day."""
