#!/usr/bin/env bash
# Scale-out benchmark (issue 7): two `qdhcp server` processes on one PostgreSQL database, RabbitMQ
# (127.0.0.1:5672, a private exchange prefix), two `qdhcp agent` processes each in its own host namespace.
# Propagation (API 201 → OFFER, p50/p99) with 2 agents per network at 10 / 1,000 / 10,000 ports, then
# failover time (kill -9 of the hosting agent → first OFFER from the other) with 1 agent per network.
# Prints a markdown table.
#
#   bench/scaleout/run.sh [--quick] [--sizes 10,1000,10000] [--samples N] [--runs N]
#     --quick   sizes 10 and 1,000, 20 samples, 2 failover runs (full: 10/1,000/10,000, 100, 5)
#
# Needs root, PostgreSQL and RabbitMQ. Everything lives in namespaces under a unique prefix, removed on exit.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }
case "${1:-}" in -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
cd "$ROOT" && npx tsc -p tsconfig.json >/dev/null 2>&1  # emits even when other helpers' files have errors
[ -f "$ROOT/dist/bench/scaleout/run.js" ] || { echo "build failed" >&2; exit 1; }
PREFIXES="$(mktemp)"
node "$ROOT/dist/bench/scaleout/run.js" --prefix-file "$PREFIXES" "$@" &
PID=$!
cleanup() {
  kill -TERM "$PID" 2>/dev/null && sleep 8
  kill -KILL "$PID" 2>/dev/null
  # Fallback: anything left under our prefix (the node process normally removes it).
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
rm -f "$PREFIXES"
exit $rc
