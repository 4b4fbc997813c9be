#!/usr/bin/env bash
# The Phone Numbers page in a real browser: headless Chromium driven over WebDriver
# (Debian's chromium, chromium-driver and python3-selenium, installed when missing)
# against a real `phone-numbers serve --demo`. Screenshots go to OUTPUT_DIR.
# Usage: scripts/browser-test.sh [OUTPUT_DIR]   (default .build/test-output; needs a built phone-numbers)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh chromium chromium-driver python3-selenium fonts-liberation
output=${1:-.build/test-output}
binary=$(swift build --show-bin-path)/phone-numbers
[ -x "$binary" ] || swift build --product phone-numbers
# Debian's selenium is for Debian's python.
/usr/bin/python3 Tests/Browser/page_test.py "$binary" "$output"
