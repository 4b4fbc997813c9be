#!/usr/bin/env bash
# A mixed workload against a release build of the server for SECONDS (default 600)
# from CONNECTIONS connections (default 32); reports calls, errors by code, p50/p99/p99.9
# and the server's memory (RSS, anonymous, file-backed) and open descriptors at ten points.
# Usage: scripts/soak.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
swift build -c release --product phone-numbers >&2
swift build -c release --product PhoneNumbersChaos >&2
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
exec .build/release/PhoneNumbersChaos soak --executable .build/release/phone-numbers --seconds "${1:-600}" --connections "${2:-32}" --port "$port"
