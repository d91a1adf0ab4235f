//! Targeted verifier behaviour: each rejection reason, both claim spellings, RS256, meta keys.

use std::sync::Arc;
use std::time::Duration;

use flex_auth::{
    AuthScheme, CredentialError, Credentials, DigestAlgorithmClaim, JwtClaimOptions, JwtId, KeyStore,
    MerchantPrivateKey, MethodCase, RegisteredKey, RsaPublicKey, SignableRequest, SigningError,
    SigningParams, SigningScheme, Verifier, VerifierConfig, VerifyError, VerifyingKey, sign,
};
use flex_jwt::{ExponentPolicy, KeyError};

use crate::*;
use base64ct::{Base64UrlUnpadded, Encoding as _};

fn signed_headers(
    method: &str,
    path: &str,
    body: &[u8],
    params: &SigningParams,
    c: &Credentials,
) -> Vec<(&'static str, String)> {
    let req = SignableRequest::new(method, HOST, path, body).unwrap();
    sign(&req, c, params).unwrap().headers().map(|(n, v)| (n, v.to_owned())).collect()
}

fn as_refs<'a>(h: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    h.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

fn http_sig(method: &str, path: &str, body: &[u8]) -> Vec<(&'static str, String)> {
    signed_headers(method, path, body, &SigningParams::http_signature(t(NOW)), &creds())
}

fn jwt(method: &str, path: &str, body: &[u8]) -> Vec<(&'static str, String)> {
    signed_headers(
        method,
        path,
        body,
        &SigningParams::jwt(t(NOW), JwtId::from_random_bytes([7; 16])),
        &creds(),
    )
}

fn verify_with(
    h: &[(&str, &str)],
    method: &str,
    path: &str,
    body: &[u8],
    now: i64,
) -> Result<flex_auth::Authenticated, VerifyError> {
    verifier().verify(&received(method, path, h, body), t(now))
}

