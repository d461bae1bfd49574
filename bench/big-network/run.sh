#!/usr/bin/env bash
# Big-network benchmark (issue 17, item 7): `qdhcp all-in-one` (SQLite, builtin driver, one agent), one
# network with a /16 subnet filled by bulk creates of 1,000 ports (POST /v2.0/ports {"ports": [...]}) up to
# 60,000; per batch the wall time of the POST, the all-in-one CPU it cost (until the agent has reported
# the batch's ports ready) and VmRSS; then VmRSS after 30 s idle. With --old DIR the same fill runs on
# that checkout's build after the new one: the table has both and the ratios new/old, from one run.
#
#   bench/run.sh big-network [--old DIR] [--new DIR] [--ports 60000] [--batch 1000] [--idle 30]
#
# DIR is a checkout with a build (`npm run build` there); --new defaults to this checkout. Needs root.
# Everything lives in namespaces under a unique prefix, removed on exit and on Ctrl-C. About 10 min per side.
set -uo pipefail
case "${1:-}" in -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
exec bash "$(dirname "$0")/../run-node-bench.sh" big-network/run.js 10 "$@"
