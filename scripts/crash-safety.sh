#!/usr/bin/env bash
# Kills the server with SIGKILL at random moments under concurrent load, restarts it,
# and verifies that nothing acknowledged was lost. Usage: scripts/crash-safety.sh [KILLS] [WORKERS]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
swift build --product phone-numbers >&2
swift build --product PhoneNumbersChaos >&2
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
exec .build/debug/PhoneNumbersChaos crash --executable .build/debug/phone-numbers --kills "${1:-20}" --workers "${2:-6}" --port "$port"
