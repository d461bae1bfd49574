#!/usr/bin/env bash
# Floating-IP benchmark (issue 13): associate → first packet through the router, p50/p99, with 1 and 200
# floating IPs on the router, plus the agent's CPU per associate. Markdown table on stdout.
#
#   bench/routers/run.sh [--counts "1 200"] [--samples 20] [--profile]   (--profile: split at the agent's timestamps)
#
# Needs root. Runs under bench/run-node-bench.sh, which removes the namespaces by prefix whatever happens.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
case "${1:-}" in -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
exec bash "$here/../run-node-bench.sh" routers/run.js 10 "$@"
