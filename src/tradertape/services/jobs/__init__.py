"""The user's side of the background jobs."""
