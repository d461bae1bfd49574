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
#   python3-neutron                  the real neutron-metadata-agent (test/e2e/metadata-neutron-agent.test.ts)
TEST_PACKAGES=(tempest neutron-tempest-plugin python3-neutron)
missing_test_packages=()
for p in "${TEST_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing_test_packages+=("$p")
done
if [ ${#missing_test_packages[@]} -gt 0 ]; then
  echo "[test] installing test packages: ${missing_test_packages[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends \
    "${missing_test_packages[@]}" >/dev/null
fi

# The tests talk to a real PostgreSQL (127.0.0.1:5432) and RabbitMQ (127.0.0.1:5672): start whichever is not
# answering, the way the machine's own start-up does, and wait for it (bounded).
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
echo "[test] lint and format check" >&2
npx biome check .
echo "[test] unused files, exports and dependencies (knip.jsonc), then production code only tests use" >&2
npx knip
npx knip --production
echo "[test] running tests" >&2
# Only *.test.js files are tests: given a directory, node's runner would also run every module under any
# `test/` folder (support programs included). Files run two at a time: e2e tests use unique namespace
# prefixes, so they do not collide. The longest file, both Neutron API suites (test/e2e/tempest.test.ts, ~2-3 min),
# starts first: the others run beside it instead of after it.
mapfile -t test_files < <(find dist -name tempest.test.js; find dist -name '*.test.js' ! -name tempest.test.js | sort)
exec node --enable-source-maps --test --test-concurrency=2 --test-reporter=spec "${test_files[@]}"
