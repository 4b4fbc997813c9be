#!/usr/bin/env bash
# The observability drill: starts the service (release build, simulated provider) with
# its /metrics on loopback, a real Prometheus (Debian's `prometheus`) scraping it every
# second with docs/operations/alerts.yml loaded, drives a mixed load for SECONDS
# (default 60) from 8 connections, then prints a few PromQL answers: calls per second by
# method, p99 latency, provisioning time, the job backlog. Proof that what the
# dashboard and the alerts read exists, with the right names and types.
# Usage: scripts/observe.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
swift build -c release --product phone-numbers >&2
swift build -c release --product PhoneNumbersChaos >&2
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
http=$(free_port)
prom=$(free_port)
work=$(mktemp -d)
prometheus_pid=""
trap '[ -n "$prometheus_pid" ] && kill "$prometheus_pid" 2>/dev/null; rm -rf "$work"' EXIT
cat >"$work/prometheus.yml" <<EOF
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [ "$PWD/docs/operations/alerts.yml" ]
scrape_configs:
  - job_name: phone-numbers
    static_configs: [ { targets: [ "127.0.0.1:$http" ] } ]
EOF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$prom" >"$work/prometheus.log" 2>&1 &
prometheus_pid=$!
echo "prometheus on 127.0.0.1:$prom scraping 127.0.0.1:$http/metrics"

.build/release/PhoneNumbersChaos soak --executable .build/release/phone-numbers --seconds "${1:-60}" \
  --connections 8 --port "$port" --http-port "$http"
at=$(($(date +%s) - 3))   # just before the server stopped: its series go stale after

# query TITLE PROMQL [empty-ok]
query() {
  echo "== $1"
  local empty_ok=${3:-}
  curl -s --get "http://127.0.0.1:$prom/api/v1/query" --data-urlencode "query=$2" --data-urlencode "time=$at" |
    EMPTY_OK="$empty_ok" python3 -c '
import json, os, sys
answer = json.load(sys.stdin)
results = answer.get("data", {}).get("result", [])
if answer.get("status") == "success" and not results and os.environ.get("EMPTY_OK"):
    print("   (none)"); sys.exit(0)
if answer.get("status") != "success" or not results:
    print("   (no answer: " + json.dumps(answer)[:300] + ")"); sys.exit(1)
for r in sorted(results, key=lambda r: -float(r["value"][1]) if r["value"][1] != "NaN" else 0)[:12]:
    labels = ",".join(f"{k}={v}" for k, v in sorted(r["metric"].items()) if k not in ("job", "instance"))
    value = float(r["value"][1])
    print(f"   {value:>12.6g}  {labels}")
'
}
status=0
query "calls per second by method (last 30 s)" \
  'sum by (method) (rate(pnrpc_server_calls_finished_total{job="phone-numbers"}[30s]))' || status=1
query "p99 latency by method, seconds (last 30 s)" \
  'histogram_quantile(0.99, sum by (le, method) (rate(pnrpc_server_call_duration_seconds_bucket{job="phone-numbers"}[30s])))' || status=1
query "provisioning time p50, seconds" \
  'histogram_quantile(0.5, sum by (le) (rate(phone_numbers_provisioning_duration_seconds_bucket{job="phone-numbers"}[1m])))' || status=1
query "numbers by status" 'sum by (status) (phone_numbers_numbers{job="phone-numbers"})' || status=1
query "oldest due job, seconds" 'max(phone_numbers_oldest_due_job_age_seconds{job="phone-numbers"})' || status=1
query "ready" 'min(phone_numbers_ready{job="phone-numbers"})' || status=1
query "alerts firing or pending" 'count by (alertname, alertstate) (ALERTS)' empty-ok || status=1
exit $status
