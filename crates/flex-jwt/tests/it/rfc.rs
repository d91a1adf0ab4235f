//! RFC vectors with an injected clock: RFC 7515 A.2 (an RS256 JWT with no `kid`) and RFC 7520 §4.1 (an RS256 JWS
//! with a text payload and a `kid` containing `@`). Both need the single-trusted-key path, because neither `kid`
//! can be used for a key-set lookup.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use flex_jwt::{
    Claim, ClaimProblem, Error, ExponentPolicy, HeaderError, InvalidKid, JsonError, Jwt, Kid, Limits,
    Segment, Verifier,
};
use serde_json::Value;

fn vector(name: &str) -> (String, flex_jwt::RsaPublicKey) {
    let v: Value = serde_json::from_str(&support::read(&format!("rfc/{name}"))).unwrap();
    let key = support::key_from_jwk_value(&v["jwk"], ExponentPolicy::F4Only).unwrap();
    (v["token"].as_str().unwrap().to_owned(), key)
}

#[derive(Debug, serde::Deserialize)]
struct A2Claims<'a> {
    iss: &'a str,
    exp: i64,
    #[serde(rename = "http://example.com/is_root")]
    is_root: bool,
}

#[test]
fn rfc7515_a2_verifies_before_exp_with_the_single_key_path() {
    let (token, key) = vector("rfc7515-a2-rs256.json");
    const EXP: i64 = 1_300_819_380;
    let v = Verifier::new();
    let jwt = Jwt::parse_jws_with(&token, &Limits::DEFAULT).unwrap();
    assert_eq!(jwt.kid(), None);
    let verified = v.verify_signature_with_key(&jwt, &key).unwrap().validate(EXP - 10).unwrap();
    let claims: A2Claims<'_> = verified.claims().unwrap();
    assert_eq!((claims.iss, claims.exp, claims.is_root), ("joe", EXP, true));
    assert_eq!(verified.exp(), EXP);
    assert!(verified.payload_json().contains("\r\n"), "payload kept byte-exact (CRLF)");
    // Within the leeway after exp, then expired.
    assert!(v.verify_signature_with_key(&jwt, &key).unwrap().validate(EXP + 59).is_ok());
    assert_eq!(
        v.verify_signature_with_key(&jwt, &key).unwrap().validate(EXP + 60).unwrap_err(),
        Error::Claim { claim: Claim::Exp, problem: ClaimProblem::Expired }
    );
    // As a JWT looked up by kid it is refused: there is no kid.
    assert_eq!(Jwt::parse(&token).unwrap_err(), Error::Header(HeaderError::MissingKid));
    assert_eq!(
        v.verify_signature(&jwt, &support::key_set(key.clone().with_kid(Kid::new("a2").unwrap())))
            .unwrap_err(),
        Error::Header(HeaderError::MissingKid)
    );
    // One flipped payload byte breaks it.
    let tampered = token.replacen("eyJpc3MiOiJqb2Ui", "eyJpc3MiOiJqb2Ki", 1);
    let jwt = Jwt::parse_jws_with(&tampered, &Limits::DEFAULT).unwrap();
    assert_eq!(v.verify_signature_with_key(&jwt, &key).unwrap_err(), Error::InvalidSignature);
}

#[test]
fn rfc7520_4_1_verifies_at_the_jws_layer() {
    let (token, key) = vector("rfc7520-4.1-rs256.json");
    let jwt = Jwt::parse_jws_with(&token, &Limits::DEFAULT).unwrap();
    let v = Verifier::new();
    let authenticated = v.verify_signature_with_key(&jwt, &key).unwrap();
    let text = String::from_utf8(authenticated.payload().unwrap()).unwrap();
    assert!(text.starts_with("It\u{2019}s a dangerous business, Frodo, going out your door."), "{text}");
    // It is not a JWT: the payload is not JSON.
    assert_eq!(
        authenticated.validate(0).unwrap_err(),
        Error::Json { segment: Segment::Payload, error: JsonError::Syntax }
    );
    // Its kid contains '@', which the strict JWT parse refuses.
    assert_eq!(Jwt::parse(&token).unwrap_err(), Error::Header(HeaderError::InvalidKid(InvalidKid::Charset)));
    // Under another key (RFC 7515 A.2's), the signature fails.
    let (_, other) = vector("rfc7515-a2-rs256.json");
    assert_eq!(v.verify_signature_with_key(&jwt, &other).unwrap_err(), Error::InvalidSignature);
}
