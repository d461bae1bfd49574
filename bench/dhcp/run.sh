#!/usr/bin/env bash
# DHCP benchmark: `qdhcp serve` against dnsmasq (started exactly as Neutron starts it) and Kea 2.2, with the
# same hosts file, in the same run, using the anchor scripts of ../shared/tools/dhcp-bench (perfdhcp DORA
# ladders, relayed; startup; SIGHUP reload with the longest service gap; RSS). Prints a markdown table with
# ratios and keeps the raw CSVs in bench/results/dhcp-<time>/.
#
#   bench/dhcp/run.sh [--quick] [--sizes "100 10000 65000"] [--servers "qdhcp dnsmasq kea"]
#     --quick   1 repetition, 5-s steps (about 15 min for everything); default 3 reps of 10-s steps (~45 min)
#
# Needs root, the packages of scripts/setup.sh and a build (`npm run build`). Everything runs in anc-*
# namespaces created and removed by the anchor scripts; nothing touches the root namespace.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ANCHOR="${ANCHOR_DIR:-$ROOT/../shared/tools/dhcp-bench}"
REPS=3 SECS=10 SIZES="100 10000 65000" SERVERS="qdhcp dnsmasq kea"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) REPS=1 SECS=5 ;;
    --sizes) SIZES="$2"; shift ;;
    --servers) SERVERS="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ -d "$ANCHOR" ] || { echo "anchor scripts not found at $ANCHOR (set ANCHOR_DIR)" >&2; exit 1; }
[ -f "$ROOT/dist/src/cli/main.js" ] || { echo "build first: npm run build" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }

OUTDIR="$ROOT/bench/results/dhcp-$(date +%Y%m%dT%H%M%S)"; mkdir -p "$OUTDIR"
log() { echo "[bench $(date +%T)] $*" >&2; }

# qdhcp serve with the dnsmasq command line Neutron uses (anchor README §4.1), same hosts/opts files.
export SERVER_CMD="$ROOT/bin/qdhcp serve --interface=\"\$ANC_IFACE\" \
--dhcp-range=set:tag0,10.77.0.0,static,255.255.0.0,86400s --dhcp-hostsfile=\"\$ANC_HOSTSFILE\" \
--dhcp-optsfile=\"\$ANC_WORK/opts\" --dhcp-option-force=option:mtu,1450 --dhcp-lease-max=65536 \
--domain=openstacklocal --log-facility=\"\$ANC_WORK/custom.log\""

ladder() {  # ladder SERVER N : target DORA rates to climb (the ladder stops after two failures)
  case "$1:$2" in
    qdhcp:*) echo "1000 2000 3000 4000 5000 6000 7000 8000 10000 12000 15000 20000" ;;
    dnsmasq:100) echo "1000 2000 3000 4000 5000 6000 7000 8000 10000 12000 15000" ;;
    dnsmasq:10000) echo "100 200 300 400 500 600 800" ;;
    dnsmasq:*) echo "10 15 20 25 30 40 50 60" ;;
    kea:*) echo "500 1000 1500 2000 2500 3000 4000" ;;
  esac
}
warm_rate() {  # how fast the warm-up pass gives every host a lease first (0 = skip)
  case "$1:$2" in
    dnsmasq:10000) echo 400 ;; dnsmasq:65000) echo 0 ;; kea:*) echo 1000 ;; *) echo 2000 ;;
  esac
}
anchor_name() { [ "$1" = qdhcp ] && echo custom || echo "$1"; }

for n in $SIZES; do
  for s in $SERVERS; do
    log "throughput: $s N=$n"
    # A failed step is logged and the run goes on: one bad step must not lose an hour of measurements.
    LABEL=$s WARM_RATE=$(warm_rate "$s" "$n") OUT="$OUTDIR/throughput-$s-N$n.csv" \
      "$ANCHOR/bench-throughput.sh" "$(anchor_name "$s")" "$n" "$REPS" "$SECS" "$(ladder "$s" "$n")" \
      > /dev/null 2>> "$OUTDIR/bench.log" || log "FAILED: throughput $s N=$n (see bench.log)"
    grep -E "SUMMARY server=$s N=$n " "$OUTDIR/bench.log" | tail -1 >&2 || true
    log "startup and reload: $s N=$n"
    OUT="$OUTDIR/startup-reload.csv" "$ANCHOR/bench-startup-reload.sh" "$(anchor_name "$s")" "$n" "$REPS" \
      > /dev/null 2>> "$OUTDIR/bench.log" || log "FAILED: startup/reload $s N=$n (see bench.log)"
  done
done
# The anchor scripts write "custom" in the startup CSV's server column; name it.
sed -i 's/^custom,/qdhcp,/' "$OUTDIR/startup-reload.csv"
node "$ROOT/dist/bench/dhcp/report.js" "$OUTDIR" | tee "$OUTDIR/report.md"
log "raw data: $OUTDIR"
