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
case "${1:-}" in -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
exec bash "$(dirname "$0")/../run-node-bench.sh" scaleout/run.js 8 "$@"
