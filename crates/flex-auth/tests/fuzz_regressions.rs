//! Replays every saved fuzzer finding of `signature_header_parse` (the verifier's strict `Signature` header
//! parser and the IMF-fixdate parser) under a time budget. Passes trivially when there are no findings.
//! See docs/FUZZING.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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

fn signature_header_parse(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else { return };
    let _ = flex_auth::fuzzing::parse_signature_header(text);
    let _ = flex_auth::fuzzing::parse_http_date(text);
}

#[test]
fn signature_header_parse_findings_replay() {
    replay(&findings("signature_header_parse"), signature_header_parse);
}

#[test]
fn seeds_are_accepted() {
    let all = seeds("signature_header_parse");
    assert!(!all.is_empty());
    replay(&all, signature_header_parse);
    for path in all {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with("-date") {
            assert!(flex_auth::fuzzing::parse_http_date(&text).is_some(), "{name}");
        } else {
            assert!(flex_auth::fuzzing::parse_signature_header(&text), "{name}");
        }
    }
}
