//! Replays every saved fuzzer finding of the flex-jwt targets (`jwt_parse`, `jwt_verify`, `jwk_parse`,
//! `capture_context_claims`) through the same calls and oracles as `fuzz/fuzz_targets/*.rs`, under a time budget.
//! Passes trivially when there are no findings. See docs/FUZZING.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flex_testkit::{fuzz_findings as findings, fuzz_seeds as seeds, replay};

/// The seeds that `jwt_verify`'s oracle treats as the only tokens that may verify.
const SIGNED_SEEDS: [&str; 3] =
    ["seed-rsa2048-sample", "seed-rsa2048-capture-context", "seed-rsa2048-nbf-typ"];

/// The targets' own hooks, so that a replay runs exactly what the fuzzer ran.
fn jwt_parse(data: &[u8]) {
    assert_eq!(flex_jwt::fuzzing::jwt_parse(data), Ok(()));
}

fn jwk_parse(data: &[u8]) {
    assert_eq!(flex_jwt::fuzzing::jwk_parse(data), Ok(()));
}

fn claims_scanner(data: &[u8]) {
    assert_eq!(flex_jwt::fuzzing::claims_differential(data), Ok(()));
}

#[test]
fn jwt_parse_findings_replay() {
    replay(&findings("jwt_parse"), jwt_parse);
}

#[test]
fn jwt_verify_findings_never_verify() {
    replay(&findings("jwt_verify"), |data| assert!(!flex_jwt::fuzzing::verify_fixed_key(data)));
}

#[test]
fn jwk_parse_findings_replay() {
    replay(&findings("jwk_parse"), jwk_parse);
}

#[test]
fn capture_context_claims_findings_replay_scanner() {
    replay(&findings("capture_context_claims"), claims_scanner);
}

#[test]
fn seeds_run_clean() {
    replay(&seeds("jwt_parse"), jwt_parse);
    replay(&seeds("jwk_parse"), jwk_parse);
    replay(&seeds("capture_context_claims"), claims_scanner);
    assert!(seeds("jwt_parse").len() >= 10, "jwt_parse seeds missing");
}

/// Keeps the `jwt_verify` oracle meaningful: exactly the listed seeds verify with the fixed key.
#[test]
fn jwt_verify_oracle_matches_seeds() {
    let all = seeds("jwt_verify");
    assert!(all.len() > SIGNED_SEEDS.len());
    for path in all {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&path).unwrap();
        assert_eq!(
            flex_jwt::fuzzing::verify_fixed_key(&data),
            SIGNED_SEEDS.contains(&name.as_str()),
            "{name}"
        );
    }
}
