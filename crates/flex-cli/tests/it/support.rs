//! What both test modules share: the test merchant, running the binary with a clean environment, and its output.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The public Cybersource test merchant (also the sandbox's default merchant).
pub(crate) const MERCHANT: &str = "testrest";
/// Its shared-secret key id.
pub(crate) const KEY_ID: &str = "08c94330-f618-42a3-b09d-e1e43be5efda";
/// Its shared secret (public test credentials from Cybersource's developer documentation).
pub(crate) const SECRET: &str = "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=";

/// Every variable the binary reads, cleared so that the caller's environment cannot change a test.
pub(crate) const CLEARED: [&str; 17] = [
    "FLEX_ENV",
    "FLEX_AUTH",
    "FLEX_TIMEOUT_SECS",
    "FLEX_MERCHANT_ID",
    "FLEX_KEY_ID",
    "FLEX_SHARED_SECRET",
    "FLEX_PRIVATE_KEY_FILE",
    "FLEX_CA_FILE",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
    "RUST_LOG",
];

/// Runs `cybs-flex args` with `stdin` (empty if `None`), the variables in `env`, and every variable in [`CLEARED`]
/// removed from the inherited environment.
pub(crate) fn run(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cybs-flex"));
    cmd.args(args);
    for name in CLEARED {
        cmd.env_remove(name);
    }
    cmd.envs(env.iter().copied()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

/// Standard output as text.
pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Standard error as text.
pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// A path in the temporary directory, unique to this test process.
pub(crate) fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("cybs-flex-test-{}-{name}", std::process::id()))
}

/// Writes `contents` to [`temp_path`]`(name)`.
pub(crate) fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let path = temp_path(name);
    std::fs::write(&path, contents).unwrap();
    path
}
