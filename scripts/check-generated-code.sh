#!/usr/bin/env bash
# Fails when the committed generated code differs from what proto/ generates now, or
# docs/ARCHITECTURE.md's module graph from what Package.swift says.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/Sources"
"$repo/scripts/generate-proto.sh" "$tmp"
status=0
for dir in "$tmp"/Sources/*; do
  name=$(basename "$dir")
  for sub in include generated Generated; do
    [ -d "$dir/$sub" ] || continue
    if ! diff -r "$dir/$sub" "$repo/Sources/$name/$sub" >/dev/null 2>&1; then
      echo "drift: Sources/$name/$sub differs from what proto/ generates" >&2
      diff -r "$dir/$sub" "$repo/Sources/$name/$sub" | head -20 >&2 || true
      status=1
    fi
  done
done
[ $status -eq 0 ] && echo "generated code matches proto/"
"$repo/scripts/generate-module-graph.py" --check || status=1
exit $status
