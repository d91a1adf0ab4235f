//! Replays every saved fuzzer finding of `jwe_decrypt` (compact JWE decryption with the fixed fuzzing key)
//! under a time budget. Passes trivially when there are no findings. See docs/FUZZING.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Far above a normal run (one RSA-2048 private-key operation); catches the hang and blow-up classes.
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

#[test]
fn jwe_decrypt_findings_replay() {
    replay(&findings("jwe_decrypt"), flex_jwe::fuzzing::decrypt_compact);
}

#[test]
fn seeds_run_clean() {
    let all = seeds("jwe_decrypt");
    assert!(all.len() >= 2);
    replay(&all, flex_jwe::fuzzing::decrypt_compact);
    // The two real seeds (RSA-OAEP and RSA-OAEP-256 + A256GCM) decrypt under the fuzzing key, so the fuzzer
    // starts from inputs that reach the AEAD and the plaintext checks.
    let pem =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/fuzzing/test-key.pk8.pem"))
            .unwrap();
    let key = flex_jwe::DecryptionKey::from_pkcs8_pem(&pem).unwrap();
    for name in ["seed-rsa-oaep", "seed-rsa-oaep-256"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/jwe_decrypt").join(name);
        let compact = std::fs::read_to_string(path).unwrap();
        let plaintext = key.decrypt(&compact).unwrap();
        assert!(plaintext.starts_with(b"{\"data\""), "{name}");
    }
}
