#!/usr/bin/env bash
# Runs everything CI runs: installs missing system packages, checks that the
# generated code matches proto/ and the sources are formatted (.swift-format), builds,
# and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
scripts/check-generated-code.sh
scripts/format.sh --lint
scripts/check-operations.sh
swift build --build-tests
swift test --skip-build
