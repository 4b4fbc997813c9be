#!/usr/bin/env bash
# The service on the Telnyx adapter against `telnyx-emulator`, beside the README's server
# (its own ports and data directory), to try docs/PROVIDERS.md's walk-through:
#
#   provider   telnyx-emulator on 127.0.0.1:7450 (its /emulator/… endpoints play the carriers)
#   service    127.0.0.1:7440, the page and /metrics on http://127.0.0.1:7441, data in .phone-numbers-telnyx (seeds the demo)
#
# Ctrl-C stops both; the data stays in .phone-numbers-telnyx (delete it to start over). Extra
# arguments go to `phone-numbers serve`. Release builds, as the README's scripts/serve.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
swift build -c release --product phone-numbers
swift build -c release --product telnyx-emulator
pids=()
cleanup() {
    trap - EXIT INT TERM
    [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
    wait || true
}
trap cleanup EXIT INT TERM
.build/release/telnyx-emulator --port 7450 --order-delay 1 --assignment-delay 1 &
pids+=($!)
TELNYX_API_KEY=KEY-emulator .build/release/phone-numbers serve --demo --data .phone-numbers-telnyx --port 7440 --http-port 7441 \
    --provider telnyx --telnyx-url http://127.0.0.1:7450/v2 --telnyx-messaging-profile MP1 --telnyx-campaign '*=CAMP1' \
    --telnyx-poll-interval 1s --port-out-watch-interval 5s "$@" &
pids+=($!)
wait -n  # until Ctrl-C, or until one of them stops
