#!/usr/bin/env bash
# Generates the Telnyx API client and server types (Sources/TelnyxAPI/Generated) from the
# provider's published description in providers/telnyx/openapi.yml, with
# swift-openapi-generator built from the local package mirror. Run after changing the
# description or the generator's configuration; commit the output.
# `--check` generates into a temporary folder and fails if the committed output differs.
set -euo pipefail
cd "$(dirname "$0")/.."
output=Sources/TelnyxAPI/Generated
target=$output
if [[ "${1:-}" == "--check" ]]; then
    target=$(mktemp -d)
    trap 'rm -rf "$target"' EXIT
fi
swift build --package-path Tools/OpenAPIGenerator --scratch-path .build-openapi --product swift-openapi-generator -q 2>&1 | grep -v "^warning:\|unhandled\|CMakeLists" || true
mkdir -p "$target"
# The generator prints its configuration on every run: only its warnings and errors are
# shown, and its own exit status decides.
log=$(mktemp)
if ! .build-openapi/debug/swift-openapi-generator generate providers/telnyx/openapi.yml \
    --config providers/telnyx/openapi-generator-config.yaml --output-directory "$target" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    exit 1
fi
grep "^warning\|^error" "$log" | sort -u >&2 || true
rm -f "$log"
if [[ "${1:-}" == "--check" ]]; then
    diff -r "$output" "$target" >/dev/null || { echo "Sources/TelnyxAPI/Generated is out of date: run scripts/generate-telnyx-client.sh" >&2; exit 1; }
    echo "Telnyx client: generated code matches providers/telnyx/openapi.yml"
fi
