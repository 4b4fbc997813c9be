#!/usr/bin/env bash
# Splits the time of a serial echo call between the two threads' own work and the kernel
# path between them, from the read and write system calls of a running process.
# Usage: scripts/critical-path.sh [CONTENDER ...]   (default: PNRPC by callback, SwiftNIO echo)
#        scripts/critical-path.sh --footprint [ROUNDS]
# For each contender, one Bench process runs "64 B serial" alone; after 2 s, bpftrace
# measures its system calls for 1.5 s in the kernel (nothing runs in user space meanwhile, so
# the two threads keep the CPUs the scheduler gave them; `perf record` would take one CPU
# and push both threads onto the other). Printed per thread, as medians over every call:
# - "on the thread": from the read that took in the peer's frame returning to the write of
#   the answer (or of the next request) entering: decoding, the handler or completion,
#   encoding, in user space;
# - "between threads": from the peer's write entering to this thread's read returning with
#   it: the write system call, the TCP loopback, waking this thread (its CPU sleeps while
#   it waits), its event loop and its read;
# - the size of its writes (a client writes requests, a server answers) and the CPUs the
#   thread wrote from (both threads on one CPU change "between threads" a lot).
# --footprint runs scripts/ping-pong-footprint.c (a C ping-pong on epoll) the same way, in
# ROUNDS (default 4) of three kinds alternating: no work between read and write, touching
# 512 KiB, spinning 10 µs. It shows whether the kernel's path between the threads slows
# with the time spent on them or with the memory their work touches.
# Needs root, bpftrace and a C compiler (bpftrace installed here when missing). For
# contenders the Benchmarks package must be built: scripts/bench.sh builds it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bench="$repo/Benchmarks/.build/release/Bench"
[ "$(id -u)" = 0 ] || { echo "bpftrace needs root: run as root" >&2; exit 1; }
if ! command -v bpftrace > /dev/null; then
    apt-get update -qq && apt-get install -y -qq bpftrace > /dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Times in tenths of a microsecond; reads that return nothing are left out.
cat > "$work/trace.bt" << 'EOF'
tracepoint:raw_syscalls:sys_exit /pid == $1 && args->id == 0 && args->ret > 0/ {
    if (@writer != 0 && @writer != (int64)tid) {
        @between[tid] = lhist((nsecs - @wrote) / 100, 0, 1000, 1);
        @writer = 0;
    }
    @lastRead[tid] = nsecs;
}
tracepoint:raw_syscalls:sys_enter /pid == $1 && args->id == 1 && @lastRead[tid] != 0/ {
    @on[tid] = lhist((nsecs - @lastRead[tid]) / 100, 0, 1000, 1);
    @cpus[tid, cpu] = count();
    @bytes[tid] = args->args[2];
    @lastRead[tid] = 0;
    @writer = tid;
    @wrote = nsecs;
}
interval:ms:1500 { exit(); }
EOF

# Traces the process PID ($2), started in the background, once it has run for $1 seconds
# (its warm-up), into $work/trace; then waits for it to end.
trace_after() {
    sleep "$1"
    bpftrace "$work/trace.bt" "$2" > "$work/trace" 2> /dev/null
    wait "$2"
}

# Prints the medians of a trace: per thread, or over both threads with "both".
report() {
    # lhist lines: "@on[TID]:" then "[LOW, HIGH)   COUNT |@@@|"; "@cpus[TID, CPU]: COUNT".
    awk -v both="${2:-}" '
        /^@(on|between)\[/ { split($1, k, /[][]/); name = k[1] "|" (both ? "both" : k[2]); names[name] = 1; next }
        /^\[/ && name != "" { low = $1; gsub(/[[,]/, "", low); n[name] += $3; count[name, low + 0] += $3; next }
        /^@cpus\[/ { line = $0; gsub(/[^0-9]+/, " ", line); split(line, k, " "); cpus[k[1]] = cpus[k[1]] " CPU " k[2] " " k[3] "×"; name = ""; next }
        /^@bytes\[/ { line = $0; gsub(/[^0-9]+/, " ", line); split(line, k, " "); bytes[k[1]] = k[2]; name = ""; next }
        /^$/ { name = "" }
        END {
            for (name in names) {
                half = n[name] / 2; seen = 0
                for (b = 0; b <= 1000; b++) { seen += count[name, b]; if (seen >= half) break }
                split(name, p, "|"); median[p[1], p[2]] = sprintf("%.1f", b / 10); tids[p[2]] = 1
            }
            if (both) { printf "between threads %s µs, on the thread %s µs\n", median["@between", "both"], median["@on", "both"]; exit }
            for (t in tids)
                printf "thread %s (writes %s B): between threads %s µs, on the thread %s µs; writes from%s\n", t, bytes[t], median["@between", t], median["@on", t], cpus[t]
        }' "$1"
}

if [ "${1:-}" = --footprint ]; then
    rounds=${2:-4}
    cc -O2 -o "$work/ping-pong" "$repo/scripts/ping-pong-footprint.c" -lpthread
    for round in $(seq "$rounds"); do
        for kind in "no work:0 0" "touching 512 KiB:0 512" "spinning 10 µs:10 0"; do
            "$work/ping-pong" 80000 ${kind#*:} > "$work/p50" &
            trace_after 0.5 $!
            printf "round %s, %-17s p50 %5s µs; %s\n" "$round" "${kind%%:*}:" "$(cat "$work/p50")" "$(report "$work/trace" both)"
        done
    done
    exit 0
fi

[ -x "$bench" ] || { echo "build the benchmarks first: scripts/bench.sh echo --seconds 1 --rounds 1" >&2; exit 1; }
contenders=("$@")
[ ${#contenders[@]} -gt 0 ] || contenders=("PNRPC, callers by callback" "SwiftNIO echo (ceiling)")
for contender in "${contenders[@]}"; do
    "$bench" echo --seconds 5 --rounds 1 --scenario "64 B serial" --only "$contender" > "$work/bench" 2>&1 &
    trace_after 2 $!
    echo "## $contender ($(grep -F "$contender" "$work/bench" | tail -1 | cut -d'|' -f5 | xargs) µs p50 over the 5 s run, 1.5 s of it traced)"
    report "$work/trace"
done
