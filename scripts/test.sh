#!/usr/bin/env bash
# Runs everything CI runs: installs missing system packages, checks that the
# generated code matches proto/ and the sources are formatted (.swift-format), builds,
# and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
scripts/check-generated-code.sh
scripts/generate-telnyx-client.sh --check
scripts/format.sh --lint
scripts/check-operations.sh
swift build --build-tests
swift test --skip-build
# The service suite again through the Connect gateway (proto3 JSON over HTTP, as clients in other languages call it):
# every rule and documented error in Connect form. Only the suites about PNRPC's own metrics and spans stay on PNRPC.
PHONE_NUMBERS_TEST_TRANSPORT=connect swift test --skip-build --filter PhoneNumbersServiceTests --skip 'OperationsTests|TracingTests'
# The service suite again in process (the handlers called directly, through the same call executor): no transport in between.
PHONE_NUMBERS_TEST_TRANSPORT=inprocess swift test --skip-build --filter PhoneNumbersServiceTests --skip 'OperationsTests|TracingTests'
# The Phone Numbers page in headless Chromium against a real `serve --demo` (screenshots in .build/test-output).
scripts/browser-test.sh
# The number and campaign suites again (dedicated and single-use numbers), with the Telnyx adapter against the emulator; every exchange
# is then validated against the provider's published description.
exchanges=$(mktemp)
postgres=$(mktemp -d)
trap 'scripts/postgres.sh stop "$postgres" || true; rm -rf "$exchanges" "$postgres"' EXIT
TELNYX_EXCHANGE_LOG=$exchanges PHONE_NUMBERS_TEST_PROVIDER=telnyx \
    swift test --skip-build --filter 'TelnyxProviderTests|NumbersTests|PortOutTests|CampaignsTests|ProviderWatchTests'
python3 -c 'import openapi_core' 2>/dev/null || pip install -q openapi-core==0.19.5
python3 scripts/validate-telnyx-exchanges.py "$exchanges"
# The service suite again on PostgreSQL: a throwaway server (installed when missing), a fresh database per test;
# then three real replicas on one database for the rules across replicas (ReplicaTests), alone. The suites that run
# the executable on its SQLite file stay in the first pass: beside the PostgreSQL pass's ~1,300 open sockets,
# Foundation's Process.run crashed twice while launching a child.
database_url=$(scripts/postgres.sh start "$postgres")
spawning='CommandLineTests|DemoWalkthroughTests|TelnyxWalkthroughTests|TracingTests|ReplicaTests'
PHONE_NUMBERS_TEST_STORE=postgres PHONE_NUMBERS_TEST_DATABASE_URL=$database_url \
    swift test --skip-build --filter PhoneNumbersServiceTests --skip "$spawning"
PHONE_NUMBERS_TEST_STORE=postgres PHONE_NUMBERS_TEST_DATABASE_URL=$database_url swift test --skip-build --filter ReplicaTests
