//! Wycheproof `json_web_key_test.json` (26 cases), where it applies to an RSA signature-verification key set.
//!
//! Every group's `public` key set (or, when it has none, its `private` one) goes through `KeySet::from_jwks`,
//! and every `private` set must be refused. Where a set imports, the case's JWS is checked with raw RS256
//! verification of its signing input. Each outcome is pinned per tcId.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64ct::{Base64UrlUnpadded, Encoding};
use flex_jwt::{Algorithm, Error, ExponentPolicy, KeyError, KeyOptions, KeySet, RsaPublicKey};
use serde_json::{Value, json};

fn load() -> Value {
    serde_json::from_str(&flex_testkit::read_to_string("wycheproof/json_web_key_test.json")).unwrap()
}

/// What happens to one case.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// The set is refused with this error (the case is rejected at key import).
    SetRefused(KeyError),
    /// The set imports and the JWS signature verifies.
    Verifies,
}

/// Expected outcome for the public (or only) key set of each tcId.
fn expected(tc_id: u64) -> Outcome {
    use Outcome::*;
    match tc_id {
        // Mixed HS256 + ES256 set, HS256 sets, duplicate-kid HS256 set: symmetric keys are not RSA.
        1..=4 => SetRefused(KeyError::NotRsa),
        // RS256 key with "use":"sig": imports and the JWS verifies (result "valid").
        5 => Verifies,
        // The same key with "use":"enc" and alg RSA1_5 (result "invalid"): refused for its use, which is
        // checked before alg.
        6 => SetRefused(KeyError::WrongUse),
        // ROCA-vulnerable 2049-bit key (result "invalid"): refused by the fingerprint test at import.
        7 => SetRefused(KeyError::RocaFingerprint),
        8 => SetRefused(KeyError::ModulusTooSmall { bits: 1024 }),
        // e = 1 is refused by both exponent policies.
        9 => SetRefused(KeyError::ExponentNotAllowed),
        // HMAC keys of various lengths, empty ones, AES keys: all kty "oct".
        10..=18 | 25 | 26 => SetRefused(KeyError::NotRsa),
        // EC keys with a mismatched alg, an invalid alg, "use":"enc", an invalid point, a wrong curve.
        19..=23 => SetRefused(KeyError::NotRsa),
        // kty "RSA" with EC members and alg ES256: alg is checked before n/e, so it fails there.
        24 => SetRefused(KeyError::WrongAlgorithm),
        other => panic!("unexpected tcId {other}"),
    }
}

fn verify_jws(set: &KeySet, jws: &str) -> Result<(), Error> {
    let mut parts = jws.split('.');
    let (h, p, s) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    let header: Value = serde_json::from_slice(&Base64UrlUnpadded::decode_vec(h).unwrap()).unwrap();
    let alg = Algorithm::from_name(header["alg"].as_str().unwrap()).unwrap();
    let key = set.get(header["kid"].as_str().unwrap()).ok_or(Error::UnknownKid)?;
    let sig = Base64UrlUnpadded::decode_vec(s).unwrap();
    key.verify_pkcs1(alg, format!("{h}.{p}").as_bytes(), &sig)
}

#[test]
fn every_case_has_its_pinned_outcome() {
    let file = load();
    let mut cases = 0;
    for group in file["testGroups"].as_array().unwrap() {
        let public = group.get("public");
        let private = &group["private"];
        // A private key set is never a verification key set.
        if let Ok(set) = KeySet::from_jwks(&private.to_string()) {
            panic!("private set imported: {set:?}");
        }
        let set_json = public.unwrap_or(private).to_string();
        for case in group["tests"].as_array().unwrap() {
            let id = case["tcId"].as_u64().unwrap();
            let outcome = match KeySet::from_jwks(&set_json) {
                Err(e) => Outcome::SetRefused(e),
                Ok(set) => {
                    verify_jws(&set, case["jws"].as_str().unwrap()).unwrap();
                    Outcome::Verifies
                }
            };
            assert_eq!(outcome, expected(id), "tcId {id} ({})", case["comment"]);
            // Every "invalid" case is rejected, at import (the only RSA JWS that verifies is the valid tcId 5).
            if case["result"] == "invalid" {
                assert!(matches!(outcome, Outcome::SetRefused(_)), "tcId {id}");
            }
            cases += 1;
        }
    }
    assert_eq!(cases, 26);
}

