#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (Fuzz/Corpus/*): valid frames and
messages, so fuzzing starts from inputs that reach deep into the decoders."""
import os

ROOT = os.path.join(os.path.dirname(__file__), "..", "Fuzz", "Corpus")


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def field(number, value):
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    if isinstance(value, str):
        value = value.encode()
    return varint(number << 3 | 2) + varint(len(value)) + value


def message(*fields):
    return b"".join(field(n, v) for n, v in fields)


def frame(*fields):
    body = message(*fields)
    return len(body).to_bytes(4, "big") + body


def write(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    with open(os.path.join(ROOT, target, name), "wb") as fh:
        fh.write(data)


metadata = message((1, "authorization"), (2, "Bearer pn_x"))
request = frame((1, 1), (2, 1), (3, "/grpc.health.v1.Health/Check"), (4, metadata), (5, 5000000), (6, message((1, ""))))
frames = {
    "request": request,
    "ping": frame((1, 5), (8, 42)),
    "cancel": request + frame((1, 4), (2, 1)),
    "unknown-method": frame((1, 1), (2, 2), (3, "/no.Such/Method")),
    "two-requests": request + frame((1, 1), (2, 3), (3, "/pnrpc.testing.v1.TestService/EmptyCall")),
    "end-from-client": frame((1, 3), (2, 1), (7, message((1, 2), (2, "x")))),
    "goaway": frame((1, 7), (9, 1), (7, message((1, 14), (2, "bye"), (3, message((1, "DRAINING"), (2, "pnrpc")))))),
}
# FuzzFrames: an odd first byte makes the target prepend a valid preface.
for name, data in frames.items():
    write("FuzzFrames", name, b"\x01" + data)
write("FuzzFrames", "preface-only", b"PNRPC\x00\x00\x01")
write("FuzzFrames", "http", b"GET / HTTP/1.1\r\n\r\n")
for name, data in frames.items():
    write("FuzzEnvelope", name, data[4:])

requests = {  # index into FuzzRequests' decoder list, then a valid message
    "health": (0, message((1, "svc"))),
    "create-account": (1, message((1, "Org"), (2, "US"))),
    "issue-token": (5, message((2, "svc"), (3, 1), (3, 2))),
    "submit-use-case": (9, message((1, "acc"), (2, 2), (3, "desc"), (4, "one"), (4, "two"), (5, "opt"))),
    "add-number": (14, message((1, "acc"), (2, "415"), (3, "name"), (4, "uc_1"), (5, "req"))),
    "port-out": (21, message((1, "+14155550100"), (2, "12345678"), (3, "Rival"))),
    "create-campaign": (24, message((2, "GOTV"), (4, message((1, "uc"), (2, "212"), (2, "510"))))),
    "audit": (29, message((1, "acc"), (4, 10), (5, "99"))),
}
for name, (index, data) in requests.items():
    write("FuzzRequests", name, bytes([index]) + data)
print("wrote the seed corpus to", os.path.normpath(ROOT))
