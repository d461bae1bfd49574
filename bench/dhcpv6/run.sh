#!/usr/bin/env bash
# Issue 15: perfdhcp -6 full exchanges against the builtin DHCPv6 engine (the agent's Dhcpv6Networks in a
# small harness) and dnsmasq (the dnsmasq driver's command line and files), 100 and 10,000 hosts, in one run.
#
#   bench/dhcpv6/run.sh [--quick] [--sizes "100 10000"] [--servers "builtin dnsmasq"] [--profile DIR]
#     --quick    3-s steps (under 5 minutes); default 10-s steps
#     --profile  run the builtin harness under node --cpu-prof, profiles in DIR/builtin-<hosts>/
#
# Needs root and perfdhcp (kea-admin). Everything runs in qd6… namespaces removed at the end, also after a
# failure or Ctrl-C (bench/run-node-bench.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
case "${1:-}" in -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
exec bash "$here/run-node-bench.sh" dhcpv6/run.js 5 "$@"
