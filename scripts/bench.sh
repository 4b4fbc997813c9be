#!/usr/bin/env bash
# Builds the Benchmarks package in release mode and runs every benchmark (RPC echo against
# SwiftNIO, grpc-swift-2 and a C floor; allocations per call; service calls; growth to
# 1M accounts; WatchEvents fan-out; idle connections), writing the tables into
# docs/PERFORMANCE.md between its markers.
# Usage: scripts/bench.sh [COMMAND] [Bench options]   e.g. scripts/bench.sh echo --seconds 3
# COMMAND: all (default), echo, allocations, service, growth, fanout, idle.
# `service` (and `all`) also measure PostgreSQL with one and two replicas, on a throwaway
# server (scripts/postgres.sh) started here and removed at the end; PHONE_NUMBERS_BENCH_POSTGRES=0 skips it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/ensure-system-packages.sh"
cd "$repo/Benchmarks"
"$repo/scripts/replan-on-new-sources.sh" .build release
swift build -c release --product Bench >&2
command=${1:-all}
[ $# -gt 0 ] && shift
database=()
if [[ "$command" == service || "$command" == all ]] && [ "${PHONE_NUMBERS_BENCH_POSTGRES:-1}" != 0 ]; then
    postgres_dir=$(mktemp -d /tmp/pn-bench-postgres.XXXXXX)
    trap '"$repo/scripts/postgres.sh" stop "$postgres_dir" || true; rm -rf "$postgres_dir"' EXIT
    database=(--throwaway-database "$("$repo/scripts/postgres.sh" start "$postgres_dir")")
fi
.build/release/Bench "$command" --output "$repo/docs/PERFORMANCE.md" "${database[@]}" "$@"
