#!/usr/bin/env bash
# Checks docs/operations: the alert rules are valid and fire as their tests say
# (promtool, from Debian's prometheus package), and the dashboard is valid JSON. The
# metric names both read are checked against a real /metrics by OperationsTests.
set -euo pipefail
cd "$(dirname "$0")/../docs/operations"
promtool check rules alerts.yml
promtool test rules alerts.test.yml
python3 -m json.tool dashboard.json >/dev/null
echo "docs/operations: rules and dashboard check out"
