"""Runs the official Cybersource Python SDK (cybersource-rest-client-python), unchanged, against the flex sandbox.

Usage: python sdk_python.py HOST:PORT CA_PEM

What it checks, with the SDK's own code paths:
1. FlexAPIApi.generate_flex_api_capture_context with HTTP Signature auth -> 201 and a JWT string. The SDK
   serializes the body with json.dumps (spaces after "," and ":"), and the digest covers those exact bytes.
2. The same with JWT auth (jwt_key_type SHARED_SECRET -> HS256, the SDK's digestAlgorithm and "POST" claims).
3. CaptureContextParsingUtility.parse_capture_context_response: the SDK fetches
   GET /flex/v2/public-keys/{kid} itself and verifies the RS256 signature.
4. A wrong shared secret -> the SDK raises with HTTP 401 (the gateway's "Authentication Failed" body).
5. The browser step, with an independent JWE implementation (jwcrypto, a dependency of the SDK): RSA-OAEP +
   A256GCM to flx.jwk, POST /flex/v2/tokens, then the SDK's JWTUtility.verify_jwt checks the transient token
   with flx.jwk.
6. Microform: MicroformIntegrationApi.generate_capture_context (POST /microform/v2/sessions) -> 201 and a JWT that
   the SDK's parse_capture_context_response verifies (public-keys fetch, RS256) and whose ctx is mf-* with
   clientLibrary, clientLibraryIntegrity and the requested targetOrigins; tokenized with jwcrypto as in 5 into a
   Microform v2 transient token (content.paymentInformation.card) that JWTUtility.verify_jwt accepts.
7. Payments: PaymentsApi.create_payment (POST /pts/v2/payments) authorizes with that transient token (201,
   AUTHORIZED, deserialized into the SDK's PtsV2PaymentsPost201Response); the same token again is an
   ApiException 400 with details [{"field": "tokenInformation.jti", "reason": "INVALID_DATA"}]; the test card
   4000000000000002 gives a DECLINED 201.

The only thing set up around the SDK is trust in the sandbox's CA: the SDK always passes certifi's bundle to
urllib3, so this script points certifi.where() at a bundle of certifi's roots plus the sandbox CA before the
SDK is imported. No SDK file is modified.
"""

import json
import os
import sys
import tempfile

HOST, CA_PEM = sys.argv[1], sys.argv[2]

import certifi  # noqa: E402

bundle = tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False)
with open(certifi.where()) as roots, open(CA_PEM) as sandbox_ca:
    bundle.write(roots.read() + "\n" + sandbox_ca.read())
bundle.close()
certifi.where = lambda: bundle.name

import CyberSource  # noqa: E402
from CyberSource.utilities.flex.CaptureContextParsingUtility import parse_capture_context_response  # noqa: E402
from authenticationsdk.core.MerchantConfiguration import MerchantConfiguration  # noqa: E402
from authenticationsdk.util.jwt import JWTUtility  # noqa: E402

SECRET = "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE="
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (f": {detail}" if detail and not ok else ""))
    if not ok:
        failures.append(name)


def config(auth, secret=SECRET):
    return {
        "authentication_type": auth,
        "merchantid": "testrest",
        "merchant_keyid": "08c94330-f618-42a3-b09d-e1e43be5efda",
        "merchant_secretkey": secret,
        "jwt_key_type": "SHARED_SECRET",
        "run_environment": HOST,
    }


def session_request():
    F = CyberSource.Flexv2sessionsFieldsOrderInformationAmountDetailsTotalAmount
    card = CyberSource.Flexv2sessionsFieldsPaymentInformationCard(
        number=F(required=True),
        security_code=F(required=False),
        expiration_month=F(required=True),
        expiration_year=F(required=True),
    )
    fields = CyberSource.Flexv2sessionsFields(
        payment_information=CyberSource.Flexv2sessionsFieldsPaymentInformation(card=card)
    )
    request = CyberSource.GenerateFlexAPICaptureContextRequest(fields=fields)
    # As the official samples (cybersource-rest-samples-python) do: the model's __dict__ without None values,
    # as a JSON string; the SDK strips the attributes' leading "_" and camel-cases the names itself.
    return json.dumps(model_dict(request))


def model_dict(value):
    if hasattr(value, "swagger_types"):
        return {k: model_dict(v) for k, v in value.__dict__.items() if v is not None and k != "discriminator"}
    return value


def create(auth, secret=SECRET):
    api = CyberSource.FlexAPIApi(config(auth, secret))
    body, status, _headers = api.generate_flex_api_capture_context(session_request())
    return body, status


contexts = {}
for auth in ("http_signature", "jwt"):
    try:
        body, status = create(auth)
        check(f"{auth}: POST /flex/v2/sessions -> 201", status == 201, f"status {status}")
        check(f"{auth}: the body is a compact JWT", isinstance(body, str) and body.count(".") == 2)
        contexts[auth] = body
    except Exception as e:  # the SDK raises ApiException on non-2xx
        check(f"{auth}: POST /flex/v2/sessions", False, f"{type(e).__name__}: {str(e)[:300]}")

