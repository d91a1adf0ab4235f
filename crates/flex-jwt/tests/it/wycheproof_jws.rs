//! Wycheproof `json_web_signature_test.json` (C2SP/wycheproof testvectors_v1) at the JWS layer.
//!
//! - RSASSA-PKCS1-v1_5 groups (RS256, plus RS384/RS512 with the opt-in allow-list, and the "wrong use / key_ops"
//!   groups): every case must match its label; the key comes from the group's public JWK.
//! - HS256 groups: this crate cannot represent HS256, so every case must be refused, by the structural check that
//!   comes first or else with `UnsupportedAlgorithm`. The `base64` group is additionally run through the crate's
//!   strict base64url decoder segment by segment, which is where its labels are decided.
//! - PS*/ES* groups: refused with `UnsupportedAlgorithm` (out of scope), recorded.
//!
//! Known data bugs (see `vectors/README.md`), each an explicit exception below: tcIds 367 and 370 are byte-identical
//! to the valid tcId 357 but labelled invalid; tcIds 372 and 373 are labelled valid but contain `?`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use flex_jwt::{
    Algorithm, AlgorithmSet, Error, ExponentPolicy, HeaderError, Jwt, KeyError, Limits, RsaPublicKey,
    Verifier,
};
use serde_json::Value;

/// tcIds whose label is wrong for a strict verifier (data bugs in the vector file).
const DATA_BUGS: [u64; 4] = [
    367, // byte-identical to valid tcId 357, labelled "invalid" (meant: padding in the MAC)
    370, // byte-identical to valid tcId 357, labelled "invalid" (meant: padding in the payload)
    372, // labelled "valid" but the header segment contains '?', which strict base64url refuses
    373, // labelled "valid" but the payload segment contains '?', which strict base64url refuses
];

fn load() -> Value {
    serde_json::from_str(&support::read("wycheproof/json_web_signature_test.json")).unwrap()
}

/// The group's verification key: `from_jwk` (which enforces `use`/`key_ops`), falling back to
/// `from_components` when only the JWK's `kid` is unacceptable to [`flex_jwt::Kid`] (RFC 7520's contains `@`).
fn group_key(public: &Value) -> Result<RsaPublicKey, KeyError> {
    match RsaPublicKey::from_jwk(&public.to_string()) {
        Err(KeyError::InvalidKid(_)) => support::key_from_jwk_value(public, ExponentPolicy::F4Only),
        other => other,
    }
}

fn rsa_outcome(verifier: &Verifier, key: &RsaPublicKey, jws: &str) -> Result<Vec<u8>, Error> {
    let jwt = Jwt::parse_jws_with(jws, &Limits::DEFAULT)?;
    verifier.verify_signature_with_key(&jwt, key)?.payload()
}

#[test]
fn rsa_pkcs1_groups_match_labels() {
    let doc = load();
    let verifier = Verifier::new()
        .with_algorithms(AlgorithmSet::RS256_ONLY.with(Algorithm::Rs384).with(Algorithm::Rs512));
    let (mut checked, mut valid_ok, mut invalid_rejected, mut import_rejected, mut acceptable) =
        (0, 0, 0, 0, 0);
    for group in doc["testGroups"].as_array().unwrap() {
        let private = &group["private"];
        let is_rsa_pkcs1 =
            private["kty"] == "RSA" && (private["alg"].as_str().is_none_or(|a| a.starts_with("RS")));
        if !is_rsa_pkcs1 {
            continue;
        }
        let key = group_key(&group["public"]);
        for case in group["tests"].as_array().unwrap() {
            let tc = case["tcId"].as_u64().unwrap();
            assert!(!DATA_BUGS.contains(&tc));
            let jws = case["jws"].as_str().expect("RSA groups use the compact form");
            let label = case["result"].as_str().unwrap();
            let outcome = match &key {
                Ok(key) => rsa_outcome(&verifier, key, jws).map(|_| ()),
                Err(e) => Err(Error::Key(*e)),
            };
            checked += 1;
            match label {
                "valid" => {
                    assert_eq!(outcome, Ok(()), "tcId {tc} ({}) must verify", case["comment"]);
                    valid_ok += 1;
                }
                "invalid" => {
                    assert!(outcome.is_err(), "tcId {tc} ({}) must be rejected", case["comment"]);
                    if matches!(outcome, Err(Error::Key(_))) {
                        import_rejected += 1;
                    }
                    invalid_rejected += 1;
                }
                "acceptable" => {
                    // None in this file today; record which way it went if one appears.
                    println!(
                        "tcId {tc} (acceptable): {}",
                        if outcome.is_ok() { "accepted" } else { "rejected" }
                    );
                    acceptable += 1;
                }
                other => panic!("tcId {tc}: unexpected label {other}"),
            }
        }
    }
    // rs256 (226) + rs256 (5) + rs384 (4) + rs512 (4) + rfc7520 (1) + rfc7520WithKeyOps (1) + rsa_encryption (2).
    assert_eq!(checked, 243);
    assert_eq!(valid_ok + invalid_rejected + acceptable, checked);
    // tcIds 353 (use: enc) and 355 (key_ops: encrypt) are refused at key import.
    assert_eq!(import_rejected, 2);
    assert_eq!(valid_ok, 1 + 5 + 4 + 4 + 1 + 1);
}

