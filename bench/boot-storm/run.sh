#!/usr/bin/env bash
# Boot storm (issue 17 item 2): qdhcp all-in-one, one network, 200 probe namespaces prepared beforehand start
# at once: udhcpc lease, then a boot's metadata requests (curl; cloud-init's real readers on a sample).
#
#   bench/boot-storm/run.sh [--probes 200] [--sample 5] [--dhcp-only]
#
# Needs root and a build. Everything lives in namespaces under a unique prefix, removed on exit.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }
case "${1:-}" in -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
cd "$ROOT" && npx tsc -p tsconfig.json >/dev/null 2>&1  # emits even when other helpers' files have errors
[ -f "$ROOT/dist/bench/boot-storm/run.js" ] || { echo "build failed" >&2; exit 1; }
exec node "$ROOT/dist/bench/boot-storm/run.js" "$@"
