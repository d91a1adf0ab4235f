#!/usr/bin/env python3
"""Regenerates the per-stage vector files from the JSON vectors in the repository's testdata/ (see README.md).

Run from this directory: python3 convert.py [path/to/testdata]
Every text file is written without a trailing newline; request.txt ends with the exact body bytes.
"""
import base64, email.utils, json, os, sys

ROOT = os.path.dirname(os.path.abspath(__file__))
for _ in range(4):
    ROOT = os.path.dirname(ROOT)
src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "testdata")

def write(case, name, text):
    os.makedirs(case, exist_ok=True)
    with open(os.path.join(case, name), "w", newline="") as f:
        f.write(text)

def request_txt(method, target, host, body):
    return f"{method} {target} HTTP/1.1\nHost: {host}\n\n{body}"

for fname, case in [
    ("post-flex-v2-sessions.json", "http-signature-post-flex-v2-sessions"),
    ("get-pts-v2-payment.json", "http-signature-get-pts-v2-payment"),
    ("post-flex-v2-sessions-legacy-request-target.json", "http-signature-post-flex-v2-sessions-legacy"),
]:
    v = json.load(open(os.path.join(src, "http-signature", fname)))
    secs = int(email.utils.parsedate_to_datetime(v["date"]).timestamp())
    write(case, "request.txt", request_txt(v["method"], v["request_target"], v["host"], v["body"]))
    write(case, "context.json", json.dumps({
        "source": f"testdata/http-signature/{fname}",
        "scheme": "http-signature",
        "merchant_id": v["merchant_id"],
        "key_id": v["key_id"],
        "shared_secret_base64": v["shared_secret_base64"],
        "time": secs,
        "date": v["date"],
        "legacy_request_target": "(request-target)" in v["signing_string"],
    }, indent=2) + "\n")
    if v["digest_header"] is not None:
        write(case, "digest.txt", v["digest_header"])
    write(case, "signing-string.txt", v["signing_string"])
    write(case, "signature.txt", v["signature"])
    write(case, "signature-header.txt", v["signature_header"])

v = json.load(open(os.path.join(src, "jwt-auth", "hs256-post-flex-v2-sessions.json")))
case = "jwt-hs256-post-flex-v2-sessions"
payload = json.loads(v["payload_json"])
body = json.load(open(os.path.join(src, "http-signature", "post-flex-v2-sessions.json")))["body"]
write(case, "request.txt", request_txt(payload["request-method"].upper(), payload["request-resource-path"],
                                       payload["request-host"], body))
write(case, "context.json", json.dumps({
    "source": "testdata/jwt-auth/hs256-post-flex-v2-sessions.json",
    "scheme": "jwt-hs256",
    "merchant_id": v["merchant_id"],
    "key_id": v["key_id"],
    "shared_secret_base64": v["shared_secret_base64"],
    "time": payload["iat"],
    "jti_random_bytes_hex": "00" * 16,
}, indent=2) + "\n")
write(case, "digest.txt", payload["digest"])
write(case, "header.json", v["header_json"])
write(case, "payload.json", v["payload_json"])
h, p, s = v["token"].split(".")
write(case, "signing-input.txt", f"{h}.{p}")
write(case, "signature.txt", s)
write(case, "token.txt", v["token"])
