//! The real Flex capture context and transient token (signatures not verifiable offline), and the sample tokens
//! of `vectors/keys/` (verifiable, or refused by key policy).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use flex_jwt::dangerous::insecure_decode;
use flex_jwt::{Algorithm, Error, Jwt, KeyError, Kid, Verifier};
use flex_types::{CaptureContextClaims, TransientTokenClaims};
use support::NOW;

fn capture_context() -> String {
    support::read("capture-context/flex-docs-sn.jwt").trim().to_owned()
}

#[test]
fn capture_context_parses_with_its_exact_header() {
    let token = capture_context();
    let jwt = Jwt::parse(&token).unwrap();
    assert_eq!(jwt.kid().unwrap().as_str(), "sn");
    assert_eq!(jwt.algorithm(), Algorithm::Rs256);
    let h = jwt.header();
    assert_eq!((h.typ(), h.cty(), h.crit().count(), h.key_references().any()), (None, None, 0, false));
    let decoded = insecure_decode(&token).unwrap();
    assert_eq!(decoded.header_json(), r#"{"kid":"sn","alg":"RS256"}"#);
    assert_eq!(decoded.signature_len(), 256);
    assert_eq!(decoded.payload_json(), support::read("capture-context/flex-docs-sn.payload.json"));
}

#[test]
fn capture_context_fails_under_an_unrelated_key() {
    let token = capture_context();
    let impostor = support::public_key("rsa2048").unwrap().with_kid(Kid::new("sn").unwrap());
    let keys = support::key_set(impostor);
    let v = Verifier::new();
    let jwt = Jwt::parse(&token).unwrap();
    assert_eq!(v.verify_signature(&jwt, &keys).unwrap_err(), Error::InvalidSignature);
    // With the right kid but the wrong key, a one-shot verify also stops at the signature, whatever the clock.
    assert_eq!(v.verify_token(&token, &keys, 1_614_791_400).unwrap_err(), Error::InvalidSignature);
    assert_eq!(v.verify_token(&token, &support::trusted(), NOW).unwrap_err(), Error::UnknownKid);
}

#[test]
fn capture_context_claims_decode_unverified_into_flex_types() {
    let token = capture_context();
    let decoded = insecure_decode(&token).unwrap();
    let claims: CaptureContextClaims<'_> = decoded.claims().unwrap();
    assert_eq!(claims.iss, "Flex API");
    assert_eq!(claims.exp - claims.iat, 900);
    assert_eq!(claims.flx.jwk.kid.as_deref(), Some("00SvIaGIfyaw897rDeG9eFdODKaCKc1q"));
    // `\u003d` in flx.data is unescaped (so that field cannot borrow).
    assert!(claims.flx.data.ends_with('='));
}

#[test]
fn transient_token_parses() {
    let token = support::read("transient-token/microform-0.11.jwt").trim().to_owned();
    let jwt = Jwt::parse(&token).unwrap();
    assert_eq!(jwt.kid().unwrap().as_str().len(), 32);
    let decoded = insecure_decode(&token).unwrap();
    let claims: TransientTokenClaims<'_> = decoded.claims().unwrap();
    assert_eq!(claims.type_, "mf-0.11.0");
    assert_eq!(claims.exp - claims.iat, 900);
}

#[derive(Debug, serde::Deserialize)]
struct SampleClaims {
    iss: String,
    jti: String,
}

#[test]
fn sample_tokens_verify_or_are_refused_by_key_policy() {
    let v = Verifier::new().with_issuer("flex-test");
    for name in ["rsa2048", "rsa3072", "rsa4096"] {
        let token = support::read(&format!("keys/{name}.sample.jwt")).trim().to_owned();
        let keys = support::key_set(support::public_key(name).unwrap());
        let claims: SampleClaims = v.verify(&token, &keys, NOW).unwrap();
        assert_eq!((claims.iss.as_str(), claims.jti.as_str()), ("flex-test", "test-0001"), "{name}");
        let verified = v.verify_token(&token, &keys, NOW).unwrap();
        assert_eq!((verified.iat(), verified.exp()), (Some(1_700_000_000), 4_102_444_800));
        // Before iat (beyond the leeway) it is refused.
        assert!(v.verify_token(&token, &keys, 1_700_000_000 - 61).is_err());
    }
    for (name, why) in [
        ("rsa2041", KeyError::ModulusTooSmall { bits: 2041 }),
        ("rsa1024", KeyError::ModulusTooSmall { bits: 1024 }),
        ("rsa2048-e3", KeyError::ExponentNotAllowed),
    ] {
        assert_eq!(support::public_key(name).unwrap_err(), why, "{name}");
        // The token itself is well-formed.
        let token = support::read(&format!("keys/{name}.sample.jwt")).trim().to_owned();
        assert_eq!(Jwt::parse(&token).unwrap().kid().unwrap().as_str(), name);
    }
}
