//! Test support shared by the `flex-*` test suites (a dev-dependency only; never published).
//!
//! - [`testdata`], [`read`], [`read_to_string`]: the reference vectors committed in the repository's root
//!   `testdata/` (provenance and licences in `testdata/README.md`), found from this crate's manifest directory, so
//!   a fresh clone tests with nothing beside it.
//! - [`fuzz_findings`], [`fuzz_seeds`], [`replay`]: every crate replays its fuzz targets' saved findings and
//!   committed regressions under a time budget, through the same hooks the targets call.
//! - [`LogBuffer`]: an in-memory log sink for tests that read what a `tracing` subscriber wrote.
//! - [`TEST_CARD`]: the test card's fields, as every suite sends them.
//!
//! ```
//! let seeds = flex_testkit::fuzz_seeds("jwt_parse");
//! flex_testkit::replay(&seeds, |bytes| assert!(bytes.len() < 1 << 20));
//! assert!(flex_testkit::testdata().join("README.md").is_file());
//! assert!(flex_testkit::read_to_string("keys/rsa2048.sample.jwt").starts_with("eyJ"));
//! ```
#![forbid(unsafe_code)]
// Test support: a failed read is a failed test, reported with the path.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The test card (a Visa test number, Luhn-valid), as `(field path, value)` pairs in the flat form of the
/// tokenization data. Fold it into a `PaymentData` with `.with(path, value)`.
pub const TEST_CARD: [(&str, &str); 4] = [
    ("paymentInformation.card.number", "4111111111111111"),
    ("paymentInformation.card.securityCode", "123"),
    ("paymentInformation.card.expirationMonth", "12"),
    ("paymentInformation.card.expirationYear", "2031"),
];

/// A cloneable, in-memory `Write` sink: give a clone to a `tracing_subscriber` (`.with_writer(move ||
/// buffer.clone())`), then read everything written with [`LogBuffer::text`].
#[derive(Clone, Debug, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Far above a normal run (microseconds to a few milliseconds); catches hangs and quadratic blow-ups.
pub const REPLAY_BUDGET: Duration = Duration::from_secs(1);

/// The workspace root (this crate lives in `crates/flex-testkit`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The repository's reference vectors: `<workspace root>/testdata/`.
pub fn testdata() -> PathBuf {
    workspace_root().join("testdata")
}

/// The path of a reference vector, e.g. `testdata_path("keys/rsa2048.pub.jwk.json")` (for tests that hand a file
/// name to a program, such as the CLI's `@file` arguments).
pub fn testdata_path(relative: &str) -> PathBuf {
    testdata().join(relative)
}

/// Reads a reference vector's bytes, e.g. `read("keys/rsa2048.pkcs1.der")`; panics with the path if it cannot.
pub fn read(relative: &str) -> Vec<u8> {
    let path = testdata_path(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read test vector {}: {e}", path.display()))
}

/// Reads a reference vector as UTF-8 text, e.g. `read_to_string("keys/rsa2048.sample.jwt")`; panics with the path
/// if it cannot.
pub fn read_to_string(relative: &str) -> String {
    let path = testdata_path(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read test vector {}: {e}", path.display()))
}

fn sorted_files(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    !name.starts_with('.') && name != "README.md" && keep(&name)
                })
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Saved findings of fuzz target `target`: `fuzz/artifacts/<target>/{crash,timeout,oom}-*` (kept out of git
/// by `.gitignore`, present after a local run) and every committed `fuzz/regressions/<target>/*`. Empty when
/// there are none, so a replay test passes trivially until the fuzzer finds something.
pub fn fuzz_findings(target: &str) -> Vec<PathBuf> {
    let fuzz = workspace_root().join("fuzz");
    let mut files = sorted_files(&fuzz.join("artifacts").join(target), |name| {
        ["crash-", "timeout-", "oom-"].iter().any(|p| name.starts_with(p))
    });
    files.extend(sorted_files(&fuzz.join("regressions").join(target), |_| true));
    files
}

/// The committed seed inputs of `target` (`fuzz/corpus/<target>/seed-*`).
pub fn fuzz_seeds(target: &str) -> Vec<PathBuf> {
    sorted_files(&workspace_root().join("fuzz/corpus").join(target), |name| name.starts_with("seed-"))
}

/// Runs `run` on the contents of every file; each must return (not panic) within [`REPLAY_BUDGET`].
pub fn replay(files: &[PathBuf], run: impl Fn(&[u8])) {
    for path in files {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let started = Instant::now();
        run(&data);
        let took = started.elapsed();
        assert!(took < REPLAY_BUDGET, "{} took {took:?} (budget {REPLAY_BUDGET:?})", path.display());
    }
}
