#!/usr/bin/env bash
# Security group benchmark (issue 14): with 10, 100 and 1,000 protected ports plugged on one host, rule
# add/delete and member join/leave → enforced in the kernel, and tap → port ACTIVE, p50/p99, CPU per change.
#
#   bench/security-groups/run.sh [--quick] [--counts "10 100 1000"] [--samples 20]
#   (--quick: --counts "10 100" --samples 20, a few minutes)
#
# Needs root. Runs under bench/run-node-bench.sh, which removes the namespaces by prefix whatever happens.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
case "${1:-}" in -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
args=()
for a in "$@"; do [ "$a" = --quick ] && args+=(--counts "10 100") || args+=("$a"); done
exec bash "$here/../run-node-bench.sh" security-groups/run.js 10 "${args[@]}"
