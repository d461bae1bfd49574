#!/usr/bin/env bash
# Agent restart with many routers (issue 13): forwarding never stops (pings every 100 ms through SNAT and to
# a floating IP) and the time until the new agent has converged every router, for kill -9, SIGTERM and a
# planned takeover. Markdown table on stdout.
#
#   bench/router-restart/run.sh [--routers 200] [--probes 10]
#
# Needs root and RabbitMQ on 127.0.0.1:5672. Runs under bench/run-node-bench.sh, which removes the
# namespaces by prefix whatever happens.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
case "${1:-}" in -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
exec bash "$here/../run-node-bench.sh" router-restart/run.js 35 "$@"
