#!/usr/bin/env bash
# Runs the benchmarks against a committed version of the advisor instead of the working tree (which
# may hold someone's half-finished change): exports REV's src/ (default HEAD) into a temp dir with
# this checkout's bench/, compiles there, and writes the results to this checkout's bench/RESULTS.md.
#
#   bench/at-commit.sh [REV] [tpch|scale] [bench options...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
rev=HEAD
if [[ $# -gt 0 ]] && git -C "$repo" rev-parse --verify -q "$1^{commit}" >/dev/null; then rev=$1; shift; fi
# Named by the last commit that changed src/ (a later bench-only commit does not change what is measured).
sha=$(git -C "$repo" log -1 --format=%h "$rev" -- src)
tmp=$(mktemp -d /tmp/pgia-bench-at-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
git -C "$repo" archive "$rev" src tsconfig.json package.json | tar -x -C "$tmp"
mkdir -p "$tmp/bench"
cp "$repo"/bench/*.ts "$repo/bench/tsconfig.json" "$tmp/bench/"
ln -s "$repo/node_modules" "$tmp/node_modules"
(cd "$tmp" && "$repo/node_modules/.bin/tsc" -p bench/tsconfig.json)
echo "[bench] advisor at $sha (exported to $tmp)" >&2
PGIA_SHARED_DIR="$repo/../shared" PGIA_BENCH_RESULTS="${PGIA_BENCH_RESULTS:-$repo/bench/RESULTS.md}" PGIA_BENCH_COMMIT="$sha" \
  node "$tmp/dist-bench/bench/run.js" "$@"
