#!/usr/bin/env python3
"""Regenerates python-interop.json: compact JWEs made by Python `cryptography` (OpenSSL), which
tests/it/interop.rs decrypts with flex-jwe.

Usage (from anywhere): python3 make_python_interop.py
Key: testdata/keys/rsa2048.pk8.pem (the repository's test-only RSA key).
The output is random (fresh CEK/IV/OAEP seed each run); any run is a valid fixture.
"""
import base64
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = Path(__file__).resolve().parent
KEY = HERE.parents[3] / "testdata" / "keys" / "rsa2048.pk8.pem"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwe(public_key, header: bytes, plaintext: bytes, sha) -> str:
    cek = os.urandom(32)
    iv = os.urandom(12)
    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=sha()), algorithm=sha(), label=None)
    encrypted_key = public_key.encrypt(cek, oaep)
    protected = b64u(header)
    sealed = AESGCM(cek).encrypt(iv, plaintext, protected.encode("ascii"))
    ciphertext, tag = sealed[:-16], sealed[-16:]
    return ".".join([protected, b64u(encrypted_key), b64u(iv), b64u(ciphertext), b64u(tag)])


def main() -> None:
    private_key = serialization.load_pem_private_key(KEY.read_bytes(), password=None)
    public_key = private_key.public_key()
    context = (HERE.parents[3].parent / "shared" / "vectors" / "capture-context" / "flex-docs-sn.jwt").read_text().strip()

    flat = {
        "context": context,
        "data": {
            "paymentInformation.card.number": "4111111111111111",
            "paymentInformation.card.securityCode": "123",
            "paymentInformation.card.expirationMonth": "12",
            "paymentInformation.card.expirationYear": "29",
        },
        "index": 0,
    }
    # iOS style: pretty-printed, a small float `iat` (the SDK's bug) and a 32-char `jti`.
    nested = {
        "context": context,
        "data": {
            "paymentInformation": {
                "card": {"number": "4111111111111111", "expirationMonth": "12", "expirationYear": "2031"}
            },
            "orderInformation": {"amountDetails": {"totalAmount": "102.21", "currency": "USD"}},
        },
        "index": 0,
        "iat": 1700000.123,
        "jti": "1234567890AaBbCcDdEeFfGg12345678",
    }
    cases = [
        {
            "comment": "RSA-OAEP (SHA-1), exact iOS header, flat data, compact JSON",
            "alg": "RSA-OAEP",
            "kid": "rsa2048",
            "plaintext": json.dumps(flat, separators=(",", ":")),
            "header": b'{"alg":"RSA-OAEP","enc":"A256GCM","kid":"rsa2048"}',
            "sha": hashes.SHA1,
        },
        {
            "comment": "RSA-OAEP-256, Python json.dumps header (spaces), nested data, pretty-printed, float iat",
            "alg": "RSA-OAEP-256",
            "kid": "rsa2048",
            "plaintext": json.dumps(nested, indent=2),
            "header": json.dumps({"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": "rsa2048"}).encode(),
            "sha": hashes.SHA256,
        },
        {
            "comment": "RSA-OAEP, header member order enc/kid/alg plus typ, no kid check needed",
            "alg": "RSA-OAEP",
            "kid": "rsa2048",
            "plaintext": "not JSON: the JWE layer does not care",
            "header": b'{"enc":"A256GCM","typ":"JWE","kid":"rsa2048","alg":"RSA-OAEP"}',
            "sha": hashes.SHA1,
        },
    ]
    out = []
    for case in cases:
        out.append(
            {
                "comment": case["comment"],
                "alg": case["alg"],
                "kid": case["kid"],
                "plaintext": case["plaintext"],
                "jwe": jwe(public_key, case["header"], case["plaintext"].encode(), case["sha"]),
            }
        )
    doc = {
        "generator": "tests/data/make_python_interop.py (Python cryptography %s)" % __import__("cryptography").__version__,
        "key": "testdata/keys/rsa2048.pk8.pem",
        "cases": out,
    }
    (HERE / "python-interop.json").write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
