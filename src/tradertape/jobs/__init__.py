"""Background work: the market and the trading loop (`loop`, its timer's jobs in `trading`),
the kernels' warm-up and the audit anchors' writer, each started from a built `Runtime`.

Like the composition root, jobs wire the OMS's venues (the loop drives the paper exchange's
matching, the GTT books and the session jobs); they know no HTTP (`test_layers`). What the
runtime builds for them (the job guard, the loop's lag) lives in `services.background`, so
the runtime never imports `jobs/`: the dependency points one way."""
