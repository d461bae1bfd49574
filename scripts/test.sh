#!/usr/bin/env bash
# The whole test suite: set-up (idempotent), lint + format check, typecheck + build, then every test
# (unit, property/fuzz, and end-to-end in network namespaces with real clients and services).
# Must run as root (namespaces). Closing line: node's test runner summary.
set -euo pipefail
cd "$(dirname "$0")/.."
# Not root: fail at once. The end-to-end tests build namespaces, veths and bridges; run without root they could
# only skip, and a suite that is green without them proves nothing (test/checks/root-required.test.ts).
if [ "$(id -u)" != 0 ]; then
  echo "[test] scripts/test.sh must run as root: the end-to-end tests create network namespaces, veth pairs and bridges" >&2
  exit 1
fi
scripts/setup.sh

# Packages only the tests need (qdhcp itself never does), installed here rather than by setup.sh:
#   tempest neutron-tempest-plugin   OpenStack's Neutron API suites (test/e2e/tempest.test.ts, test/tempest/)
#   neutron-server python3-neutron (neutron-linuxbridge-agent) neutron-metadata-agent python3-pymysql
#   mariadb-server                   a real Neutron Zed per test run (test/support/neutron/, issue 16)
#   neutron-dhcp-agent haproxy       the reference agent the Neutron benchmark compares qdhcp with
#   systemd                          systemd-analyze verify of packaging/systemd/ (test/checks/systemd-unit.test.ts)
#   dhcpcd-base                      a second DHCPv6 client beside dhclient (test/e2e/dhcpv6-contract.ts)
TEST_PACKAGES=(tempest neutron-tempest-plugin neutron-server python3-neutron neutron-metadata-agent python3-pymysql
  mariadb-server neutron-dhcp-agent haproxy systemd dhcpcd-base)
missing_test_packages=()
for p in "${TEST_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing_test_packages+=("$p")
done
if [ ${#missing_test_packages[@]} -gt 0 ]; then
  echo "[test] installing test packages: ${missing_test_packages[*]}" >&2
  apt-get update -qq
  # The packages' own services (neutron-server, the agents, MariaDB's) must not start on install: the tests
  # start Neutron with their own configuration, per run (policy-rc.d, removed again afterwards).
  policy_rc_d_added=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy_rc_d_added=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends \
    "${missing_test_packages[@]}" >/dev/null || install_rc=$?
  [ -z "$policy_rc_d_added" ] || rm -f /usr/sbin/policy-rc.d
  [ "${install_rc:-0}" = 0 ] || exit "$install_rc"
fi

# The tests talk to a real PostgreSQL (127.0.0.1:5432), RabbitMQ (127.0.0.1:5672) and MariaDB (127.0.0.1:3306
# and its socket): start whichever is not answering, the way the machine's own start-up does, and wait for it
# (bounded).
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ensure_service() {  # ensure_service PORT NAME START-COMMAND...
  local port=$1 name=$2; shift 2
  answers "$port" && return
  echo "[test] starting $name" >&2
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do answers "$port" && return; sleep 1; done
  echo "[test] $name is not answering on 127.0.0.1:$port" >&2
  exit 1
}
ensure_service 5432 PostgreSQL pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
ensure_service 5672 RabbitMQ rabbitmq-server -detached
# MariaDB for the real-Neutron runs (each makes and drops its own database; the server itself is shared).
start_mariadb() {
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  (setsid nohup /usr/bin/mysqld_safe --user=mysql --bind-address=127.0.0.1 >/dev/null 2>&1 </dev/null &)
}
ensure_service 3306 MariaDB start_mariadb
echo "[test] lint and format check" >&2
npx biome check .
echo "[test] unused files, exports and dependencies (knip.jsonc), then production code only tests use" >&2
npx knip
npx knip --production
echo "[test] running tests" >&2
# Only *.test.js files are tests: given a directory, node's runner would also run every module under any
# `test/` folder (support programs included). Files run three at a time (most e2e time is waiting on clients,
# timers and Python CLIs, not CPU; two at a time took 16 of the 20 minutes): e2e tests use unique namespace
# prefixes, so they do not collide. The longest file, both Neutron API suites (test/e2e/tempest.test.ts, ~2-3 min),
# starts first: the others run beside it instead of after it.
mapfile -t test_files < <(find dist -name tempest.test.js; find dist -name '*.test.js' ! -name tempest.test.js | sort)
exec node --enable-source-maps --test --test-concurrency=3 --test-reporter=spec "${test_files[@]}"
