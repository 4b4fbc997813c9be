#!/usr/bin/env bash
# Builds the Benchmarks package in release mode and runs the RPC echo comparison,
# writing the table to docs/PERFORMANCE.md. Usage: scripts/bench.sh [SECONDS] [ROUNDS]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/ensure-system-packages.sh"
cd "$repo/Benchmarks"
swift build -c release --product Bench >&2
.build/release/Bench echo --seconds "${1:-5}" --rounds "${2:-2}" --output "$repo/docs/PERFORMANCE.md"
