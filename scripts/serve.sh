#!/usr/bin/env bash
# Builds and runs the server on its embedded defaults (127.0.0.1:7420, data in
# ./.phone-numbers, the built-in simulated provider), with the operators' HTTP side on
# 127.0.0.1:7421 (/metrics, /healthz, /readyz). Extra arguments go to
# `phone-numbers serve`, e.g. scripts/serve.sh --port 7500 --http-port 7501.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
swift build -c release --product phone-numbers
http=(--http-port 7421)
for argument in "$@"; do [[ $argument == --http-port* ]] && http=(); done
exec .build/release/phone-numbers serve "${http[@]}" "$@"
