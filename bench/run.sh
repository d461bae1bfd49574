#!/usr/bin/env bash
# One entry point for the benchmarks (none of them is part of the test suite):
#   bench/run.sh dhcp  [--quick] [--sizes "100 10000 65000"] [--servers "qdhcp dnsmasq kea"]
#   bench/run.sh agent [--quick]     builtin vs dnsmasq driver: propagation, churn, resync, memory
#   bench/run.sh api                 port create latency/throughput, SQLite and PostgreSQL
#   bench/run.sh dns [agent]         dnsperf against the builtin responder and dnsmasq (agent: in DHCP namespaces)
#   bench/run.sh metadata            metadata proxy: 200 requests at once from 8 probes, p50/p99
#   bench/run.sh boot-storm [--probes 200] [--sample 5] [--dhcp-only]   200 probes boot at once: lease + a boot's metadata requests
#   bench/run.sh scaleout [--quick]  2 servers + 2 agents over RabbitMQ/PostgreSQL: propagation, failover time
#   bench/run.sh big-network [--old DIR] [--ports 60000]   one /16 network filled to 60,000 ports: batch time, CPU, RSS
#   bench/run.sh neutron-agent       neutron-dhcp-agent vs `qdhcp agent --neutron` under one real neutron-server
#   bench/run.sh compare OLD_DIR NEW_DIR [--runs 3] [--quick]   old vs new build: issue 11's no-regression gate
#   bench/run.sh routers [--counts "1 200"] [--samples 20] [--profile]   issue 13: floating IP associate → first packet, p50/p99
#   bench/run.sh router-restart [--routers 200] [--probes 10]   issue 13: agent restarts under pings, convergence
#   bench/run.sh handover [--networks 1000] [--sample 10] [--old DIR]   issue 17: takeover/SIGHUP/upgrade under DHCP, DNS, metadata probes
#   bench/run.sh sg [--quick] [--counts "10 100 1000"] [--samples 20]   issue 14: security group change → kernel, tap → ACTIVE
#   bench/run.sh dhcp-loop --old DIR --new DIR [--runs 5] [--seconds 10] [--only cpu,agent,rate]   issue 17 item 3: DHCP CPU vs dnsmasq, windows alternating in rounds
#   bench/run.sh dhcpv6 [--quick] [--sizes "100 10000"]   issue 15: perfdhcp -6 against the builtin engine and dnsmasq
# Each prints a markdown table with ratios measured in the same run; docs/performance.md has the results.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
which=${1:-}
case "$which" in
  dhcp|agent|api|dns|metadata|boot-storm|scaleout|compare|big-network|neutron-agent|routers|router-restart|handover) shift; exec bash "$here/$which/run.sh" "$@" ;;
  sg) shift; exec bash "$here/security-groups/run.sh" "$@" ;;
  dhcpv6) shift; exec bash "$here/dhcpv6/run.sh" "$@" ;;
  dhcp-loop) shift; exec bash "$here/run-node-bench.sh" compare/dhcp-loop.js 10 "$@" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; [ -z "$which" ] && exit 0 || exit 2 ;;
esac
