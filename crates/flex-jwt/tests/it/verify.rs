//! The verification pipeline end to end: key lookup, typestates, borrowing claims, one-shot helpers, and a rough
//! timing against bare ring (`cargo test --release -p flex-jwt -- --ignored --nocapture`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use crate::support;

use std::borrow::Cow;

use flex_jwt::{Algorithm, AlgorithmSet, Error, HeaderError, Jwt, KeyLookup, Kid, Verifier};
use flex_types::CaptureContextClaims;
use support::{NOW, claims, rsa2048};

/// The real capture-context payload, re-signed with the test key (`kid` rsa2048).
fn resigned_capture_context() -> (String, i64) {
    let payload = support::read("capture-context/flex-docs-sn.payload.json");
    (rsa2048().token(&payload), 1_614_791_400)
}

#[test]
fn capture_context_claims_borrow_from_the_verified_payload() {
    let (token, now) = resigned_capture_context();
    let v = Verifier::new().with_issuer("Flex API");
    let verified = v.verify_token(&token, &support::trusted(), now).unwrap();
    let claims: CaptureContextClaims<'_> = verified.claims().unwrap();
    assert_eq!(claims.iss, "Flex API");
    assert!(matches!(claims.iss, Cow::Borrowed(_)), "borrowed from the payload buffer");
    assert!(matches!(claims.flx.data, Cow::Owned(_)), "has a \\u003d escape, so it is unescaped");
    assert_eq!(claims.flx.path, "/flex/v2/tokens");
    assert_eq!(verified.exp(), claims.exp);
    assert_eq!(verified.iat(), Some(claims.iat));
    assert_eq!(verified.kid().unwrap().as_str(), "rsa2048");
    assert_eq!(verified.payload_json(), support::read("capture-context/flex-docs-sn.payload.json"));
    // Owned forms.
    // (CaptureContextClaims borrows, so it is not DeserializeOwned: own it explicitly.)
    let owned: CaptureContextClaims<'static> = claims.clone().into_owned();
    assert_eq!(owned, claims);
    let one_shot: serde_json::Value = v.verify(&token, &support::trusted(), now).unwrap();
    assert_eq!(one_shot["iss"], "Flex API");
    let value: serde_json::Value = verified.into_claims().unwrap();
    assert_eq!(value["ctx"][0]["type"], "api-0.1.0");
}

