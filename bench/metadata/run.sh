#!/usr/bin/env bash
# Metadata proxy benchmark (issue 5): qdhcp all-in-one, one network, probe instances reading
# http://169.254.169.254 over their DHCP route — one request at a time, then bursts of 200 at once from
# 8 probes (each its own connection); prints p50/p99/max as a markdown table.
#
#   bench/metadata/run.sh [--driver builtin|dnsmasq] [--probes 8] [--burst 200] [--rounds 5] [--path P] [--client http|raw]
#
# Needs root and a build. Everything lives in namespaces under a unique prefix, removed on exit.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }
case "${1:-}" in -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
cd "$ROOT" && npx tsc -p tsconfig.json >/dev/null 2>&1  # emits even when other helpers' files have errors
[ -f "$ROOT/dist/bench/metadata/run.js" ] || { echo "build failed" >&2; exit 1; }
# The node process removes its namespaces itself, also on SIGINT/SIGTERM.
exec node "$ROOT/dist/bench/metadata/run.js" "$@"
