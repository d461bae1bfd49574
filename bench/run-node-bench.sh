#!/usr/bin/env bash
# Runs one of the namespace benchmarks written in TypeScript (bench/agent/run.ts, bench/scaleout/run.ts):
# builds, starts `node dist/bench/<SCRIPT> --prefix-file F ARGS…`, and on Ctrl-C or TERM stops it and
# removes whatever is left under the namespace prefixes it recorded in F (the node process normally
# removes them itself; the same removal runs after it exits, whatever its status).
#
#   bench/run-node-bench.sh SCRIPT GRACE_SECONDS [ARGS…]     e.g. agent/run.js 5 --quick
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SCRIPT=$1 GRACE=$2; shift 2
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }
cd "$ROOT" && npx tsc -p tsconfig.json >/dev/null 2>&1  # tsc emits even when it reports type errors
[ -f "$ROOT/dist/bench/$SCRIPT" ] || { echo "build failed: dist/bench/$SCRIPT missing" >&2; exit 1; }
PREFIXES="$(mktemp)"
node "$ROOT/dist/bench/$SCRIPT" --prefix-file "$PREFIXES" "$@" &
PID=$!
cleanup() {
  kill -TERM "$PID" 2>/dev/null && sleep "$GRACE"
  kill -KILL "$PID" 2>/dev/null
  while read -r prefix; do
    [ -n "$prefix" ] || continue
    for ns in $(ip netns list | awk '{print $1}' | grep "^${prefix}"); do
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
      ip netns del "$ns" 2>/dev/null
    done
  done < "$PREFIXES"
  rm -f "$PREFIXES"
}
trap 'cleanup; exit 130' INT TERM
wait "$PID"; rc=$?
trap - INT TERM
# Also after a normal exit: a bench that failed past its own teardown (an exception in a finally) must not
# leave its namespaces behind; for one that cleaned up, this finds nothing.
cleanup
exit $rc
