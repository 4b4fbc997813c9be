#!/usr/bin/env bash
# The database's own floor on this machine: what PostgreSQL answers to a C client
# (pgbench), with no service in between, for a read of one statement and for a small
# write as the store sends it (Benchmarks/pgbench/), each with unnamed statements (as the
# store sends them today: parsed and planned every time) and with prepared ones.
# Best of ROUNDS runs of SECONDS s at CLIENTS connections, on a throwaway server.
#
#   scripts/postgres-floor.sh [SECONDS] [ROUNDS] [CLIENTS]    # defaults: 8 2 16
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-8}
rounds=${2:-2}
clients=${3:-16}
dir=$(mktemp -d /tmp/pn-floor-postgres.XXXXXX)
trap 'scripts/postgres.sh stop "$dir" || true; rm -rf "$dir"' EXIT
url=$(scripts/postgres.sh start "$dir")
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
port=$(sed -E 's|.*:([0-9]+)/.*|\1|' <<<"$url")
export PGPASSWORD=$(cat "$dir/password")
connect=(-h 127.0.0.1 -p "$port" -U phone_numbers)
"$bin/psql" "${connect[@]}" -q -v ON_ERROR_STOP=1 -f Benchmarks/pgbench/setup.sql postgres >/dev/null
printf '| statement shape | unnamed (parsed each time), tps | prepared, tps | prepared / unnamed |\n| --- | ---: | ---: | ---: |\n'
for script in read write; do
    declare -A best=([extended]=0 [prepared]=0)
    for _ in $(seq "$rounds"); do
        for mode in extended prepared; do
            tps=$("$bin/pgbench" "${connect[@]}" -n -M "$mode" -f "Benchmarks/pgbench/$script.sql" -c "$clients" -j 2 -T "$seconds" postgres 2>/dev/null |
                sed -nE 's/^tps = ([0-9.]+).*/\1/p')
            best[$mode]=$(python3 -c "print(max(${best[$mode]}, ${tps:-0}))")
        done
    done
    python3 -c "e, p = ${best[extended]}, ${best[prepared]}; print(f'| $script.sql | {e:,.0f} | {p:,.0f} | {p / e:.2f}× |')"
done
