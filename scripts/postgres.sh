#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests, benchmarks and trying several replicas:
#
#   scripts/postgres.sh start DIR   # creates a cluster in DIR on a free loopback port; prints its URL
#   scripts/postgres.sh stop DIR    # stops it (DIR stays; delete it to forget the data)
#
# The URL (postgres://phone_numbers:PASSWORD@127.0.0.1:PORT/postgres) is also written to
# DIR/url. Installs Debian's postgresql when missing. As root, the server runs as the
# `postgres` user (PostgreSQL refuses to run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
command=${1:?usage: scripts/postgres.sh start|stop DIR}
dir=${2:?usage: scripts/postgres.sh start|stop DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    scripts/ensure-system-packages.sh postgresql
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$dir"
    as_owner=(runuser -u postgres --)
fi

case "$command" in
start)
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        password=$(openssl rand -hex 16)
        echo "$password" > "$dir/password"
        [ "$(id -u)" -eq 0 ] && chown postgres "$dir/password"
        "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U phone_numbers --pwfile="$dir/password" \
            --auth=scram-sha-256 --locale=C.UTF-8 --encoding=UTF8 >"$dir/initdb.log"
    fi
    password=$(cat "$dir/password")
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=600" start >/dev/null
    url="postgres://phone_numbers:$password@127.0.0.1:$port/postgres?sslmode=disable"
    echo "$url" > "$dir/url"
    echo "$url"
    ;;
stop)
    [ -f "$dir/data/postmaster.pid" ] && "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
*)
    echo "usage: scripts/postgres.sh start|stop DIR" >&2
    exit 64
    ;;
esac