#[test]
fn private_rsa_sets_are_refused_for_their_private_members() {
    let file = load();
    let mut rsa_private_sets = 0;
    for group in file["testGroups"].as_array().unwrap() {
        let private = &group["private"];
        if private["keys"][0]["kty"] == "RSA" && private["keys"][0].get("d").is_some() {
            let err = KeySet::from_jwks(&private.to_string()).unwrap_err();
            // Private members are checked right after kty, before use, size or exponent.
            assert_eq!(err, KeyError::PrivateMembers, "{}", group["comment"]);
            rsa_private_sets += 1;
        }
    }
    assert_eq!(rsa_private_sets, 6);
}

#[test]
fn roca_key_is_refused_in_every_form_and_its_signature_would_verify() {
    let file = load();
    let group =
        file["testGroups"].as_array().unwrap().iter().find(|g| g["comment"] == "jws_rsa_roca_key").unwrap();
    let jwk = &group["public"]["keys"][0];
    assert_eq!(RsaPublicKey::from_jwk(&jwk.to_string()), Err(KeyError::RocaFingerprint));
    let n = Base64UrlUnpadded::decode_vec(jwk["n"].as_str().unwrap()).unwrap();
    assert_eq!(
        RsaPublicKey::from_components(&n, &[1, 0, 1], ExponentPolicy::AnyOdd),
        Err(KeyError::RocaFingerprint)
    );
    // The refusal is what stops tcId 7: the key itself is well formed (2049 bits, e = 65537) and ring verifies the
    // JWS with it.
    let jws = group["tests"][0]["jws"].as_str().unwrap();
    let (input, sig) = jws.rsplit_once('.').unwrap();
    let sig = Base64UrlUnpadded::decode_vec(sig).unwrap();
    let ring_key = ring::signature::RsaPublicKeyComponents { n: &n[..], e: &[1u8, 0, 1][..] };
    assert!(ring_key.verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &sig).is_ok());
    // Flipping one low bit of n removes the fingerprint (and the key then imports; it is only a number).
    let mut near = n.clone();
    *near.last_mut().unwrap() ^= 2;
    assert_eq!(
        RsaPublicKey::from_components(&near, &[1, 0, 1], ExponentPolicy::F4Only).unwrap().bits(),
        2049
    );
}

#[test]
fn exponent_one_is_refused_even_with_any_odd() {
    let file = load();
    let group =
        file["testGroups"].as_array().unwrap().iter().find(|g| g["comment"] == "exponentOne").unwrap();
    let jwk = group["public"]["keys"][0].to_string();
    let any_odd = KeyOptions::new().with_exponent_policy(ExponentPolicy::AnyOdd);
    assert_eq!(RsaPublicKey::from_jwk_with(&jwk, &any_odd), Err(KeyError::ExponentNotAllowed));
}

#[test]
fn duplicate_kid_in_an_rsa_set_is_refused() {
    // Wycheproof's duplicate-kid case (tcId 4) uses HMAC keys, which are refused as NotRsa before the kid
    // check; this is the same shape with its RSA key.
    let file = load();
    let group = file["testGroups"].as_array().unwrap().iter().find(|g| g["comment"] == "rs256").unwrap();
    let key = &group["public"]["keys"][0];
    assert_eq!(key["use"], "sig");
    let set = json!({ "keys": [key, key] }).to_string();
    assert_eq!(KeySet::from_jwks(&set), Err(KeyError::DuplicateKid));
    let mut other = key.clone();
    other["kid"] = json!("kid-rsa-sign-2");
    let set = KeySet::from_jwks(&json!({ "keys": [key, other] }).to_string()).unwrap();
    assert_eq!(set.len(), 2);
}