for auth, context in contexts.items():
    try:
        merchant_config = MerchantConfiguration()
        merchant_config.set_merchantconfig(config(auth))
        claims = parse_capture_context_response(context, merchant_config)
        check(f"{auth}: SDK verifies the capture context (fetches the public key)", claims["iss"] == "Flex API")
        check(f"{auth}: ctx lists the requested fields", "paymentInformation.card.number"
              in claims["ctx"][0]["data"]["requiredFields"])
    except Exception as e:
        check(f"{auth}: SDK verifies the capture context", False, f"{type(e).__name__}: {str(e)[:300]}")

for auth in ("http_signature", "jwt"):
    wrong = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    try:
        create(auth, wrong)
        check(f"{auth}: a wrong secret is refused", False, "the sandbox accepted it")
    except CyberSource.rest.ApiException as e:
        check(f"{auth}: a wrong secret is refused with 401", e.status == 401, f"status {e.status}")
        check(f"{auth}: 401 body is the gateway shape", json.loads(e.body) == {"response": {"rmsg": "Authentication Failed"}},
              str(e.body)[:200])

# The browser/app step, done by an independent JWE implementation.
if "jwt" in contexts:
    import urllib3
    from jwcrypto import jwe, jwk

    context = contexts["jwt"]
    claims = JWTUtility.parse(context)["payload"]
    flx = claims["flx"]
    key = jwk.JWK(**{k: flx["jwk"][k] for k in ("kty", "n", "e", "kid")})
    payload = {
        "context": context,
        "index": 0,
        "data": {
            "paymentInformation.card.number": "4111111111111111",
            "paymentInformation.card.expirationMonth": "12",
            "paymentInformation.card.expirationYear": "2031",
        },
    }
    token = jwe.JWE(json.dumps(payload).encode(), json.dumps(
        {"alg": "RSA-OAEP", "enc": "A256GCM", "kid": flx["jwk"]["kid"]}))
    token.add_recipient(key)
    compact = token.serialize(compact=True)
    http = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=bundle.name)
    url = flx["origin"] + flx["path"]
    r = http.request("POST", url, body=json.dumps({"keyId": compact}).encode(),
                     headers={"Content-Type": "application/json; charset=utf-8"})
    check("jwcrypto JWE -> POST /flex/v2/tokens -> 2xx", 200 <= r.status < 300, f"status {r.status}")
    if 200 <= r.status < 300:
        import base64
        import hashlib

        digest = "SHA-256=" + base64.b64encode(hashlib.sha256(r.data).digest()).decode()
        check("the Digest response header matches the body (what the iOS SDK checks)",
              r.headers.get("Digest") == digest, str(r.headers.get("Digest")))
        transient = r.data.decode()
        try:
            JWTUtility.verify_jwt(transient, flx["jwk"])
            check("SDK's verify_jwt accepts the transient token with flx.jwk", True)
        except Exception as e:
            check("SDK's verify_jwt accepts the transient token with flx.jwk", False, f"{type(e).__name__}: {e}")
        r2 = http.request("POST", url, body=json.dumps({"keyId": compact}).encode(),
                          headers={"Content-Type": "application/json; charset=utf-8"})
        check("a replayed JWE is refused", r2.status >= 400, f"status {r2.status}")

# Microform v2 and payments.
import urllib3  # noqa: E402
from jwcrypto import jwe, jwk  # noqa: E402

http = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=bundle.name)


def tokenize(context, number):
    """The browser step, done by jwcrypto: RSA-OAEP + A256GCM to flx.jwk, POST to flx.origin + flx.path."""
    flx = JWTUtility.parse(context)["payload"]["flx"]
    key = jwk.JWK(**{k: flx["jwk"][k] for k in ("kty", "n", "e", "kid")})
    payload = {
        "context": context,
        "index": 0,
        "data": {
            "paymentInformation.card.number": number,
            "paymentInformation.card.securityCode": "123",
            "paymentInformation.card.expirationMonth": "12",
            "paymentInformation.card.expirationYear": "2031",
        },
    }
    token = jwe.JWE(json.dumps(payload).encode(), json.dumps(
        {"alg": "RSA-OAEP", "enc": "A256GCM", "kid": flx["jwk"]["kid"]}))
    token.add_recipient(key)
    r = http.request("POST", flx["origin"] + flx["path"], body=json.dumps({"keyId": token.serialize(compact=True)}).encode(),
                     headers={"Content-Type": "application/json; charset=utf-8"})
    return r.status, r.data.decode(), flx["jwk"]


def microform_context():
    request = CyberSource.GenerateCaptureContextRequest(
        client_version="v2",
        target_origins=["https://www.example.com"],
        allowed_card_networks=["VISA", "MASTERCARD", "AMEX"],
        allowed_payment_types=["CARD"],
        transient_token_response_options=CyberSource.Microformv2sessionsTransientTokenResponseOptions(
            include_card_prefix=False),
    )
    result = CyberSource.MicroformIntegrationApi(config("jwt")).generate_capture_context(
        json.dumps(model_dict(request)))
    return result if isinstance(result, tuple) else (result, 201, None)