#[test]
fn keys_are_chosen_by_kid() {
    let names = ["rsa2048", "rsa3072", "rsa4096"];
    let mut set = flex_jwt::KeySet::new();
    for name in names {
        set.insert(support::public_key(name).unwrap()).unwrap();
    }
    let v = Verifier::new();
    for name in names {
        let signer = support::Signer::load(name);
        let token = signer.token(&claims(""));
        let verified = v.verify_token(&token, &set, NOW).unwrap();
        assert_eq!(verified.kid().unwrap().as_str(), name);
        // Relabelled with another key's kid: the wrong key is used, and it fails.
        let other = names.iter().find(|n| **n != name).unwrap();
        let relabelled = signer.sign(&format!(r#"{{"alg":"RS256","kid":"{other}"}}"#), &claims(""));
        assert_eq!(v.verify_token(&relabelled, &set, NOW).unwrap_err(), Error::InvalidSignature);
    }
}

#[test]
fn a_single_key_matches_only_its_own_kid() {
    let key = rsa2048().public_key();
    let kid = Kid::new("rsa2048").unwrap();
    assert!(key.key_for(&kid).is_some());
    assert!(key.key_for(&Kid::new("other").unwrap()).is_none());
    let v = Verifier::new();
    let token = rsa2048().token(&claims(""));
    assert!(v.verify_token(&token, &key, NOW).is_ok());
    // A key without a kid cannot be found by kid; the single-key path does not need one.
    let n = key.modulus().to_vec();
    let bare = flex_jwt::RsaPublicKey::from_components(&n, key.exponent(), flex_jwt::ExponentPolicy::F4Only)
        .unwrap();
    assert_eq!(v.verify_token(&token, &bare, NOW).unwrap_err(), Error::UnknownKid);
    let jwt = Jwt::parse(&token).unwrap();
    assert!(v.verify_signature_with_key(&jwt, &bare).unwrap().validate(NOW).is_ok());
}

#[test]
fn the_single_key_path_still_enforces_policy() {
    let signer = rsa2048();
    let key = signer.public_key();
    let v = Verifier::new();
    let rs512 = signer.sign_bytes(Algorithm::Rs512, br#"{"alg":"RS512"}"#, claims("").as_bytes());
    let jwt = Jwt::parse_jws_with(&rs512, &flex_jwt::Limits::DEFAULT).unwrap();
    assert_eq!(
        v.verify_signature_with_key(&jwt, &key).unwrap_err(),
        Error::AlgorithmNotAllowed(Algorithm::Rs512)
    );
    let bound = key.clone().with_algorithm(Algorithm::Rs256);
    let v512 = Verifier::new().with_algorithms(AlgorithmSet::EMPTY.with(Algorithm::Rs512));
    assert_eq!(v512.verify_signature_with_key(&jwt, &bound).unwrap_err(), Error::KeyAlgorithmMismatch);
    assert!(v512.verify_signature_with_key(&jwt, &key).is_ok());
    let crit = signer.sign(r#"{"alg":"RS256","crit":["x"],"x":1}"#, &claims(""));
    let jwt = Jwt::parse_jws_with(&crit, &flex_jwt::Limits::DEFAULT).unwrap();
    assert_eq!(v.verify_signature_with_key(&jwt, &key).unwrap_err(), Error::CritNotAllowed);
    let typed = Verifier::new().with_type("JWT");
    let jwt = Jwt::parse_jws_with(&rs512, &flex_jwt::Limits::DEFAULT).unwrap();
    assert_eq!(
        typed
            .with_algorithms(AlgorithmSet::EMPTY.with(Algorithm::Rs512))
            .verify_signature_with_key(&jwt, &key)
            .unwrap_err(),
        Error::TypeMismatch
    );
    // The empty allow-list verifies nothing.
    let none = Verifier::new().with_algorithms(AlgorithmSet::EMPTY);
    let token = signer.token(&claims(""));
    assert_eq!(
        none.verify_token(&token, &support::trusted(), NOW).unwrap_err(),
        Error::AlgorithmNotAllowed(Algorithm::Rs256)
    );
}

#[test]
fn typestates_expose_the_right_things() {
    let token = rsa2048().token(&claims(r#","jti":"j-1""#));
    let v = Verifier::new();
    let jwt = v.parse(&token).unwrap();
    let authenticated = v.verify_signature(&jwt, &support::trusted()).unwrap();
    assert_eq!(authenticated.header().kid().unwrap().as_str(), "rsa2048");
    assert_eq!(authenticated.payload().unwrap(), claims(r#","jti":"j-1""#).as_bytes());
    assert_eq!(authenticated.jwt().signing_input(), jwt.signing_input());
    let verified = authenticated.validate(NOW).unwrap();
    #[derive(serde::Deserialize)]
    struct Jti<'a> {
        jti: &'a str,
    }
    assert_eq!(verified.claims::<Jti<'_>>().unwrap().jti, "j-1");
    assert_eq!(verified.header().algorithm(), Algorithm::Rs256);
    let dbg = format!("{verified:?} {:?}", v.verify_signature(&jwt, &support::trusted()).unwrap());
    assert!(!dbg.contains("j-1") && !dbg.contains(jwt.signature_b64()), "{dbg}");
}

#[test]
fn error_messages_say_what_failed() {
    let cases: [(Error, &str); 5] = [
        (Error::InvalidSignature, "signature does not verify"),
        (Error::UnknownKid, "no key matches the token's kid"),
        (HeaderError::UnsupportedAlgorithm.into(), "header alg is not an RSASSA-PKCS1-v1_5 algorithm"),
        (
            Error::Claim { claim: flex_jwt::Claim::Exp, problem: flex_jwt::ClaimProblem::Expired },
            "claim exp has expired",
        ),
        (
            Error::ClaimsShape { line: 1, column: 7 },
            "claims do not match the expected type (at line 1, column 7)",
        ),
    ];
    for (e, text) in cases {
        assert_eq!(e.to_string(), text);
    }
}

#[test]
fn fuzz_hooks_accept_the_sample_token() {
    let sample = support::read("keys/rsa2048.sample.jwt");
    assert!(flex_jwt::fuzzing::verify_fixed_key(sample.trim().as_bytes()));
    assert!(flex_jwt::fuzzing::parse(sample.trim().as_bytes()));
    let other = support::read("keys/rsa3072.sample.jwt");
    assert!(!flex_jwt::fuzzing::verify_fixed_key(other.trim().as_bytes()));
    assert_eq!(flex_jwt::fuzzing::claims_differential(br#"{"iss":"a","exp":1,"a":["b"]}"#), Ok(()));
    assert_eq!(flex_jwt::fuzzing::claims_differential(br#"{"a":{"b":[1,2.5e3,"\u00e9"]}}"#), Ok(()));
    assert_eq!(flex_jwt::fuzzing::jwt_parse(sample.trim().as_bytes()), Ok(()));
}

/// Rough timing, release build: `cargo test --release -p flex-jwt --test it -- --ignored --nocapture verify::`.
#[test]
#[ignore = "timing; run with --release"]
fn rough_verify_time_vs_bare_ring() {
    use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
    use std::time::Instant;
    const N: u32 = 2000;
    let (token, now) = resigned_capture_context();
    let keys = support::trusted();
    let key = rsa2048().public_key();
    let v = Verifier::new();
    let (input, sig_b64) = token.rsplit_once('.').unwrap();
    let sig = support::b64u_decode(sig_b64);
    let (n, e) = (key.modulus().to_vec(), key.exponent().to_vec());
    // Best of 7 interleaved rounds of N calls each: the machine is shared, so the minimum is the least noisy.
    let round = |f: &mut dyn FnMut() -> bool| {
        let start = Instant::now();
        for _ in 0..N {
            assert!(std::hint::black_box(f()));
        }
        start.elapsed().as_secs_f64() * 1e6 / f64::from(N)
    };
    let mut bare = || {
        RsaPublicKeyComponents { n: &n, e: &e }
            .verify(&RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &sig)
            .is_ok()
    };
    let mut to_signature = || {
        let jwt = Jwt::parse(std::hint::black_box(&token)).unwrap();
        v.verify_signature(&jwt, &keys).is_ok()
    };
    let mut everything = || {
        let verified = v.verify_token(std::hint::black_box(&token), &keys, now).unwrap();
        verified.claims::<CaptureContextClaims<'_>>().is_ok()
    };
    let mut parse_only = || Jwt::parse(std::hint::black_box(&token)).is_ok();
    let (mut ring, mut ours, mut full, mut parse) = (f64::MAX, f64::MAX, f64::MAX, f64::MAX);
    for _ in 0..7 {
        parse = parse.min(round(&mut parse_only));
        ring = ring.min(round(&mut bare));
        ours = ours.min(round(&mut to_signature));
        full = full.min(round(&mut everything));
    }
    println!("{:<48} {parse:>8.2} µs/op", "Jwt::parse alone");
    println!("{:<48} {ring:>8.2} µs/op", "bare ring RsaPublicKeyComponents::verify");
    println!("{:<48} {ours:>8.2} µs/op", "Jwt::parse + verify_signature (KeySet)");
    println!("{:<48} {full:>8.2} µs/op", "verify_token + claims::<CaptureContextClaims>");
    println!(
        "token {} bytes; overhead to signature {:+.2} µs, full {:+.2} µs",
        token.len(),
        ours - ring,
        full - ring
    );
}
