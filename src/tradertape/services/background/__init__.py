"""What background work shares with the composition root and the routes: the job guard that
lets each item fail alone (`guard`), a user's side of its failures (`failures`), and the
trading loop's lag (`lag`). Here, not in `jobs/`, because `runtime` builds them and `jobs/`
is built from the runtime: the wiring imports them, and `jobs/` imports the wiring."""
