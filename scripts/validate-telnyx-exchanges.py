#!/usr/bin/env python3
"""Validates every request the Telnyx adapter sent to the emulator, and every response
the emulator answered with, against the provider's published description
(providers/telnyx/openapi.yml), with openapi-core. The exchanges are JSON lines written
by the emulator when TELNYX_EXCHANGE_LOG names a file. Exits non-zero on the first
kind of mismatch, printing each one."""
import json
import sys
from pathlib import Path
from urllib.parse import parse_qsl

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from werkzeug.datastructures import ImmutableMultiDict

spec_path = Path(__file__).resolve().parent.parent / "providers/telnyx/openapi.yml"
log = Path(sys.argv[1])
api = OpenAPI.from_file_path(str(spec_path))
failures = []
count = 0
for line in log.read_text().splitlines():
    exchange = json.loads(line)
    count += 1
    path = exchange["path"]
    if not path.startswith("/v2/"):
        continue
    request = MockRequest(
        "https://api.telnyx.com",
        exchange["method"].lower(),
        path,
        args=None,
        data=exchange["requestBody"].encode() if exchange["requestBody"] else None,
        headers={"Authorization": "Bearer key", "Content-Type": "application/json"},
        content_type="application/json",
    )
    # The query string as sent (deepObject filters): openapi-core reads it from args.
    # openapi-core cannot read an array inside a deepObject parameter (OpenAPI leaves
    # that serialization undefined; Telnyx documents `filter[features][]`-style values):
    # such keys are checked here against the enum instead.
    pairs = parse_qsl(exchange["query"], keep_blank_values=True)
    features = [value for key, value in pairs if key.startswith("filter[features]")]
    bad = [value for value in features if value not in {"sms", "mms", "voice", "fax", "emergency", "hd_voice", "international_sms", "local_calling"}]
    if bad:
        failures.append(f"{exchange['method']} {path}: unknown filter[features] {bad}")
    request.parameters.query = ImmutableMultiDict([(key, value) for key, value in pairs if not key.startswith("filter[features]")])
    response = MockResponse(
        exchange["responseBody"].encode(),
        status_code=exchange["status"],
        content_type=exchange["responseContentType"] or "application/json",
    )
    # Rate limits and server failures are what the provider sends for any operation,
    # documented or not (the emulator injects them): their bodies are not checked.
    injected = exchange["status"] == 429 or exchange["status"] >= 500
    try:
        api.validate_request(request)
        if not injected:
            api.validate_response(request, response)
    except Exception as error:  # noqa: BLE001 - every mismatch is reported
        detail = getattr(error, "__cause__", None) or error
        failures.append(f"{exchange['method']} {path}?{exchange['query']} -> {exchange['status']}: {type(error).__name__}: {detail}")

for failure in failures[:40]:
    print(failure, file=sys.stderr)
print(f"Telnyx contract: {count} exchanges, {len(failures)} not matching providers/telnyx/openapi.yml")
sys.exit(1 if failures else 0)
