"""Live orders and GTTs at the user's broker: sending, booking reports, reconciling."""
