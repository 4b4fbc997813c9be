#!/usr/bin/env bash
# Builds a libFuzzer target with AddressSanitizer and runs it.
# Usage: scripts/fuzz.sh TARGET SECONDS   (TARGET: FuzzFrames, FuzzEnvelope, FuzzRequests)
# Findings (crashes, leaks, timeouts) are written to Fuzz/findings/TARGET/ and make it exit non-zero.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS}
seconds=${2:-60}
"$repo/scripts/ensure-system-packages.sh"
cd "$repo/Fuzz"
# Coverage-instrumented Swift and C with AddressSanitizer, linked with libFuzzer
# without its main: each target's main hands over to LLVMFuzzerRunDriver.
fuzzer_lib=$(ls "$(dirname "$(dirname "$(readlink -f "$(command -v swiftc)")")")"/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -1)
"$repo/scripts/replan-on-new-sources.sh" "$repo/Fuzz/.build-fuzz" debug
swift build -c debug --product "$target" --scratch-path "$repo/Fuzz/.build-fuzz" \
  -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp -Xswiftc -enable-testing \
  -Xcc -fsanitize=fuzzer-no-link,address -Xlinker "$fuzzer_lib" -Xlinker -lstdc++ >&2
binary="$repo/Fuzz/.build-fuzz/debug/$target"
corpus="$repo/Fuzz/Corpus/$target"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
findings="$repo/Fuzz/findings/$target"
mkdir -p "$findings"
# New inputs go to a scratch directory; the committed seed corpus is only read.
status=0
"$binary" "$work" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$findings/" -print_final_stats=1 >"$work/log" 2>&1 || status=$?
grep -E "^(#[0-9]+[[:space:]]*(DONE|INITED)|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)" "$work/log" || true
if [ "$status" -ne 0 ]; then
  tail -40 "$work/log" >&2
  echo "fuzz: $target found a failure; see $findings" >&2
  exit 1
fi
