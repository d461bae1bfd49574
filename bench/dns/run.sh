#!/usr/bin/env bash
# DNS benchmark: our responder (src/dns, as test/support/dns/server-main.js runs it) against dnsmasq started
# for DNS the way Neutron starts it (--no-hosts --no-resolv --addn-hosts, --domain=openstacklocal), with the
# same names, in the same run. dnsperf (in a client namespace) asks FQDN A, short-name A and PTR of those
# names; prints queries/s for each and the ratio. Not part of the test suite.
#
#   bench/dns/run.sh [--hosts N] [--seconds S] [--clients C] [--outstanding Q]
#     defaults: 1000 hosts, 10 s per server, 4 clients, 100 outstanding queries
#   bench/dns/run.sh agent [--hosts N] [--seconds S] [--rounds R] [--drivers builtin,dnsmasq] ...
#     the same, against the DNS served in a DHCP namespace by `qdhcp all-in-one` with each driver, with
#     dnsperf in a probe namespace on the tenant network (bench/dns/agent.ts)
#
# Needs root, dnsperf and dnsmasq (scripts/setup.sh) and a build (`npm run build`). Runs in two namespaces
# qdnsb-<pid>-{srv,cli} joined by a veth (10.77.20.1 and .2); nothing touches the root namespace.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
if [ "${1:-}" = agent ]; then
  shift
  [ -f "$ROOT/dist/bench/dns/agent.js" ] || { echo "build first: npm run build" >&2; exit 1; }
  exec node "$ROOT/dist/bench/dns/agent.js" "$@"
fi
HOSTS=1000 SECONDS_PER=10 CLIENTS=4 OUTSTANDING=100
while [ $# -gt 0 ]; do
  case "$1" in
    --hosts) HOSTS="$2"; shift ;;
    --seconds) SECONDS_PER="$2"; shift ;;
    --clients) CLIENTS="$2"; shift ;;
    --outstanding) OUTSTANDING="$2"; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ -f "$ROOT/dist/bench/dns/generate.js" ] || { echo "build first: npm run build" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }
command -v dnsperf >/dev/null && command -v dnsmasq >/dev/null || { echo "needs dnsperf and dnsmasq" >&2; exit 1; }

P="qdnsb$$"; SRV="$P-srv"; CLI="$P-cli"; SERVER_IP=10.77.20.1
WORK="$(mktemp -d)"; chmod 755 "$WORK"  # dnsmasq reads addn_hosts after dropping root
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  ip netns del "$SRV" 2>/dev/null || true
  ip netns del "$CLI" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "[bench-dns $(date +%T)] $*" >&2; }

ip netns add "$SRV"; ip netns add "$CLI"
ip -n "$SRV" link set lo up; ip -n "$CLI" link set lo up
ip -n "$SRV" link add "${P}s" type veth peer name "${P}c" netns "$CLI"
ip -n "$SRV" addr add "$SERVER_IP/24" dev "${P}s"; ip -n "$SRV" link set "${P}s" up
ip -n "$CLI" addr add 10.77.20.2/24 dev "${P}c"; ip -n "$CLI" link set "${P}c" up
node "$ROOT/dist/bench/dns/generate.js" --dir "$WORK" --hosts "$HOSTS" --listen "$SERVER_IP"

wait_ready() {  # until the server answers one of the names
  for _ in $(seq 1 100); do
    ip netns exec "$CLI" dig "@$SERVER_IP" +tries=1 +time=1 +short host-10-77-128-0.openstacklocal A 2>/dev/null | grep -q 10.77.128.0 && return 0
    sleep 0.1
  done
  echo "server did not come up" >&2; return 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime of a PID, in clock ticks
measure() {  # measure LABEL: dnsperf against the running server; prints "qps cpu-us-per-query"
  local out="$WORK/dnsperf-$1.txt" before after
  before=$(cpu_ticks "$SERVER_PID")
  ip netns exec "$CLI" dnsperf -s "$SERVER_IP" -d "$WORK/queries.txt" -l "$SECONDS_PER" -c "$CLIENTS" -q "$OUTSTANDING" \
    -t 2 > "$out" 2>&1
  after=$(cpu_ticks "$SERVER_PID")
  local qps lost completed cpu_us
  qps=$(awk '/Queries per second:/ {printf "%d", $4}' "$out")
  lost=$(awk '/Queries lost:/ {print $3}' "$out")
  completed=$(awk '/Queries completed:/ {print $3}' "$out")
  # CPU per query is the steadier figure on a shared 2-core machine (dnsperf competes for the same cores).
  cpu_us=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$completed" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
  log "$1: $qps queries/s, lost $lost, $cpu_us us CPU per query"
  cp "$out" "$ROOT/bench/results/dns-$STAMP-$1.txt"
  echo "$qps $cpu_us"
}
STAMP="$(date +%Y%m%dT%H%M%S)"; mkdir -p "$ROOT/bench/results"

log "qdhcp responder, $HOSTS hosts"
ip netns exec "$SRV" node "$ROOT/dist/test/support/dns/server-main.js" --config "$WORK/qdhcp-dns.json" > "$WORK/qdhcp.log" 2>&1 &
SERVER_PID=$!
wait_ready
read -r QDHCP_QPS QDHCP_CPU < <(measure qdhcp)
QDHCP_RSS=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo '?')
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=

log "dnsmasq, $HOSTS hosts"
ip netns exec "$SRV" dnsmasq --keep-in-foreground --no-hosts --no-resolv --port=53 --listen-address="$SERVER_IP" \
  --bind-interfaces --domain=openstacklocal --addn-hosts="$WORK/addn_hosts" --pid-file="$WORK/dnsmasq.pid" \
  --log-facility=- > "$WORK/dnsmasq.log" 2>&1 &
SERVER_PID=$!
wait_ready
read -r DNSMASQ_QPS DNSMASQ_CPU < <(measure dnsmasq)
DNSMASQ_RSS=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo '?')
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=

RATIO=$(awk -v a="$QDHCP_QPS" -v b="$DNSMASQ_QPS" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
CPU_RATIO=$(awk -v a="$QDHCP_CPU" -v b="$DNSMASQ_CPU" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "n/a" }')
echo
echo "| server | hosts | queries/s | server CPU per query | RSS (KiB) |"
echo "|---|---|---|---|---|"
echo "| qdhcp src/dns | $HOSTS | $QDHCP_QPS | $QDHCP_CPU us | $QDHCP_RSS |"
echo "| dnsmasq $(dnsmasq --version | head -1 | awk '{print $3}') | $HOSTS | $DNSMASQ_QPS | $DNSMASQ_CPU us | $DNSMASQ_RSS |"
echo
echo "ratio qdhcp/dnsmasq: $RATIO by queries/s, $CPU_RATIO by CPU per query (>1 = qdhcp cheaper)"
echo "(dnsperf -c $CLIENTS -q $OUTSTANDING, ${SECONDS_PER}s each, on a shared machine; raw output in bench/results/)"
