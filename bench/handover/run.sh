#!/usr/bin/env bash
# Planned restart and upgrade at scale (issue 17): `qdhcp server` + `qdhcp agent` over RabbitMQ serving N
# networks, replaced by `--takeover` (an older build's agent first, with --old), by `--takeover` of this
# build, then by SIGHUP, while instances on a sample of networks ask DHCP, DNS and metadata every 100 ms.
# Markdown table on stdout.
#
#   bench/handover/run.sh [--networks 1000] [--sample 10] [--old DIR]     DIR: a built older checkout
#
# Needs root and RabbitMQ on 127.0.0.1:5672. Runs under bench/run-node-bench.sh, which removes the
# namespaces by prefix whatever happens.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
case "${1:-}" in -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
exec bash "$here/../run-node-bench.sh" handover/run.js 40 "$@"
