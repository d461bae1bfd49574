#!/usr/bin/env bash
# Old-vs-new comparison, issue 11's "no regression" gate: the five measures (DHCP CPU per exchange of
# `qdhcp serve` and of the builtin driver, propagation p99, resync at 1,000 networks, agent memory), each
# run on OLD's and on NEW's build alternately (old, new, old, new…), medians, ratio new/old, pass when
# new is at most 10 % worse; the load average and the busiest other processes beside them.
#
#   bench/run.sh compare OLD_DIR NEW_DIR [--runs 3] [--quick] [--only serve,agent,resync]
#     --quick   5-s perfdhcp windows, 50 propagation samples, resync at 200 networks (full: 10 s, 200, 1,000)
#
# OLD_DIR and NEW_DIR are checkouts with a build (`npm run build` in each: bin/qdhcp runs DIR/dist); this
# checkout holds the harness, built here. Full run about 20–25 min on the 2-core test machine. Needs root
# and perfdhcp; everything lives in namespaces under unique prefixes, removed on exit and on Ctrl-C.
set -uo pipefail
case "${1:-}" in -h|--help|"") sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; [ -n "${1:-}" ] && exit 0 || exit 2 ;; esac
[ $# -ge 2 ] || { echo "usage: bench/run.sh compare OLD_DIR NEW_DIR [--runs N] [--quick]" >&2; exit 2; }
OLD="$(cd "$1" && pwd)" NEW="$(cd "$2" && pwd)" || exit 2
shift 2
for dir in "$OLD" "$NEW"; do
  [ -f "$dir/dist/src/cli/main.js" ] && [ -f "$dir/dist/serve.mjs" ] && [ -x "$dir/bin/qdhcp" ] ||
    { echo "$dir: not built (run npm run build there)" >&2; exit 1; }
done
command -v perfdhcp >/dev/null || [ -x /usr/sbin/perfdhcp ] || { echo "perfdhcp missing (scripts/setup.sh)" >&2; exit 1; }
OUT="$(cd "$(dirname "$0")/.." && pwd)/results/compare-$(date +%Y%m%dT%H%M%S)"; mkdir -p "$OUT"
echo "table: $OUT/report.md, progress: $OUT/progress.log" >&2
# Grace 30 s: a resync bed's teardown deletes a thousand namespaces before the wrapper's own sweep.
# The tees ignore Ctrl-C so the teardown's messages still reach the terminal and the log.
bash "$(dirname "$0")/../run-node-bench.sh" compare/run.js 30 --old "$OLD" --new "$NEW" "$@" \
  2> >(trap '' INT; exec tee "$OUT/progress.log" >&2) | (trap '' INT; exec tee "$OUT/report.md")