fn replace(h: &[(&'static str, String)], name: &str, value: &str) -> Vec<(&'static str, String)> {
    h.iter()
        .map(|(n, v)| (*n, if n.eq_ignore_ascii_case(name) { value.to_owned() } else { v.clone() }))
        .collect()
}

fn bearer(token: &str) -> Vec<(&'static str, String)> {
    vec![("Authorization", format!("Bearer {token}"))]
}

#[test]
fn http_signature_round_trip_and_skew() {
    let h = http_sig("POST", PATH, BODY.as_bytes());
    let h = as_refs(&h);
    assert!(verify_with(&h, "POST", PATH, BODY.as_bytes(), NOW).is_ok());
    assert!(verify_with(&h, "POST", PATH, BODY.as_bytes(), NOW + 300).is_ok());
    assert!(verify_with(&h, "POST", PATH, BODY.as_bytes(), NOW - 300).is_ok());
    assert_eq!(
        verify_with(&h, "POST", PATH, BODY.as_bytes(), NOW + 301).unwrap_err(),
        VerifyError::DateOutsideWindow
    );
    assert_eq!(
        verify_with(&h, "POST", PATH, BODY.as_bytes(), NOW - 301).unwrap_err(),
        VerifyError::DateOutsideWindow
    );
    let tight =
        Verifier::new(store(), VerifierConfig { max_skew: Duration::from_secs(5), ..Default::default() });
    assert_eq!(
        tight.verify(&received("POST", PATH, &h, BODY.as_bytes()), t(NOW + 6)).unwrap_err(),
        VerifyError::DateOutsideWindow
    );
}

#[test]
fn http_signature_rejections() {
    let h = http_sig("POST", PATH, BODY.as_bytes());
    let body = BODY.as_bytes();
    let check = |h: Vec<(&'static str, String)>, want: VerifyError| {
        assert_eq!(verify_with(&as_refs(&h), "POST", PATH, body, NOW).unwrap_err(), want);
    };
    check(
        replace(&h, "Digest", "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
        VerifyError::BadSignature,
    );
    check(
        replace(&h, "Digest", "SHA-512=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
        VerifyError::MalformedDigest,
    );
    check(replace(&h, "Date", "Thu, 18 Jul 2019 00:18:04 GMT"), VerifyError::BadSignature);
    check(replace(&h, "Date", "2019-07-18T00:18:03Z"), VerifyError::MalformedDate);
    check(replace(&h, "v-c-merchant-id", "other"), VerifyError::BadSignature);
    let sig = h.iter().find(|(n, _)| *n == "Signature").unwrap().1.clone();
    check(
        replace(&h, "Signature", &sig.replace("HmacSHA256", "HmacSHA512")),
        VerifyError::UnsupportedAlgorithm,
    );
    check(replace(&h, "Signature", &sig.replace("08c94330", "18c94330")), VerifyError::UnknownKeyId);
    check(replace(&h, "Signature", &sig.replace(" digest", "")), VerifyError::BodyNotSigned);
    check(
        replace(&h, "Signature", &sig.replace("host date", "date host")),
        VerifyError::UnexpectedSignedHeaders,
    );
    check(
        replace(&h, "Signature", &sig.replace("request-target", "(request-target)")),
        VerifyError::LegacyRequestTargetNotAllowed,
    );
    check(replace(&h, "Signature", &sig.replace("keyid=", "keyId=")), VerifyError::MalformedSignatureHeader);
    let mut dup = h.clone();
    dup.push(("date", "Thu, 18 Jul 2019 00:18:03 GMT".into()));
    check(dup, VerifyError::DuplicateHeader("date"));
    check(h.iter().filter(|(n, _)| *n != "Digest").cloned().collect(), VerifyError::MissingHeader("digest"));
    check(h.iter().filter(|(n, _)| *n != "Date").cloned().collect(), VerifyError::MissingHeader("date"));
    check(replace(&h, "Host", "api.cybersource.com"), VerifyError::HostMismatch);
    let mut both = h.clone();
    both.push(("Authorization", "Bearer x.y.z".into()));
    check(both, VerifyError::AmbiguousAuthentication);
    check(vec![], VerifyError::MissingAuthentication);
    // The body changed after signing: the signature still covers the header, the digest catches the body.
    assert_eq!(verify_with(&as_refs(&h), "POST", PATH, b"{}", NOW).unwrap_err(), VerifyError::DigestMismatch);
    assert_eq!(verify_with(&as_refs(&h), "PUT", PATH, body, NOW).unwrap_err(), VerifyError::BadSignature);
    assert_eq!(
        verify_with(&as_refs(&h), "POST", "/flex/v2/sessions?x=1", body, NOW).unwrap_err(),
        VerifyError::BadSignature
    );
    assert_eq!(
        verify_with(&as_refs(&h), "POST", "no-slash", body, NOW).unwrap_err(),
        VerifyError::MalformedRequest
    );
}

#[test]
fn get_without_body_has_no_digest_and_a_body_on_get_is_refused() {
    let h = http_sig("GET", "/pts/v2/payments/5246387105766473203529?a=b", b"");
    assert!(h.iter().all(|(n, _)| *n != "Digest"));
    let h = as_refs(&h);
    assert!(verify_with(&h, "GET", "/pts/v2/payments/5246387105766473203529?a=b", b"", NOW).is_ok());
    assert_eq!(
        verify_with(&h, "GET", "/pts/v2/payments/5246387105766473203529?a=b", b"x", NOW).unwrap_err(),
        VerifyError::BodyNotSigned
    );
    assert_eq!(
        verify_with(&h, "GET", "/pts/v2/payments/5246387105766473203529?a=c", b"", NOW).unwrap_err(),
        VerifyError::BadSignature
    );
}

#[test]
fn jwt_round_trip_both_claim_spellings() {
    for (digest_algorithm_claim, method_case) in [
        (DigestAlgorithmClaim::Hyphenated, MethodCase::Lower),
        (DigestAlgorithmClaim::CamelCase, MethodCase::Upper),
    ] {
        let params = SigningParams {
            scheme: SigningScheme::Jwt {
                jti: JwtId::from_random_bytes([1; 16]),
                claims: JwtClaimOptions { digest_algorithm_claim, method_case },
            },
            time: t(NOW),
        };
        let h = signed_headers("POST", PATH, BODY.as_bytes(), &params, &creds());
        let token =
            h.iter().find(|(n, _)| *n == "Authorization").unwrap().1.trim_start_matches("Bearer ").to_owned();
        let payload =
            String::from_utf8(Base64UrlUnpadded::decode_vec(token.split('.').nth(1).unwrap()).unwrap())
                .unwrap();
        match method_case {
            MethodCase::Upper => assert!(
                payload.contains(r#""digestAlgorithm":"SHA-256""#)
                    && payload.contains(r#""request-method":"POST""#)
            ),
            _ => assert!(
                payload.contains(r#""digest-algorithm":"SHA-256""#)
                    && payload.contains(r#""request-method":"post""#)
            ),
        }
        let who = verify_with(&as_refs(&h), "POST", PATH, BODY.as_bytes(), NOW + 10).unwrap();
        assert_eq!(who.scheme, AuthScheme::JwtHs256);
        assert_eq!(who.jti.as_deref(), Some("01010101-0101-4101-8101-010101010101"));
    }
}

#[test]
fn jwt_time_checks() {
    let h = jwt("POST", PATH, BODY.as_bytes());
    let h = as_refs(&h);
    assert!(verify_with(&h, "POST", PATH, BODY.as_bytes(), NOW + 120 + 300).is_ok());
    assert_eq!(
        verify_with(&h, "POST", PATH, BODY.as_bytes(), NOW + 120 + 301).unwrap_err(),
        VerifyError::TokenExpired
    );
    assert!(verify_with(&h, "POST", PATH, BODY.as_bytes(), NOW - 300).is_ok());
    assert_eq!(
        verify_with(&h, "POST", PATH, BODY.as_bytes(), NOW - 301).unwrap_err(),
        VerifyError::TokenIssuedInFuture
    );
}

fn claims_token(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut claims = vector_claims();
    edit(&mut claims);
    hs256_token(HS256_HEADER, &claims.to_string(), SECRET)
}

#[test]
fn jwt_claim_rejections() {
    let body = BODY.as_bytes();
    let check = |token: String, want: VerifyError| {
        let h = bearer(&token);
        assert_eq!(verify_with(&as_refs(&h), "POST", PATH, body, NOW).unwrap_err(), want);
    };
    check(claims_token(|c| c["request-host"] = "api.cybersource.com".into()), VerifyError::HostMismatch);
    check(
        claims_token(|c| c["request-resource-path"] = "/flex/v2/sessions?x".into()),
        VerifyError::PathMismatch,
    );
    check(claims_token(|c| c["request-method"] = "put".into()), VerifyError::MethodMismatch);
    check(claims_token(|c| c["request-method"] = "Post".into()), VerifyError::MethodMismatch);
    check(
        claims_token(|c| c["digest"] = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into()),
        VerifyError::DigestMismatch,
    );
    check(claims_token(|c| c["digest-algorithm"] = "SHA-1".into()), VerifyError::UnsupportedDigestAlgorithm);
    check(
        claims_token(|c| {
            c.as_object_mut().unwrap().remove("digest");
        }),
        VerifyError::BodyNotSigned,
    );
    check(claims_token(|c| c["v-c-jwt-version"] = "1".into()), VerifyError::UnsupportedJwtVersion);
    check(claims_token(|c| c["iss"] = "someoneelse".into()), VerifyError::MerchantMismatch);
    check(claims_token(|c| c["v-c-merchant-id"] = "someoneelse".into()), VerifyError::MerchantMismatch);
    check(claims_token(|c| c["exp"] = (NOW - 1).into()), VerifyError::TokenLifetimeInvalid);
    check(claims_token(|c| c["exp"] = (NOW + 3600).into()), VerifyError::TokenLifetimeInvalid);
    check(claims_token(|c| c["iat"] = "1563409083".into()), VerifyError::MalformedToken);
    check(claims_token(|c| c["iat"] = 1563409083.5.into()), VerifyError::MalformedToken);
    check(
        claims_token(|c| {
            c.as_object_mut().unwrap().remove("jti");
        }),
        VerifyError::MalformedToken,
    );
    // Both digest-algorithm spellings at once are a duplicate claim.
    check(claims_token(|c| c["digestAlgorithm"] = "SHA-256".into()), VerifyError::MalformedToken);
    // Raw duplicate member names.
    let payload = vector_claims().to_string().replacen("{", r#"{"iss":"testrest","#, 1);
    check(hs256_token(HS256_HEADER, &payload, SECRET), VerifyError::MalformedToken);
    // Unknown claims are ignored (e.g. a response-MLE kid).
    let ok = claims_token(|c| c["v-c-response-mle-kid"] = "x".into());
    assert!(verify_with(&as_refs(&bearer(&ok)), "POST", PATH, body, NOW).is_ok());
    // A header v-c-merchant-id must agree with the claim.
    let mut h = bearer(&ok);
    h.push(("v-c-merchant-id", "other".into()));
    assert_eq!(
        verify_with(&as_refs(&h), "POST", PATH, body, NOW).unwrap_err(),
        VerifyError::MerchantMismatch
    );
}

/// The JWT-auth verifier reads header and claims with the SDK's one strict JSON reader (flex-jose), as flex-jwt
/// does: duplicate member names are refused at any depth, also among members it ignores and after unescaping.
/// serde_json alone accepted every one of these.
#[test]
fn jwt_auth_refuses_duplicate_members_anywhere() {
    let body = BODY.as_bytes();
    let check = |token: String| {
        let h = bearer(&token);
        assert_eq!(
            verify_with(&as_refs(&h), "POST", PATH, body, NOW).unwrap_err(),
            VerifyError::MalformedToken
        );
    };
    let claims = vector_claims().to_string();
    for duplicated in [r#"{"x":1,"x":2,"#, r#"{"y":{"a":1,"a":2},"#, r#"{"\u0069ss":"testrest","#] {
        check(hs256_token(HS256_HEADER, &claims.replacen('{', duplicated, 1), SECRET));
    }
    for header in [
        r#"{"typ":"JWT","alg":"HS256","kid":"08c94330-f618-42a3-b09d-e1e43be5efda","x":1,"x":2}"#,
        r#"{"typ":"JWT","alg":"HS256","kid":"08c94330-f618-42a3-b09d-e1e43be5efda","x":{"a":1,"\u0061":2}}"#,
    ] {
        check(hs256_token(header, &claims, SECRET));
    }
    // The same token without the duplicate verifies: the refusal is the duplicate's.
    let once = claims.replacen('{', r#"{"x":1,"y":{"a":1},"#, 1);
    assert!(
        verify_with(&as_refs(&bearer(&hs256_token(HS256_HEADER, &once, SECRET))), "POST", PATH, body, NOW)
            .is_ok()
    );
}

#[test]
fn jwt_header_rejections() {
    let body = BODY.as_bytes();
    let payload = vector_claims().to_string();
    let check = |header: &str, want: VerifyError| {
        let h = bearer(&hs256_token(header, &payload, SECRET));
        assert_eq!(verify_with(&as_refs(&h), "POST", PATH, body, NOW).unwrap_err(), want, "{header}");
    };
    check(
        r#"{"alg":"none","kid":"08c94330-f618-42a3-b09d-e1e43be5efda"}"#,
        VerifyError::UnsupportedAlgorithm,
    );
    check(
        r#"{"alg":"HS512","kid":"08c94330-f618-42a3-b09d-e1e43be5efda"}"#,
        VerifyError::UnsupportedAlgorithm,
    );
    check(r#"{"alg":"HS256"}"#, VerifyError::MissingKeyId);
    check(r#"{"alg":"HS256","kid":"nope"}"#, VerifyError::UnknownKeyId);
    check(r#"{"alg":"RS256","kid":"08c94330-f618-42a3-b09d-e1e43be5efda"}"#, VerifyError::KeyTypeMismatch);
    check(
        r#"{"alg":"HS256","kid":"08c94330-f618-42a3-b09d-e1e43be5efda","crit":["exp"]}"#,
        VerifyError::MalformedToken,
    );
    check(
        r#"{"alg":"HS256","kid":"08c94330-f618-42a3-b09d-e1e43be5efda","b64":false}"#,
        VerifyError::MalformedToken,
    );
    check(
        r#"{"alg":"HS256","kid":"08c94330-f618-42a3-b09d-e1e43be5efda","typ":"at+jwt"}"#,
        VerifyError::MalformedToken,
    );
    check(
        r#"{"alg":"HS256","alg":"none","kid":"08c94330-f618-42a3-b09d-e1e43be5efda"}"#,
        VerifyError::MalformedToken,
    );
    // Structure and encoding.
    let good = hs256_token(HS256_HEADER, &payload, SECRET);
    let malformed = |token: &str| {
        let h = bearer(token);
        verify_with(&as_refs(&h), "POST", PATH, body, NOW).unwrap_err()
    };
    assert_eq!(malformed(&format!("{good}.")), VerifyError::MalformedToken);
    assert_eq!(malformed(&good.replacen('.', "..", 1)), VerifyError::MalformedToken);
    assert_eq!(malformed(&format!("{good}=")), VerifyError::MalformedToken);
    let (input, sig) = good.rsplit_once('.').unwrap();
    assert_eq!(malformed(&format!("{input}.")), VerifyError::MalformedToken);
    // 42 characters decode to a 31-byte (wrong length) tag: refused by the MAC check.
    assert_eq!(malformed(&format!("{input}.{}", &sig[..sig.len() - 1])), VerifyError::BadSignature);
    // 41 characters (length = 1 mod 4) are not base64url at all.
    assert_eq!(malformed(&format!("{input}.{}", &sig[..sig.len() - 2])), VerifyError::MalformedToken);
    assert_eq!(malformed(&format!("{input}.{}", "A".repeat(43))), VerifyError::BadSignature);
    let h = vec![("Authorization", format!("bearer {good}"))];
    assert_eq!(
        verify_with(&as_refs(&h), "POST", PATH, body, NOW).unwrap_err(),
        VerifyError::MissingAuthentication
    );
}

fn rsa_key(name: &str) -> Result<MerchantPrivateKey, CredentialError> {
    MerchantPrivateKey::from_pem(&std::fs::read_to_string(shared(&format!("keys/{name}.pk8.pem"))).unwrap())
}

#[test]
fn rs256_sign_and_verify() {
    let key = rsa_key("rsa2048").unwrap();
    assert_eq!(key.public_key().bits(), 2048);
    let der = std::fs::read(shared("keys/rsa2048.pkcs1.der")).unwrap();
    assert_eq!(key.public_key().to_pkcs1_der(), der);
    let public = RsaPublicKey::from_pkcs1_der(&der).unwrap();
    // The same key from the JWK's n and e.
    let jwk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(shared("keys/rsa2048.pub.jwk.json")).unwrap()).unwrap();
    let b64 = |s: &serde_json::Value| Base64UrlUnpadded::decode_vec(s.as_str().unwrap()).unwrap();
    assert_eq!(
        RsaPublicKey::from_components(&b64(&jwk["n"]), &b64(&jwk["e"]), ExponentPolicy::F4Only).unwrap(),
        public
    );

    let creds = Credentials::private_key(MID, "7012345678901234567890", key).unwrap();
    let h = signed_headers(
        "POST",
        PATH,
        BODY.as_bytes(),
        &SigningParams::jwt(t(NOW), JwtId::from_random_bytes([2; 16])),
        &creds,
    );
    let mut keys = KeyStore::new();
    keys.insert("7012345678901234567890", RegisteredKey::new(MID, VerifyingKey::Rsa(public)).unwrap())
        .unwrap();
    keys.insert(KEY_ID, RegisteredKey::new(MID, VerifyingKey::SharedSecret(secret())).unwrap()).unwrap();
    let v = Verifier::new(keys, VerifierConfig::default());
    let who = v.verify(&received("POST", PATH, &as_refs(&h), BODY.as_bytes()), t(NOW)).unwrap();
    assert_eq!(who.scheme, AuthScheme::JwtRs256);
    assert_eq!(
        v.verify(&received("POST", PATH, &as_refs(&h), b"{}"), t(NOW)).unwrap_err(),
        VerifyError::DigestMismatch
    );
    // An RS256 token presented under the HMAC key's kid: refused before any crypto.
    let token = h.iter().find(|(n, _)| *n == "Authorization").unwrap().1.clone();
    let (_, rest) = token.split_once('.').unwrap();
    let forged_header =
        Base64UrlUnpadded::encode_string(format!(r#"{{"alg":"RS256","kid":"{KEY_ID}"}}"#).as_bytes());
    let forged = vec![("Authorization", format!("Bearer {forged_header}.{rest}"))];
    assert_eq!(
        v.verify(&received("POST", PATH, &as_refs(&forged), BODY.as_bytes()), t(NOW)).unwrap_err(),
        VerifyError::KeyTypeMismatch
    );
    // A private key cannot do HTTP Signature.
    let req = SignableRequest::new("POST", HOST, PATH, b"").unwrap();
    assert_eq!(
        sign(&req, &creds, &SigningParams::http_signature(t(NOW))).unwrap_err(),
        SigningError::SchemeNeedsSharedSecret
    );
}

#[test]
fn rsa_key_policy() {
    for ok in ["rsa3072", "rsa4096"] {
        assert!(rsa_key(ok).is_ok(), "{ok}");
    }
    assert_eq!(rsa_key("rsa1024").unwrap_err(), CredentialError::UnsupportedKeySize);
    assert_eq!(rsa_key("rsa2041").unwrap_err(), CredentialError::UnsupportedKeySize);
    // Verifying keys are flex-jwt's: bit-exact size, and e = 65537 unless explicitly relaxed.
    for (name, bits) in [("rsa1024", 1024), ("rsa2041", 2041)] {
        let der = std::fs::read(shared(&format!("keys/{name}.pkcs1.der"))).unwrap();
        assert_eq!(
            RsaPublicKey::from_pkcs1_der(&der).unwrap_err(),
            KeyError::ModulusTooSmall { bits },
            "{name}"
        );
    }
    let e3 = std::fs::read(shared("keys/rsa2048-e3.pkcs1.der")).unwrap();
    assert_eq!(RsaPublicKey::from_pkcs1_der(&e3).unwrap_err(), KeyError::ExponentNotAllowed);
    assert!(RsaPublicKey::from_pkcs1_der_with(&e3, ExponentPolicy::AnyOdd).is_ok());
    assert_eq!(MerchantPrivateKey::from_pem("hello").unwrap_err(), CredentialError::MalformedPem);
    assert_eq!(
        MerchantPrivateKey::from_pem(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
        )
        .unwrap_err(),
        CredentialError::UnsupportedPemLabel
    );
    assert_eq!(
        MerchantPrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
            .unwrap_err(),
        CredentialError::InvalidPrivateKey
    );
    assert_eq!(
        MerchantPrivateKey::from_pkcs8_der(b"\x30\x00").unwrap_err(),
        CredentialError::InvalidPrivateKey
    );
}

#[test]
fn meta_key_signs_portfolio_sends_merchant() {
    let c = Credentials::shared_secret("merchant_a", KEY_ID, secret())
        .unwrap()
        .with_portfolio_id("portfolio1")
        .unwrap();
    let mut keys = KeyStore::new();
    keys.insert(
        KEY_ID,
        RegisteredKey::new("portfolio1", VerifyingKey::SharedSecret(secret()))
            .unwrap()
            .meta_key_for(["merchant_a", "merchant_b"])
            .unwrap(),
    )
    .unwrap();
    let v = Verifier::new(keys, VerifierConfig::default());
    for params in
        [SigningParams::http_signature(t(NOW)), SigningParams::jwt(t(NOW), JwtId::from_random_bytes([3; 16]))]
    {
        let h = signed_headers("POST", PATH, BODY.as_bytes(), &params, &c);
        assert_eq!(h[0], ("v-c-merchant-id", "merchant_a".to_owned()));
        let who = v.verify(&received("POST", PATH, &as_refs(&h), BODY.as_bytes()), t(NOW)).unwrap();
        assert_eq!(who.merchant_id, "merchant_a");
        assert_eq!(who.portfolio_id.as_deref(), Some("portfolio1"));
    }
    // HTTP Signature: the signing string carries the portfolio id.
    let h = signed_headers("POST", PATH, BODY.as_bytes(), &SigningParams::http_signature(t(NOW)), &c);
    // Not a merchant of the portfolio: signature still verifies (portfolio signed), binding fails.
    let h2 = replace(&h, "v-c-merchant-id", "merchant_z");
    assert_eq!(
        v.verify(&received("POST", PATH, &as_refs(&h2), BODY.as_bytes()), t(NOW)).unwrap_err(),
        VerifyError::MerchantMismatch
    );
    // The same headers against a non-meta registration of the key fail (the MID was not what was signed).
    assert_eq!(
        verifier().verify(&received("POST", PATH, &as_refs(&h), BODY.as_bytes()), t(NOW)).unwrap_err(),
        VerifyError::BadSignature
    );
}

#[test]
fn closure_lookup_and_disabled_schemes() {
    let registered = Arc::new(RegisteredKey::new(MID, VerifyingKey::SharedSecret(secret())).unwrap());
    let lookup = move |kid: &str| (kid == KEY_ID).then(|| Arc::clone(&registered));
    let v = Verifier::new(lookup, VerifierConfig { accept_jwt: false, ..Default::default() });
    let h = http_sig("POST", PATH, BODY.as_bytes());
    assert!(v.verify(&received("POST", PATH, &as_refs(&h), BODY.as_bytes()), t(NOW)).is_ok());
    let h = jwt("POST", PATH, BODY.as_bytes());
    assert_eq!(
        v.verify(&received("POST", PATH, &as_refs(&h), BODY.as_bytes()), t(NOW)).unwrap_err(),
        VerifyError::SchemeDisabled
    );
}

#[test]
fn errors_are_small_send_sync_static() {
    fn assert_traits<T: Send + Sync + 'static + std::error::Error>() {}
    assert_traits::<VerifyError>();
    assert_traits::<SigningError>();
    assert_traits::<CredentialError>();
    assert!(size_of::<VerifyError>() <= 24);
    assert_eq!(size_of::<SigningError>(), 1);
    assert_eq!(VerifyError::MissingHeader("date").to_string(), "missing header date");
}
