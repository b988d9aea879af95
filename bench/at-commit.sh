#!/usr/bin/env bash
# Runs the benchmarks against a committed version of the advisor instead of the working tree (which
# may hold someone's half-finished change): exports REV's src/ and tools/ (default HEAD) into a temp
# dir with this checkout's bench/, compiles there, and writes the results to this checkout's
# bench/RESULTS.md. A REV from before tools/ existed (the cluster was in src/db/) gets this
# checkout's tools/.
#
#   bench/at-commit.sh [REV] [tpch|scale] [bench options...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
rev=HEAD
if [[ $# -gt 0 ]] && git -C "$repo" rev-parse --verify -q "$1^{commit}" >/dev/null; then rev=$1; shift; fi
# Named by the last commit that changed src/ or tools/ (the cluster's settings); a later bench-only
# commit does not change what is measured.
sha=$(git -C "$repo" log -1 --format=%h "$rev" -- src tools)
tmp=$(mktemp -d /tmp/pgia-bench-at-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if git -C "$repo" cat-file -e "$rev:tools" 2>/dev/null; then
  git -C "$repo" archive "$rev" src tools tsconfig.json package.json | tar -x -C "$tmp"
else
  git -C "$repo" archive "$rev" src tsconfig.json package.json | tar -x -C "$tmp"
  cp -r "$repo/tools" "$tmp/tools"
  echo "[bench] $rev has no tools/: using this checkout's" >&2
fi
# The sample workloads (the planned benchmark replays workloads/shop): REV's, else this checkout's.
if git -C "$repo" cat-file -e "$rev:workloads" 2>/dev/null; then
  git -C "$repo" archive "$rev" workloads | tar -x -C "$tmp"
else
  cp -r "$repo/workloads" "$tmp/workloads"
fi
mkdir -p "$tmp/bench"
cp "$repo"/bench/*.ts "$repo/bench/tsconfig.json" "$tmp/bench/"
ln -s "$repo/node_modules" "$tmp/node_modules"
# A benchmark newer than REV may not compile against REV's src/ (bench/ginModel.ts needs the cost
# model): tsc still emits every file, and run.ts loads a benchmark's module only when it runs it.
if ! (cd "$tmp" && "$repo/node_modules/.bin/tsc" -p bench/tsconfig.json > "$tmp/tsc.log"); then
  echo "[bench] some benchmark files do not compile against $rev (only those benchmarks will fail):" >&2
  grep -o '^[^(]*' "$tmp/tsc.log" | sort -u | sed 's/^/[bench]   /' >&2
fi
echo "[bench] advisor at $sha (exported to $tmp)" >&2
PGIA_SHARED_DIR="$repo/../shared" PGIA_BENCH_RESULTS="${PGIA_BENCH_RESULTS:-$repo/bench/RESULTS.md}" PGIA_BENCH_COMMIT="$sha" \
  node "$tmp/dist-bench/bench/run.js" "$@"
