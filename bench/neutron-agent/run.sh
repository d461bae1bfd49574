#!/usr/bin/env bash
# neutron-dhcp-agent vs `qdhcp agent --neutron` under the same real neutron-server (issue 16), in one run:
# port create → servable p50/p99 (from the 201 and from the port_create_end cast) at 10 / 1,000 / 5,000
# ports, a burst of 100 creates → all servable, agent restart with 20 networks × 200 ports → all served by the
# new process, memory, agent CPU per port. Prints a markdown table with both agents and the ratios.
#
#   bench/neutron-agent/run.sh [--samples 30] [--sizes 10,1000,5000] [--agents neutron,qdhcp]
#       [--restart-networks 20] [--restart-ports 200] [--burst 100] [--size-budget-s 240]
#     --agents   neutron, qdhcp (builtin driver), qdhcp-dnsmasq; the first is the reference column
#     QDHCP_NEUTRON_AGENT="CMD … {config}"   the qdhcp agent's command line (default: bin/qdhcp agent --neutron --config {config})
#
# Needs root, Debian's Neutron packages (../shared/tools/neutron/setup.sh installs them), MariaDB and
# RabbitMQ answering on 127.0.0.1 (an own database, user and vhost are made and dropped), and a build.
set -uo pipefail
case "${1:-}" in -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
exec bash "$(dirname "$0")/../run-node-bench.sh" neutron-agent/run.js 150 "$@"
