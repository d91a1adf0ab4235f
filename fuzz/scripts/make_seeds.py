#!/usr/bin/env python3
"""Regenerates fuzz/corpus/<target>/seed-* from the repository's testdata/ (run from the project root:
`python3 fuzz/scripts/make_seeds.py`). Needs Python `cryptography` (to sign the jwt_verify seeds with the
test-only key keys/rsa2048.pk8.pem and to encrypt the jwe_decrypt seeds to the flex-jwe fuzzing test key)."""
import base64, json, os, pathlib
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ROOT = pathlib.Path(__file__).resolve().parents[2]
V = ROOT / "testdata"
C = ROOT / "fuzz" / "corpus"

def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def put(target, name, data):
    d = C / target; d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str): data = data.encode()
    (d / f"seed-{name}").write_bytes(data)
def read(p): return (V / p).read_text().strip()
def compact(obj): return json.dumps(obj, separators=(",", ":"))

key = serialization.load_pem_private_key((V / "keys/rsa2048.pk8.pem").read_bytes(), None)
def sign(header, payload):
    si = b64u(header.encode()) + "." + b64u(payload.encode())
    return si + "." + b64u(key.sign(si.encode(), padding.PKCS1v15(), hashes.SHA256()))

cc_payload = json.loads((V / "capture-context/flex-docs-sn.payload.json").read_text())
cc_payload["iat"], cc_payload["exp"] = 1_699_999_900, 1_700_000_800
tokens = {
    "rsa2048-sample": read("keys/rsa2048.sample.jwt"),
    "rsa2048-capture-context": sign('{"kid":"rsa2048","alg":"RS256"}', compact(cc_payload)),
    "rsa2048-nbf-typ": sign('{"kid":"rsa2048","alg":"RS256","typ":"JWT"}',
                            '{"iss":"flex-test","nbf":1699999990,"iat":1699999990,"exp":1700000100,"jti":"t2"}'),
}
for name, tok in tokens.items():
    put("jwt_verify", name, tok); put("jwt_parse", name, tok)
# Tokens that must not verify with the fixed key (other key, expired, not signed by it).
put("jwt_verify", "rsa2048-expired", sign('{"kid":"rsa2048","alg":"RS256"}', '{"iat":1600000000,"exp":1600000900}'))
put("jwt_verify", "rsa3072-sample", read("keys/rsa3072.sample.jwt"))
put("jwt_verify", "flex-docs-sn", read("capture-context/flex-docs-sn.jwt"))
for name in ["capture-context/flex-docs-sn.jwt", "transient-token/microform-0.11.jwt", "keys/rsa1024.sample.jwt",
             "keys/rsa2048-e3.sample.jwt", "keys/rsa4096.sample.jwt"]:
    put("jwt_parse", pathlib.Path(name).stem, read(name))
for name in ["rfc7515-a2-rs256", "rfc7520-4.1-rs256"]:
    d = json.loads((V / f"rfc/{name}.json").read_text())
    put("jwt_parse", name, d["token"]); put("jwt_verify", name, d["token"]); put("jwk_parse", name, compact(d["jwk"]))
# A handful of Wycheproof JWS strings (compact ones only), one per distinct comment.
seen = set()
for g in json.loads((V / "wycheproof/json_web_signature_test.json").read_text())["testGroups"]:
    for t in g["tests"]:
        jws = t.get("jws")
        if isinstance(jws, str) and t["comment"] not in seen and len(seen) < 24:
            seen.add(t["comment"]); put("jwt_parse", f"wycheproof-{t['tcId']}", jws)
# JWK / JWKS.
jwks = []
for n in ["rsa2048", "rsa3072", "rsa2048-e3", "rsa1024"]:
    j = read(f"keys/{n}.pub.jwk.json"); put("jwk_parse", n, j); jwks.append(json.loads(j))
put("jwk_parse", "jwks", compact({"keys": jwks}))
put("jwk_parse", "flex-docs-flx-jwk", compact(json.loads((V / "capture-context/flex-docs-sn.payload.json").read_text())["flx"]["jwk"]))
for g in json.loads((V / "wycheproof/json_web_key_test.json").read_text())["testGroups"][:1]:
    for t in g["tests"][:8]:
        if "jwk" in t: put("jwk_parse", f"wycheproof-{t['tcId']}", compact(t["jwk"]))
