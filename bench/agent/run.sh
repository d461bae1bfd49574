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
case "${1:-}" in -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
exec bash "$(dirname "$0")/../run-node-bench.sh" agent/run.js 5 "$@"
