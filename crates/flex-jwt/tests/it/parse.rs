//! Parsing at the JWS/JWT layer: structure, limits, borrowing, and what `insecure_decode` shows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use flex_jwt::dangerous::insecure_decode;
use flex_jwt::{Algorithm, Error, HeaderError, Jwt, Limits, Segment};

#[test]
fn parse_borrows_and_exposes_segments() {
    let token = support::rsa2048().token(&support::claims(""));
    let jwt = Jwt::try_from(token.as_str()).unwrap();
    let mut parts = token.split('.');
    assert_eq!(jwt.header_b64(), parts.next().unwrap());
    assert_eq!(jwt.payload_b64(), parts.next().unwrap());
    assert_eq!(jwt.signature_b64(), parts.next().unwrap());
    assert_eq!(jwt.signing_input().len(), token.rfind('.').unwrap());
    assert!(std::ptr::eq(jwt.as_str(), token.as_str()), "borrowed, not copied");
    assert_eq!((jwt.algorithm(), jwt.kid().unwrap().as_str()), (Algorithm::Rs256, "rsa2048"));
    let copy = jwt; // `Jwt` is `Copy`: the header is inline.
    assert_eq!(copy.signing_input(), jwt.signing_input());
}

#[test]
fn limits_are_configurable() {
    let l = Limits::new();
    assert_eq!((l.max_token_len(), l.max_header_len()), (16 * 1024, 1024));
    assert_eq!(Limits::default(), Limits::DEFAULT);
    let token = support::rsa2048().token(&support::claims(""));
    let tight = Limits::new().with_max_token_len(100);
    assert_eq!(Jwt::parse_with(&token, &tight).unwrap_err(), Error::TokenTooLarge { limit: 100 });
    let tight = Limits::new().with_max_header_len(10);
    assert_eq!(Jwt::parse_with(&token, &tight).unwrap_err(), Error::HeaderTooLarge { limit: 10 });
}

#[test]
fn insecure_decode_shows_request_auth_tokens_too() {
    // flex-auth's HS256 request-authentication JWT: unverifiable here, but inspectable.
    let v: serde_json::Value =
        serde_json::from_str(&support::read("jwt-auth/hs256-post-flex-v2-sessions.json")).unwrap();
    let token = v["token"].as_str().unwrap();
    let decoded = insecure_decode(token).unwrap();
    let header: serde_json::Value = serde_json::from_str(decoded.header_json()).unwrap();
    assert_eq!(header["alg"], "HS256");
    let claims: serde_json::Value = decoded.claims().unwrap();
    assert_eq!(claims["request-host"], "apitest.cybersource.com");
    assert_eq!(decoded.signature_len(), 32);
    // ... and is refused by the verifying parser.
    assert_eq!(Jwt::parse(token).unwrap_err(), Error::Header(HeaderError::UnsupportedAlgorithm));
}

#[test]
fn insecure_decode_is_strict_about_encoding() {
    let token = support::rsa2048().token(&support::claims(""));
    let (head, sig) = token.rsplit_once('.').unwrap();
    assert_eq!(insecure_decode(&format!("{head}.{sig}=")).unwrap_err(), Error::Base64(Segment::Signature));
    assert_eq!(insecure_decode(head).unwrap_err(), Error::SegmentCount);
    assert!(insecure_decode(&token).is_ok());
}
