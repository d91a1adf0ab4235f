//! `cargo xtask`: the project's automation, one entry point for CI and for people.
//!
//! - `cargo xtask ci`          fmt check, clippy `-D warnings`, docs `-D warnings`, then every test (what CI runs)
//! - `cargo xtask bench [--quick]`   the criterion benchmarks (`--quick`: short warm-up and measurement)
//!
//! Deliberately dependency-free: it only spawns `cargo`.

// A command-line tool: printing progress to stderr is its job.
#![allow(clippy::print_stderr)]

use std::env;
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("bench") => bench(args.iter().any(|a| a == "--quick")),
        Some("help" | "--help" | "-h") | None => {
            usage();
            Ok(())
        }
        Some(other) => Err(format!("unknown task `{other}` (try `cargo xtask help`)")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn usage() {
    eprintln!(
        "usage: cargo xtask <task>\n\n\
         tasks:\n  \
         ci               fmt check, clippy -D warnings, rustdoc -D warnings, all tests\n  \
         bench [--quick]  criterion benchmarks (see docs/PERFORMANCE.md)"
    );
}

/// Runs `cargo <args>` with extra environment variables, failing on a non-zero exit.
fn cargo(args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    let started = Instant::now();
    eprintln!("xtask: cargo {}", args.join(" "));
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args(args)
        .envs(envs.iter().copied())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    eprintln!("xtask: cargo {} finished in {:.1}s", args.first().unwrap_or(&""), started.elapsed().as_secs_f64());
    if status.success() { Ok(()) } else { Err(format!("`cargo {}` failed ({status})", args.join(" "))) }
}

fn ci() -> Result<(), String> {
    cargo(&["fmt", "--all", "--", "--check"], &[])?;
    cargo(&["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"], &[])?;
    cargo(&["doc", "--workspace", "--no-deps", "--locked"], &[("RUSTDOCFLAGS", "-D warnings")])?;
    // Benches are compiled (not run) so that they cannot rot.
    cargo(&["bench", "--workspace", "--no-run", "--locked"], &[])?;
    cargo(&["test", "--workspace", "--locked"], &[])
}

fn bench(quick: bool) -> Result<(), String> {
    if quick {
        cargo(&["bench", "-p", "flex-benches", "--", "--warm-up-time", "1", "--measurement-time", "2"], &[])
    } else {
        cargo(&["bench", "-p", "flex-benches"], &[])
    }
}