# Claims and error bodies.
put("capture_context_claims", "flex-docs-sn", (V / "capture-context/flex-docs-sn.payload.json").read_bytes())
put("capture_context_claims", "fresh", compact(cc_payload))
# flex-jose's primitives: a JSON object, a compact JWS and a JWE shape, a bare base64url text.
put("jose", "claims", (V / "capture-context/flex-docs-sn.payload.json").read_bytes())
put("jose", "jws", read("keys/rsa2048.sample.jwt"))
put("jose", "jwe-shape", ".".join(b64u(x) for x in [b'{"alg":"RSA-OAEP","enc":"A256GCM"}', b"key", b"iv", b"ct", b"tag"]))
put("jose", "b64", b64u(b"flex-jose"))
for i, body in enumerate([
    '{"responseStatus":{"status":400,"reason":"BAD_REQUEST","message":"Invalid request","correlationId":"abc-123","details":[{"location":"fields","message":"bad"}]},"_links":{"self":{"href":"/flex/v2/sessions","title":"s","method":"POST"}}}',
    '{"response":{"rmsg":"Authentication Failed"}}',
    '{"errorInformation":{"reason":"INVALID_DATA","message":"Declined","details":[{"field":"tokenInformation.jti","reason":"INVALID_DATA"}]}}',
    '{"status":"SERVER_ERROR","message":"Error - General system failure.","reason":"SYSTEM_ERROR"}',
    '{"errors":[{"type":"notAvailable","message":"Not available"}]}',
]):
    put("error_body_parse", f"shape-{i}", body)
# Signature headers (and a date) from the HTTP Signature vectors.
for f in sorted((V / "http-signature").glob("*.json")):
    d = json.loads(f.read_text())
    put("signature_header_parse", f.stem, d["signature_header"])
    put("signature_header_parse", f.stem + "-date", d["date"])
# JWE: real ones under the flex-jwe fuzzing key (RSA-OAEP and RSA-OAEP-256 + A256GCM) and Wycheproof shapes.
fk = serialization.load_pem_private_key((ROOT / "crates/flex-jwe/src/fuzzing/test-key.pk8.pem").read_bytes(), None)
pub = fk.public_key()
for alg, h in [("RSA-OAEP", hashes.SHA1()), ("RSA-OAEP-256", hashes.SHA256())]:
    hdr = b64u(compact({"alg": alg, "enc": "A256GCM", "kid": "fuzz"}).encode())
    cek, iv = os.urandom(32), os.urandom(12)
    ek = pub.encrypt(cek, padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None))
    pt = compact({"data": {"number": "4111111111111111", "securityCode": "123"}, "context": "x", "index": 0}).encode()
    ct = AESGCM(cek).encrypt(iv, pt, hdr.encode())
    put("jwe_decrypt", alg.lower(), ".".join([hdr, b64u(ek), b64u(iv), b64u(ct[:-16]), b64u(ct[-16:])]))
for g in json.loads((V / "wycheproof/json_web_encryption_test.json").read_text())["testGroups"][:2]:
    for t in g["tests"][:4]:
        if isinstance(t.get("jwe"), str): put("jwe_decrypt", f"wycheproof-{t['tcId']}", t["jwe"])
# Payments (docs/PROTOCOL.md §8.2): requests, 201 answers (authorized, declined), the 400 of a reused token, and
# "<amount> <currency>" texts. The transient token of the requests is a sample JWT of the test keys.
tt = read("keys/rsa2048.sample.jwt")
for name, body in {
    "request-doc": {"clientReferenceInformation": {"code": "order-42"}, "processingInformation": {"capture": False},
                    "orderInformation": {"amountDetails": {"totalAmount": "10.00", "currency": "USD"},
                                         "billTo": {"firstName": "Jane", "lastName": "Doe", "country": "US",
                                                    "email": "jane@example.com"}},
                    "tokenInformation": {"transientTokenJwt": tt}},
    "request-minimal-kwd": {"orderInformation": {"amountDetails": {"totalAmount": "1.250", "currency": "KWD"}},
                            "tokenInformation": {"transientTokenJwt": tt}},
    "request-capture-string": {"processingInformation": {"capture": "true", "commerceIndicator": "internet"},
                               "orderInformation": {"amountDetails": {"totalAmount": "100", "currency": "JPY"}},
                               "tokenInformation": {"transientTokenJwt": tt}},
    "response-authorized": {
        "_links": {"authReversal": {"method": "POST", "href": "/pts/v2/payments/7020838000000000000001/reversals"},
                   "self": {"method": "GET", "href": "/pts/v2/payments/7020838000000000000001"},
                   "capture": {"method": "POST", "href": "/pts/v2/payments/7020838000000000000001/captures"}},
        "clientReferenceInformation": {"code": "TC50171_3"}, "id": "7020838000000000000001",
        "orderInformation": {"amountDetails": {"authorizedAmount": "102.21", "currency": "USD"}, "lineItems": [{"x": 1}]},
        "processorInformation": {"approvalCode": "831000", "networkTransactionId": "016153570198200",
                                 "transactionId": "016153570198200", "responseCode": "00", "avs": {"code": "Y"}},
        "reconciliationId": "6208396897246985904953", "status": "AUTHORIZED", "submitTimeUtc": "2026-12-03T14:00:00Z"},
    "response-declined": {"id": "7020838000000000000002", "status": "DECLINED", "submitTimeUtc": "2026-12-03T14:00:01Z",
                          "errorInformation": {"reason": "PROCESSOR_DECLINED",
                                               "message": "Decline - General decline of the card."},
                          "processorInformation": {"responseCode": "05"}},
    "response-400-reused-token": {"submitTimeUtc": "2026-12-03T14:00:02Z", "status": "INVALID_REQUEST",
                                  "reason": "INVALID_DATA",
                                  "message": "Declined - One or more fields in the request contains invalid data",
                                  "details": [{"field": "tokenInformation.jti", "reason": "INVALID_DATA"}]},
}.items():
    put("payments_parse", name, compact(body))
