#!/usr/bin/env bash
# Port-create benchmark of the control plane (see bench/api/port-create.ts): builds, then prints a
# Markdown table of p50/p99 latency and throughput, 1 and 16 clients, 1,000 and 10,000 existing ports,
# SQLite and PostgreSQL (127.0.0.1:5432, user postgres; a throw-away database is created and dropped).
#   BENCH_BACKENDS=sqlite bash bench/api/run.sh     # one backend
#   BENCH_SAMPLES=100 bash bench/api/run.sh         # fewer samples
set -euo pipefail
cd "$(dirname "$0")/../.."
npx tsc -p tsconfig.json >/dev/null || true   # other modules' in-progress errors do not stop the emit
exec node dist/bench/api/port-create.js
