#!/usr/bin/env bash
# OpenStack's Neutron API suites against qdhcp, judged with exclude.txt:
#   tempest.api.network          (Debian package `tempest`)
#   neutron_tempest_plugin.api   (Debian package `neutron-tempest-plugin`)
# For each suite: a fresh `qdhcp all-in-one` (token auth, its own state dir) and the Keystone stand-in
# (keystone_stub.py) on free loopback ports, tempest runs, both stop; then report.py writes the counts and
# fails the run on any failure exclude.txt does not cover. test/e2e/tempest.test.ts runs `run.sh all`.
#
# usage: test/tempest/run.sh [all|tempest|plugin]      (as root, from a built checkout)
# env:   FILTER            only tests whose id matches this regex too (e.g. FILTER=test_ports)
#        RESULTS           where results go (default: a new /tmp/qdhcp-tempest-XXXXXX, kept)
#        TEMPEST_PREFIX    namespace prefix of everything created (default qtp<pid>-; must be unused)
#        CONCURRENCY       tempest workers (default 1; the accounts suffice for 2)
#        OS_TEST_TIMEOUT   seconds per test (default 180)
# exit:  0 every failure is excluded; 1 a failure is not (printed by cause); 2 the run could not happen
#
# Safety: everything listens on 127.0.0.1; the agent's bridges and namespaces live in the host namespace
# "${TEMPEST_PREFIX}host" and in "${TEMPEST_PREFIX}qdhcp-*", created here and removed on any exit (processes
# stopped by PID, tempest by its own process group, `qdhcp netns-cleanup` limited to this prefix).
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
QDHCP="$ROOT/bin/qdhcp"
PY=/usr/bin/python3 # Debian's python: tempest, subunit and testtools are its packages
WHICH=${1:-all}
FILTER=${FILTER:-}
PREFIX=${TEMPEST_PREFIX:-qtp$$-}
HOSTNS="${PREFIX}host"
RESULTS=${RESULTS:-$(mktemp -d /tmp/qdhcp-tempest-XXXXXX)}
CONCURRENCY=${CONCURRENCY:-1}
export OS_TEST_TIMEOUT=${OS_TEST_TIMEOUT:-180}
ADMIN_TOKEN=tp-tok-tp-admin # identities.py: the admin account's static token

log() { echo "[tempest $(date +%H:%M:%S)] $*" >&2; }

KS_PID="" QD_PID="" TEMPEST_PID="" WORK="" CREATED_HOSTNS=""

stop_pid() { # pid name: SIGTERM, up to 10 s, then SIGKILL
  local pid=$1 name=$2
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then log "$name ($pid) ignored SIGTERM: SIGKILL"; kill -9 "$pid" 2>/dev/null; fi
  wait "$pid" 2>/dev/null
}

stop_stack() {
  # tempest runs in its own session (setsid), so its workers go with it: the group is its PID
  if [ -n "$TEMPEST_PID" ]; then kill -- "-$TEMPEST_PID" 2>/dev/null; wait "$TEMPEST_PID" 2>/dev/null; fi
  TEMPEST_PID=""
  stop_pid "$QD_PID" qdhcp; QD_PID=""
  stop_pid "$KS_PID" keystone-stub; KS_PID=""
  [ -z "$CREATED_HOSTNS" ] ||
    "$QDHCP" netns-cleanup --all --namespace-prefix "$PREFIX" --host-namespace "$HOSTNS" >/dev/null 2>&1
}

cleanup() {
  stop_stack
  [ -z "$CREATED_HOSTNS" ] || ip netns del "$HOSTNS" 2>/dev/null
  [ -z "$WORK" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- preconditions ---------------------------------------------------------------------------------
case "$WHICH" in all | tempest | plugin) ;; *) echo "usage: $0 [all|tempest|plugin]" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "run.sh needs root (network namespaces)" >&2; exit 2; }
[ -f "$ROOT/dist/src/cli/main.js" ] || { echo "qdhcp is not built: npm run build" >&2; exit 2; }
dpkg -s tempest neutron-tempest-plugin >/dev/null 2>&1 ||
  { echo "needs the Debian packages tempest and neutron-tempest-plugin (scripts/test.sh installs them)" >&2; exit 2; }
if ip netns list | grep -q "^$PREFIX"; then echo "namespaces named $PREFIX* exist: choose another TEMPEST_PREFIX" >&2; exit 2; fi

mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.json "$RESULTS"/report.md
WORK=$(mktemp -d /tmp/qdhcp-tempest-work-XXXXXX)
read -r KS_PORT QD_PORT < <("$PY" -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
KS_URL="http://127.0.0.1:$KS_PORT"
QD_URL="http://127.0.0.1:$QD_PORT"

# The agent's host namespace: its bridges, taps and uplinks live there, never in the root namespace.
# physnet1's uplink is a veth pair inside it.
ip netns add "$HOSTNS" || exit 2
CREATED_HOSTNS=1
ip -n "$HOSTNS" link set lo up
ip -n "$HOSTNS" link add phys0 type veth peer name phys0p
ip -n "$HOSTNS" link set phys0 up
ip -n "$HOSTNS" link set phys0p up
"$PY" "$HERE/configure.py" qdhcp "$WORK/etc" || exit 2

run_suite() { # suite module
  local suite=$1 module=$2 regex ext
  regex="^${module//./\\.}\\."
  [ -z "$FILTER" ] || regex="$regex(?=.*($FILTER))"
  log "$suite: starting the Keystone stand-in ($KS_URL) and qdhcp ($QD_URL)"
  "$PY" "$HERE/keystone_stub.py" --bind "127.0.0.1:$KS_PORT" --network-url "$QD_URL" \
    --log "$RESULTS/$suite-keystone.log" >"$WORK/$suite-keystone.out" 2>&1 &
  KS_PID=$!
  (cd "$WORK" && exec "$QDHCP" all-in-one --config "$WORK/etc/qdhcp.ini" --bind "127.0.0.1:$QD_PORT" \
    --state-dir "$WORK/$suite-state" --namespace-prefix "$PREFIX" --host-namespace "$HOSTNS" \
    --host tempest-aio --physical-interface-mappings physnet1:phys0 --local-ip 127.0.0.1 \
    >"$RESULTS/$suite-qdhcp.log" 2>&1) &
  QD_PID=$!
  mkdir -p "$WORK/$suite"
  ext=$("$PY" "$HERE/configure.py" tempest "$WORK/$suite" --keystone "$KS_URL" --qdhcp "$QD_URL" \
    --accounts "$WORK/etc/accounts.yaml") || { tail -20 "$RESULTS/$suite-qdhcp.log" >&2; stop_stack; return 1; }
  log "$suite: qdhcp lists $ext"
  cp "$WORK/$suite/tempest.conf" "$RESULTS/$suite-tempest.conf"

  log "$suite: running $regex (concurrency $CONCURRENCY)"
  # PYTHONPATH: shim/ skips tempest's fixed 10 s sleep before each subnet DELETE. setsid: tempest and its
  # workers form one process group, $TEMPEST_PID's, which stop_stack can end as a whole.
  (cd "$WORK/$suite" && PYTHONPATH="$HERE/shim" exec setsid tempest run --config-file "$WORK/$suite/tempest.conf" \
    --regex "$regex" --concurrency "$CONCURRENCY" >"$RESULTS/$suite-console.txt" 2>&1) &
  TEMPEST_PID=$!
  wait "$TEMPEST_PID"
  TEMPEST_PID=""
  (
    cd "$WORK/$suite" || exit 1
    stestr last --subunit >"$WORK/$suite.subunit" 2>/dev/null
    # every test id of the suite, to count a class whose setUpClass skipped or failed once per test
    tempest run --config-file "$WORK/$suite/tempest.conf" --regex "$regex" --list-tests 2>/dev/null |
      grep -E '^[a-z_]+\.' >"$WORK/$suite-list.txt"
  )
  stop_stack
  gzip -c "$WORK/$suite/tempest.log" >"$RESULTS/$suite-tempest.log.gz" 2>/dev/null
  "$PY" "$HERE/summarize.py" "$suite" "$WORK/$suite.subunit" "$WORK/$suite-list.txt" "$RESULTS/$suite.json" >&2
}

rc=0
[ "$WHICH" = plugin ] || run_suite tempest tempest.api.network || rc=2
[ "$WHICH" = tempest ] || run_suite plugin neutron_tempest_plugin.api || rc=2
"$PY" "$HERE/report.py" "$RESULTS" "$HERE/exclude.txt" || [ "$rc" != 0 ] || rc=1
exit "$rc"
