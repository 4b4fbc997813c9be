#!/usr/bin/env bash
# Formats the Swift sources with the toolchain's swift-format and .swift-format
# (`scripts/format.sh`), or checks they are formatted (`scripts/format.sh --lint`, as CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--lint" ]; then
  scripts/swift-files.sh | xargs -0 swift format lint --strict --parallel
  echo "swift format lint: clean"
else
  scripts/swift-files.sh | xargs -0 swift format format --in-place --parallel
fi
