#!/usr/bin/env bash
# The web app's end-to-end specs as N shards side by side (default 2), each its own
# Playwright run with its own fresh demo server, port and data folder (playwright.config.ts
# picks them per run) and its own output folder; each shard's output is printed when all
# have ended; the exit status is the first failing shard's.
set -u
cd "$(dirname "$0")/.."
shards=${E2E_SHARDS:-2}
rm -rf test-results && mkdir -p test-results
pids=()
for n in $(seq 1 "$shards"); do
  E2E_OUTPUT_DIR="test-results/shard-$n" npx playwright test --shard="$n/$shards" "$@" \
    > "test-results/shard-$n.log" 2>&1 &
  pids+=($!)
done
status=0
for n in $(seq 1 "$shards"); do
  wait "${pids[$((n - 1))]}" || { rc=$?; [ "$status" = 0 ] && status=$rc; }
  echo "=== end-to-end shard $n of $shards ==="
  cat "test-results/shard-$n.log"
done
exit "$status"
