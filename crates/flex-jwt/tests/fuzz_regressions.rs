//! Replays every saved fuzzer finding of the flex-jwt targets (`jwt_parse`, `jwt_verify`, `jwk_parse`,
//! `capture_context_claims`) through the same calls and oracles as `fuzz/fuzz_targets/*.rs`, under a time budget.
//! Passes trivially when there are no findings. See docs/FUZZING.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use flex_jwt::{Jwt, KeySet, RsaPublicKey};

/// Far above a normal run (microseconds); catches the hang and quadratic-blow-up classes.
const BUDGET: Duration = Duration::from_secs(1);

/// The seeds that `jwt_verify`'s oracle treats as the only tokens that may verify.
const SIGNED_SEEDS: [&str; 3] =
    ["seed-rsa2048-sample", "seed-rsa2048-capture-context", "seed-rsa2048-nbf-typ"];

/// Saved fuzzer findings for `target`: `fuzz/artifacts/<target>/{crash,timeout,oom}-*` (kept by .gitignore) and
/// every committed `fuzz/regressions/<target>/*`. Empty (and the test passes) when there are none yet.
fn findings(target: &str) -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut files = Vec::new();
    for (dir, prefixes) in [
        (fuzz.join("artifacts").join(target), &["crash-", "timeout-", "oom-"][..]),
        (fuzz.join("regressions").join(target), &[""][..]),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') && name != "README.md" && prefixes.iter().any(|p| name.starts_with(p)) {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    files
}

/// The committed seed inputs of `target` (`fuzz/corpus/<target>/seed-*`).
fn seeds(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("seed-"))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Runs `run` on every file; each must return (no panic) well within the time budget.
fn replay(files: &[PathBuf], run: impl Fn(&[u8])) {
    for path in files {
        let data = std::fs::read(path).unwrap();
        let started = Instant::now();
        run(&data);
        let took = started.elapsed();
        assert!(took < BUDGET, "{} took {took:?} (budget {BUDGET:?})", path.display());
    }
}

fn jwt_parse(data: &[u8]) {
    let _ = flex_jwt::fuzzing::parse(data);
    if let Ok(text) = core::str::from_utf8(data)
        && let Ok(jwt) = Jwt::parse(text)
    {
        assert_eq!(jwt.signing_input().len() + 1 + jwt.signature_b64().len(), text.len());
    }
}

fn jwk_parse(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else { return };
    if let Ok(key) = RsaPublicKey::from_jwk(text) {
        let again = RsaPublicKey::from_jwk(&key.to_jwk_json()).unwrap();
        assert_eq!(again.modulus(), key.modulus());
        assert_eq!(again.exponent(), key.exponent());
        assert_eq!(again.kid(), key.kid());
    }
    if let Ok(set) = KeySet::from_jwks(text) {
        assert_eq!(set.iter().count(), set.len());
    }
    let _ = RsaPublicKey::from_flex_capture_context_jwk_json(text);
}

fn claims_scanner(data: &[u8]) {
    let _ = flex_jwt::fuzzing::claims_json(data);
    assert!(flex_jwt::fuzzing::json_differential(data), "strict scanner accepted what serde_json rejects");
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
