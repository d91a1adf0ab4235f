//! Replays every saved fuzzer finding of the flex-types targets (`capture_context_claims`, `error_body_parse`)
//! through the same calls as `fuzz/fuzz_targets/*.rs`, under a time budget. Passes trivially when there are no
//! findings. See docs/FUZZING.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use flex_types::{CaptureContextClaims, ErrorBody};

/// Far above a normal run (microseconds); catches the hang and quadratic-blow-up classes.
const BUDGET: Duration = Duration::from_secs(1);

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

fn capture_context_claims(data: &[u8]) {
    if let Ok(claims) = serde_json::from_slice::<CaptureContextClaims<'_>>(data) {
        let _ = claims.tokens_url();
        let _ = claims.required_fields().count();
        let _ = claims.optional_fields().count();
        let _ = claims.accepts_field("paymentInformation.card.number");
        let _ = claims.lifetime_secs();
        assert_eq!(claims.clone().into_owned(), claims);
    }
}

fn error_body_parse(data: &[u8]) {
    if let Ok(body) = serde_json::from_slice::<ErrorBody<'_>>(data) {
        let _ = body.shape();
        if let Some(status) = body.status() {
            let _ = status.code();
            let _ = status.as_text();
        }
        let _ = (body.reason(), body.message(), body.correlation_id(), body.details().count());
        let owned = body.clone().into_owned();
        assert_eq!(owned.shape(), body.shape());
        assert_eq!(owned.message(), body.message());
    }
}

#[test]
fn capture_context_claims_findings_replay() {
    replay(&findings("capture_context_claims"), capture_context_claims);
}

#[test]
fn error_body_parse_findings_replay() {
    replay(&findings("error_body_parse"), error_body_parse);
}

#[test]
fn seeds_run_clean_and_parse() {
    let claims = seeds("capture_context_claims");
    assert!(!claims.is_empty());
    replay(&claims, capture_context_claims);
    for path in &claims {
        let data = std::fs::read(path).unwrap();
        assert!(serde_json::from_slice::<CaptureContextClaims<'_>>(&data).is_ok(), "{}", path.display());
    }
    let bodies = seeds("error_body_parse");
    assert_eq!(bodies.len(), 5);
    replay(&bodies, error_body_parse);
    for path in &bodies {
        let data = std::fs::read(path).unwrap();
        assert!(serde_json::from_slice::<ErrorBody<'_>>(&data).is_ok(), "{}", path.display());
    }
}