#[test]
fn rs384_and_rs512_need_the_opt_in() {
    let doc = load();
    let default = Verifier::new();
    for group in doc["testGroups"].as_array().unwrap() {
        let alg = group["private"]["alg"].as_str().unwrap_or("");
        if alg != "RS384" && alg != "RS512" {
            continue;
        }
        let key = group_key(&group["public"]).unwrap();
        for case in group["tests"].as_array().unwrap() {
            let err = rsa_outcome(&default, &key, case["jws"].as_str().unwrap()).unwrap_err();
            assert!(
                matches!(err, Error::AlgorithmNotAllowed(Algorithm::Rs384 | Algorithm::Rs512)),
                "{err:?}"
            );
        }
    }
}

/// The structural check that precedes the header policy, re-stated independently for the assertions below.
fn structural_error_first(jws: &str) -> bool {
    let parts: Vec<&str> = jws.split('.').collect();
    parts.len() != 3
        || parts[0].is_empty()
        || parts[2].is_empty()
        || !parts[0].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[test]
fn hs256_groups_are_always_refused() {
    let doc = load();
    let mut refused = 0;
    for group in doc["testGroups"].as_array().unwrap() {
        if group["private"]["kty"] != "oct" {
            continue;
        }
        for case in group["tests"].as_array().unwrap() {
            let tc = case["tcId"].as_u64().unwrap();
            let Some(jws) = case["jws"].as_str() else {
                // tcId 17: JSON serialization. Only the compact form exists here; as a string it has no dots.
                let text = case["jws"].to_string();
                assert_eq!(
                    Jwt::parse_jws_with(&text, &Limits::DEFAULT).unwrap_err(),
                    Error::SegmentCount,
                    "tcId {tc}"
                );
                refused += 1;
                continue;
            };
            let err = Jwt::parse_jws_with(jws, &Limits::DEFAULT).unwrap_err();
            if structural_error_first(jws) {
                assert!(
                    matches!(err, Error::SegmentCount | Error::EmptySegment(_) | Error::Base64(_)),
                    "tcId {tc}: {err:?}"
                );
            } else {
                // Header decodes to alg HS256 (or `none`, tcId 16): not representable.
                assert_eq!(err, Error::Header(HeaderError::UnsupportedAlgorithm), "tcId {tc}");
            }
            refused += 1;
        }
    }
    // hs256 (17) + rfc7520 HS256 (2) + base64 (21).
    assert_eq!(refused, 40);
}

#[test]
fn base64_group_labels_match_strict_base64url() {
    let doc = load();
    let group = doc["testGroups"].as_array().unwrap().iter().find(|g| g["comment"] == "base64").unwrap();
    let mut exceptions_seen = Vec::new();
    for case in group["tests"].as_array().unwrap() {
        let tc = case["tcId"].as_u64().unwrap();
        let jws = case["jws"].as_str().unwrap();
        let segments: Vec<&str> = jws.split('.').collect();
        let all_strict =
            segments.len() == 3 && segments.iter().all(|s| flex_jwt::fuzzing::base64url_decode(s).is_some());
        let label_valid = case["result"] == "valid";
        if DATA_BUGS.contains(&tc) {
            // Explicit exceptions: the strict outcome is the opposite of the label.
            match tc {
                367 | 370 => assert!(all_strict, "tcId {tc} is byte-identical to valid tcId 357"),
                372 | 373 => assert!(!all_strict, "tcId {tc} contains '?'"),
                _ => unreachable!(),
            }
            assert_ne!(all_strict, label_valid);
            exceptions_seen.push(tc);
            continue;
        }
        // tcId 375 ("MacOfIncorrectlyEncodedMessage"): payload `AB` has non-zero unused bits, so it is refused
        // here, before any MAC could be checked; the label is "invalid" either way.
        assert_eq!(all_strict, label_valid, "tcId {tc} ({})", case["comment"]);
    }
    assert_eq!(exceptions_seen, DATA_BUGS);
}

#[test]
fn other_algorithms_are_unsupported() {
    let doc = load();
    let (mut seen, mut wrong_primitive) = (0, 0);
    for group in doc["testGroups"].as_array().unwrap() {
        let alg = group["private"]["alg"].as_str().unwrap_or("");
        if !(alg.starts_with("PS") || alg.starts_with("ES")) {
            continue;
        }
        for case in group["tests"].as_array().unwrap() {
            let tc = case["tcId"].as_u64().unwrap();
            let Some(jws) = case["jws"].as_str() else { continue };
            seen += 1;
            match Jwt::parse_jws_with(jws, &Limits::DEFAULT) {
                Err(err) => assert!(
                    err == Error::Header(HeaderError::UnsupportedAlgorithm) || structural_error_first(jws),
                    "tcId {tc}: {err:?}"
                ),
                Ok(_) => {
                    // tcIds 332/334/336 (`WrongPrimitive`): an RS* header signed with a PS512 key. The defence is
                    // that the key fixes the algorithm: a JWK with `"alg":"PS512"` is refused at import.
                    assert_eq!(case["result"], "invalid", "tcId {tc}");
                    assert_eq!(
                        group_key(&group["public"]).unwrap_err(),
                        KeyError::WrongAlgorithm,
                        "tcId {tc}"
                    );
                    wrong_primitive += 1;
                }
            }
        }
    }
    assert!(seen > 100, "{seen}");
    assert_eq!(wrong_primitive, 3);
}
