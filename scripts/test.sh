#!/usr/bin/env bash
# The whole test suite: set-up (idempotent), lint + format check, typecheck + build, then every test
# (unit, property/fuzz, and end-to-end in network namespaces with real clients and services).
# Must run as root (namespaces). Closing line: node's test runner summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "[test] lint and format check" >&2
npx biome check .
echo "[test] running tests" >&2
# Only *.test.js files are tests: given a directory, node's runner would also run every module under any
# `test/` folder (support programs included). Files run two at a time: e2e tests use unique namespace
# prefixes, so they do not collide.
mapfile -t test_files < <(find dist -name '*.test.js' | sort)
exec node --enable-source-maps --test --test-concurrency=2 --test-reporter=spec "${test_files[@]}"