def payment_request(transient, reference):
    request = CyberSource.CreatePaymentRequest(
        client_reference_information=CyberSource.Ptsv2paymentsClientReferenceInformation(code=reference),
        processing_information=CyberSource.Ptsv2paymentsProcessingInformation(capture=False),
        order_information=CyberSource.Ptsv2paymentsOrderInformation(
            amount_details=CyberSource.Ptsv2paymentsOrderInformationAmountDetails(total_amount="102.21", currency="USD"),
            bill_to=CyberSource.Ptsv2paymentsOrderInformationBillTo(
                first_name="John", last_name="Doe", address1="1 Market St", locality="san francisco",
                administrative_area="CA", postal_code="94105", country="US", email="test@cybs.com",
                phone_number="4158880000"),
        ),
        token_information=CyberSource.Ptsv2paymentsTokenInformation(transient_token_jwt=transient),
    )
    return json.dumps(model_dict(request))


def pay(transient, reference):
    result = CyberSource.PaymentsApi(config("http_signature")).create_payment(payment_request(transient, reference))
    return result if isinstance(result, tuple) else (result, 201, None)


mf_transient = None
try:
    mf_context, status, _ = microform_context()
    check("microform: POST /microform/v2/sessions -> 201", status == 201, f"status {status}")
    merchant_config = MerchantConfiguration()
    merchant_config.set_merchantconfig(config("jwt"))
    mf_claims = parse_capture_context_response(mf_context, merchant_config)
    ctx = mf_claims["ctx"][0]
    check("microform: SDK verifies the capture context (fetches the public key)", mf_claims["iss"] == "Flex API")
    check("microform: ctx type is mf-*", ctx["type"].startswith("mf-"), ctx["type"])
    check("microform: ctx data has clientLibrary and clientLibraryIntegrity",
          bool(ctx["data"].get("clientLibrary")) and ctx["data"].get("clientLibraryIntegrity", "").startswith("sha256-"))
    check("microform: ctx data has the requested targetOrigins and networks",
          ctx["data"].get("targetOrigins") == ["https://www.example.com"]
          and ctx["data"].get("allowedCardNetworks") == ["VISA", "MASTERCARD", "AMEX"], json.dumps(ctx["data"]))
    status, mf_transient, mf_jwk = tokenize(mf_context, "4111111111111111")
    check("microform: jwcrypto JWE -> POST /flex/v2/tokens -> 201", status == 201, f"status {status}")
    JWTUtility.verify_jwt(mf_transient, mf_jwk)
    check("microform: SDK's verify_jwt accepts the transient token with flx.jwk", True)
    card = JWTUtility.parse(mf_transient)["payload"]["content"]["paymentInformation"]["card"]
    check("microform: transient token has the Microform v2 card shape",
          card["number"]["maskedValue"] == "XXXXXXXXXXXX1111" and "bin" not in card["number"]
          and card["expirationMonth"] == {"value": "12"} and card["securityCode"] == {}, json.dumps(card))
except Exception as e:
    check("microform: capture context and tokenization", False, f"{type(e).__name__}: {str(e)[:300]}")

if mf_transient:
    try:
        data, status, _ = pay(mf_transient, "interop-1")
        check("payments: create_payment with our transient token -> 201", status == 201, f"status {status}")
        check("payments: deserialized into PtsV2PaymentsPost201Response",
              type(data).__name__ == "PtsV2PaymentsPost201Response", type(data).__name__)
        check("payments: status AUTHORIZED", data.status == "AUTHORIZED", str(data.status))
        check("payments: authorized amount, approval code, reference",
              data.order_information.amount_details.authorized_amount == "102.21"
              and data.processor_information.approval_code
              and data.client_reference_information.code == "interop-1")
    except Exception as e:
        check("payments: create_payment with our transient token", False, f"{type(e).__name__}: {str(e)[:300]}")
    try:
        pay(mf_transient, "interop-2")
        check("payments: a reused transient token is refused", False, "the sandbox accepted it")
    except CyberSource.rest.ApiException as e:
        body = json.loads(e.body)
        check("payments: a reused transient token is refused with 400", e.status == 400, f"status {e.status}")
        check("payments: details name tokenInformation.jti / INVALID_DATA",
              body.get("details") == [{"field": "tokenInformation.jti", "reason": "INVALID_DATA"}], str(e.body)[:300])
    except Exception as e:
        check("payments: a reused transient token is refused", False, f"{type(e).__name__}: {str(e)[:300]}")

if "http_signature" in contexts:
    try:
        status, declined_token, _ = tokenize(create("http_signature")[0], "4000000000000002")
        check("payments: Flex API token for the declining test card -> 201", status == 201, f"status {status}")
        data, status, _ = pay(declined_token, "interop-3")
        check("payments: the declining test card gives a 201 DECLINED",
              status == 201 and data.status == "DECLINED" and data.error_information.reason == "PROCESSOR_DECLINED",
              f"{status} {data.status}")
    except Exception as e:
        check("payments: the declining test card", False, f"{type(e).__name__}: {str(e)[:300]}")

os.unlink(bundle.name)
print(f"python sdk: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
