"""Background work: the market and the trading loop (`loop`, its timer's jobs in `trading`),
the job guard that lets each item fail alone (`guard`), the Telegram bot, the kernels'
warm-up, and the user's side of the jobs that failed on their items (`failures`).

Like the composition root, jobs wire the OMS's venues (the loop drives the paper exchange's
matching, the GTT books and the session jobs); they know no HTTP (`test_layers`)."""
