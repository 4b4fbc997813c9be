#!/usr/bin/env bash
# Builds and runs the server on its embedded defaults (127.0.0.1:7420, data in
# ./.phone-numbers, the built-in simulated provider). Extra arguments go to
# `phone-numbers serve`, e.g. scripts/serve.sh --port 7500.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
swift build -c release --product phone-numbers
exec .build/release/phone-numbers serve "$@"
