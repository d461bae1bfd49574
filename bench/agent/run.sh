#!/usr/bin/env bash
# Agent benchmark (issue 4): `qdhcp all-in-one` with the builtin driver, then with the dnsmasq driver, in the
# same run: propagation (API 201 → OFFER, p50/p99 at 10 / 1,000 / 10,000 ports), churn (create+delete pairs
# at 100/200/400 per s, lag 201 → OFFER), resync after kill -9 (N networks × 20 ports), memory (VmRSS).
# Prints a markdown table with both drivers and the ratios.
#
#   bench/agent/run.sh [--quick]
#     --quick   20 samples per N, 5-s churn steps, resync at 200 networks (full: 50, 10 s, 1,000)
#
# Needs root and a build. Everything lives in namespaces under a unique prefix, removed on exit (trap).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }
case "${1:-}" in -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
cd "$ROOT" && npx tsc -p tsconfig.json >/dev/null 2>&1  # emits even when other helpers' files have errors
[ -f "$ROOT/dist/bench/agent/run.js" ] || { echo "build failed" >&2; exit 1; }
PREFIXES="$(mktemp)"
node "$ROOT/dist/bench/agent/run.js" --prefix-file "$PREFIXES" "$@" &
PID=$!
cleanup() {
  kill -TERM "$PID" 2>/dev/null && sleep 5
  kill -KILL "$PID" 2>/dev/null
  # Fallback: anything left under our prefixes (the node process normally removes it).
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
