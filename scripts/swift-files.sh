#!/usr/bin/env bash
# The Swift files the formatter owns: every tracked or new one except generated code
# (scripts/generate-proto.sh writes that; the drift check guards it).
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -z --cached --others --exclude-standard -- '*.swift' | tr '\0' '\n' | grep -v '/Generated/' | while read -r f; do
  [ -f "$f" ] && printf '%s\0' "$f"
done
