#!/usr/bin/env bash
# Kills the server with SIGKILL at random moments under concurrent load, restarts it,
# and verifies that nothing acknowledged was lost.
#
#   scripts/crash-safety.sh [KILLS] [WORKERS]                      # one server on its SQLite file
#   scripts/crash-safety.sh postgres [KILLS] [WORKERS] [REPLICAS]  # replicas (3) on one PostgreSQL;
#                                                                  # each round SIGKILLs one at random
#
# The PostgreSQL mode starts a throwaway server (scripts/postgres.sh, installed when
# missing) and removes it at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
swift build --product phone-numbers >&2
swift build --product PhoneNumbersChaos >&2
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
store=()
if [ "${1:-}" = postgres ]; then
    shift
    postgres_dir=$(mktemp -d /tmp/pn-crash-postgres.XXXXXX)
    trap 'scripts/postgres.sh stop "$postgres_dir" || true; rm -rf "$postgres_dir"' EXIT
    store=(--database "$(scripts/postgres.sh start "$postgres_dir")" --replicas "${3:-3}")
fi
.build/debug/PhoneNumbersChaos crash --executable .build/debug/phone-numbers --kills "${1:-20}" --workers "${2:-6}" --port "$port" "${store[@]}"
