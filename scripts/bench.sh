#!/usr/bin/env bash
# Builds the Benchmarks package in release mode and runs every benchmark (RPC echo against
# SwiftNIO, grpc-swift-2 and a C floor; allocations per call; service calls; growth to
# 1M accounts; WatchEvents fan-out; idle connections), writing the tables into
# docs/PERFORMANCE.md between its markers.
# Usage: scripts/bench.sh [COMMAND] [Bench options]   e.g. scripts/bench.sh echo --seconds 3
# COMMAND: all (default), echo, allocations, service, growth, fanout, idle.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/ensure-system-packages.sh"
cd "$repo/Benchmarks"
swift build -c release --product Bench >&2
command=${1:-all}
[ $# -gt 0 ] && shift
exec .build/release/Bench "$command" --output "$repo/docs/PERFORMANCE.md" "$@"
