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
# Files run two at a time: e2e tests use unique namespace prefixes, so they do not collide.
exec node --enable-source-maps --test --test-concurrency=2 --test-reporter=spec dist/
