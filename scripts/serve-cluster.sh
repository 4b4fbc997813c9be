#!/usr/bin/env bash
# Two replicas of the service on one local PostgreSQL, to try what several replicas do:
#
#   replica 1  127.0.0.1:7420 (HTTP 7421)   data in .phone-numbers-cluster/replica-1 (seeds the demo)
#   replica 2  127.0.0.1:7422 (HTTP 7423)   data in .phone-numbers-cluster/replica-2
#   provider   telnyx-emulator on 127.0.0.1:7430, which both replicas use
#   database   a PostgreSQL server in .phone-numbers-cluster/postgres (installed when missing)
#
# Ctrl-C stops them all; the data stays in .phone-numbers-cluster (delete it to start over).
# Extra arguments go to both `phone-numbers serve` processes. Then, in another shell:
#
#   export PHONE_NUMBERS_SERVER=127.0.0.1:7420,127.0.0.1:7422
#   export PHONE_NUMBERS_TOKEN=$(python3 -c 'import json;print(json.load(open(".phone-numbers-cluster/replica-1/demo-credentials.json"))["admin_token"])')
#   .build/release/phone-numbers numbers list
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
swift build -c release --product phone-numbers
swift build -c release --product telnyx-emulator
dir=.phone-numbers-cluster
mkdir -p "$dir"
url=$(scripts/postgres.sh start "$dir/postgres")
pids=()
cleanup() {
    trap - EXIT INT TERM
    [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
    wait || true
    scripts/postgres.sh stop "$dir/postgres" || true
}
trap cleanup EXIT INT TERM
.build/release/telnyx-emulator --port 7430 --order-delay 1 --assignment-delay 1 &
pids+=($!)
export TELNYX_API_KEY=KEY-emulator
replica=(serve --database "$url" --provider telnyx --telnyx-url http://127.0.0.1:7430/v2 --telnyx-messaging-profile MP-LOCAL
    --telnyx-campaign '*=CAMP-LOCAL' --telnyx-poll-interval 500ms --port-out-watch-interval 5s)
.build/release/phone-numbers "${replica[@]}" --data "$dir/replica-1" --port 7420 --http-port 7421 --demo "$@" &
pids+=($!)
for _ in $(seq 1 100); do
    .build/release/phone-numbers health --server 127.0.0.1:7420 --timeout 1 >/dev/null 2>&1 && break
    sleep 0.2
done
.build/release/phone-numbers "${replica[@]}" --data "$dir/replica-2" --port 7422 --http-port 7423 "$@" &
pids+=($!)
echo "two replicas on $dir/postgres: PHONE_NUMBERS_SERVER=127.0.0.1:7420,127.0.0.1:7422" >&2
wait  # until Ctrl-C; a replica that stops or is killed leaves the others serving
