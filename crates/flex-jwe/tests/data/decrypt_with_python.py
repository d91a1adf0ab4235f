#!/usr/bin/env python3
"""Decrypts a compact JWE (RSA-OAEP or RSA-OAEP-256 + A256GCM) read from stdin with Python
`cryptography`, and prints the plaintext as hex. Used by tests/it/interop.rs when python3 is present.

Usage: decrypt_with_python.py <pkcs8 pem path> < jwe
"""
import base64
import json
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def main() -> None:
    key = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), password=None)
    parts = sys.stdin.read().strip().split(".")
    assert len(parts) == 5
    header = json.loads(b64d(parts[0]))
    sha = {"RSA-OAEP": hashes.SHA1, "RSA-OAEP-256": hashes.SHA256}[header["alg"]]
    assert header["enc"] == "A256GCM"
    cek = key.decrypt(b64d(parts[1]), padding.OAEP(mgf=padding.MGF1(algorithm=sha()), algorithm=sha(), label=None))
    plaintext = AESGCM(cek).decrypt(b64d(parts[2]), b64d(parts[3]) + b64d(parts[4]), parts[0].encode("ascii"))
    print(plaintext.hex())


if __name__ == "__main__":
    main()