for text in ["10.00 USD", "1.250 KWD", "100 JPY", "0.01 EUR"]:
    put("payments_parse", "amount-" + text.split()[1].lower(), text)
# Microform (docs/PROTOCOL.md §8.1, §6.1): session requests, an mf-2.0.0 capture context, transient tokens of every
# format (mf-0.11.0 from testdata, mf-2.0.0, gda-0.9.0), the Flex API context, and builder lines.
put("microform_parse", "request-doc", compact({"clientVersion": "v2", "targetOrigins": ["https://shop.example"],
                                               "allowedCardNetworks": ["VISA", "MASTERCARD"]}))
put("microform_parse", "request-full", compact({
    "clientVersion": "v2.0", "targetOrigins": ["https://shop.example", "https://shop.example:8443", "http://localhost:3000"],
    "allowedCardNetworks": ["VISA", "MASTERCARD", "AMEX", "CARNET", "CARTESBANCAIRES", "CUP", "DINERSCLUB", "DISCOVER",
                            "EFTPOS", "ELO", "JAYWAN", "JCB", "JCREW", "KCP", "MADA", "MAESTRO", "MEEZA", "PAYPAK", "UATP"],
    "allowedPaymentTypes": ["CARD", "CHECK"], "transientTokenResponseOptions": {"includeCardPrefix": True}}))
mf_ctx = json.loads((V / "capture-context/flex-docs-sn.payload.json").read_text())
mf_ctx["ctx"] = [{"data": {"clientLibrary": "https://testflex.cybersource.com/microform/bundle/v2.0/flex-microform.min.js",
                           "clientLibraryIntegrity": "sha256-ZKdy8Wk4dNAbE6xDuFvhl6PMd1dVDlVk9xZtJCYpsZk=",
                           "targetOrigins": ["https://www.example.com"], "mfOrigin": "https://testflex.cybersource.com",
                           "allowedCardNetworks": ["VISA", "MASTERCARD", "AMEX"], "allowedPaymentTypes": ["CARD"],
                           "iframeIntegrity": {"x": 1}},
                  "type": "mf-2.0.0"}]
put("microform_parse", "context-mf-2", compact(mf_ctx))
put("microform_parse", "context-api", (V / "capture-context/flex-docs-sn.payload.json").read_bytes())
put("microform_parse", "token-mf-0.11",
    base64.urlsafe_b64decode(read("transient-token/microform-0.11.jwt").split(".")[1] + "=="))
put("microform_parse", "token-mf-2", compact({
    "iss": "Flex/08", "exp": 1661350495, "type": "mf-2.0.0", "iat": 1661349595,
    "jti": "1D1P5ADE5Y8HR7NSN1GRY4BVAY8J8FL5U7RXN6RA4F0GC7RP1HJF63062E86FA6D",
    "content": {"paymentInformation": {"card": {
        "number": {"detectedCardTypes": ["001"], "maskedValue": "XXXXXXXXXXXX1111", "bin": "411111"},
        "expirationMonth": {"value": "03"}, "expirationYear": {"value": "2031"}, "securityCode": {}}}}}))
put("microform_parse", "token-gda-0.9", compact({
    "iss": "Flex/00", "exp": 1706910242, "type": "gda-0.9.0", "iat": 1706909342,
    "jti": "1E0WC1GO87JG1BDP0CQ8SCR1TTK86U9N98H3WH8IFM9MVEWTIYFI65D4E1C4E5C1",
    "metadata": {"consumerPreference": {"saveCard": False}},
    "content": {"paymentInformation": {"card": {
        "number": {"maskedValue": "XXXXXXXXXXXX1111", "bin": "411111"}, "expirationMonth": {"value": "06"},
        "expirationYear": {"value": "2028"}, "securityCode": {}, "type": {"value": "001"}}}}}))
put("microform_parse", "lines-origins", "v2\nhttps://shop.example\nhttps://[::1]:8443\nhttp://localhost:3000")
put("microform_parse", "lines-expiry", "03\n2031")
