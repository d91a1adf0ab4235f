//! `cargo xtask`: the project's automation, one entry point for CI and for people.
//!
//! - `cargo xtask deny`        `cargo deny check licenses bans sources` (installs cargo-deny if missing)
//! - `cargo xtask ci`          fmt check, clippy `-D warnings`, docs `-D warnings`, then every test (what CI runs)
//! - `cargo xtask bench [--quick]`   the criterion benchmarks (`--quick`: short warm-up and measurement)
//! - `cargo xtask fuzz-smoke [--secs N]`   every fuzz target briefly (default 10 s each), stable toolchain
//! - `cargo xtask fuzz [TARGET] [--secs N]` one target (or all) for longer (default 60 s each)
//!
//! Deliberately dependency-free: it only spawns `cargo`.

// A command-line tool: printing progress to stderr is its job.
#![allow(clippy::print_stderr)]

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("bench") => bench(args.iter().any(|a| a == "--quick")),
        Some("deny") => deny(),
        Some("fuzz-smoke") => {
            fuzz_args(&args[1..], false).and_then(|(_, secs)| fuzz(None, secs.unwrap_or(10)))
        }
        Some("fuzz") => {
            fuzz_args(&args[1..], true).and_then(|(target, secs)| fuzz(target.as_deref(), secs.unwrap_or(60)))
        }
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
         bench [--quick]  criterion benchmarks (see docs/PERFORMANCE.md)\n  \
         deny             cargo deny check licenses bans sources (deny.toml)\n  \
         fuzz-smoke [--secs N]       every fuzz target for N s (default 10; see docs/FUZZING.md)\n  \
         fuzz [TARGET] [--secs N]    one fuzz target (default: all) for N s each (default 60)"
    );
}

/// Runs `cargo <args>` with extra environment variables, failing on a non-zero exit.
fn cargo(args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    run_cargo(args, envs, false)
}

/// Like [`cargo`]; with `own_target_dir`, `CARGO_TARGET_DIR` is removed so that the fuzz workspace always builds
/// in `fuzz/target` (a shared target dir would rebuild everything with the fuzzing flags).
fn run_cargo(args: &[&str], envs: &[(&str, &str)], own_target_dir: bool) -> Result<(), String> {
    let started = Instant::now();
    eprintln!("xtask: cargo {}", args.join(" "));
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    if own_target_dir {
        command.env_remove("CARGO_TARGET_DIR");
    }
    let status = command
        .args(args)
        .envs(envs.iter().copied())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    eprintln!(
        "xtask: cargo {} finished in {:.1}s",
        args.first().unwrap_or(&""),
        started.elapsed().as_secs_f64()
    );
    if status.success() { Ok(()) } else { Err(format!("`cargo {}` failed ({status})", args.join(" "))) }
}

fn ci() -> Result<(), String> {
    cargo(&["fmt", "--all", "--", "--check"], &[])?;
    cargo(
        &["clippy", "--workspace", "--all-targets", "--all-features", "--locked", "--", "-D", "warnings"],
        &[],
    )?;
    cargo(&["doc", "--workspace", "--no-deps", "--locked"], &[("RUSTDOCFLAGS", "-D warnings")])?;
    // Benches are compiled (not run) so that they cannot rot.
    cargo(&["bench", "--workspace", "--no-run", "--locked"], &[])?;
    // The fuzz targets are built (not run) so that they cannot rot. A plain release build needs neither
    // cargo-fuzz nor nightly: libfuzzer-sys compiles libFuzzer with the system C++ compiler.
    fuzz_build()?;
    // Tests last, so that the run ends with the test summary.
    cargo(&["test", "--workspace", "--all-features", "--locked"], &[])
}

/// `cargo deny check licenses bans sources` against `deny.toml` (installs cargo-deny if missing). Advisories need
/// the RustSec database from the network, so they are left to machines that can reach it.
fn deny() -> Result<(), String> {
    let installed = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(["deny", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        cargo(&["install", "cargo-deny", "--locked"], &[])?;
    }
    cargo(&["deny", "check", "licenses", "bans", "sources"], &[])
}

fn bench(quick: bool) -> Result<(), String> {
    if quick {
        cargo(&["bench", "-p", "flex-benches", "--", "--warm-up-time", "1", "--measurement-time", "2"], &[])
    } else {
        // The settings of the published table (docs/PERFORMANCE.md).
        cargo(&["bench", "-p", "flex-benches", "--", "--warm-up-time", "2", "--measurement-time", "5"], &[])
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Fuzzing (see docs/FUZZING.md). Everything runs on the stable toolchain: `cargo fuzz ... -s none` builds without
// a sanitizer and without `-Z` flags. The fuzz crate is its own workspace with its own lock file and target dir.
// ---------------------------------------------------------------------------------------------------------------

/// The project root (the parent of `xtask/`).
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Parses `[TARGET] [--secs N]`.
fn fuzz_args(args: &[String], allow_target: bool) -> Result<(Option<String>, Option<u64>), String> {
    let mut target = None;
    let mut secs = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--secs" => {
                let value = iter.next().ok_or("`--secs` needs a number")?;
                secs = Some(
                    value.parse().map_err(|_| format!("`--secs {value}`: not a whole number of seconds"))?,
                );
            }
            other if allow_target && target.is_none() && !other.starts_with('-') => {
                target = Some(other.to_owned())
            }
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    Ok((target, secs))
}

/// The fuzz targets: one file per target in `fuzz/fuzz_targets/`, named after the function it calls.
fn fuzz_targets(root: &Path) -> Result<Vec<String>, String> {
    let dir = root.join("fuzz").join("fuzz_targets");
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut targets: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".rs")).map(str::to_owned))
        .collect();
    targets.sort();
    Ok(targets)
}

/// Installs cargo-fuzz if `cargo fuzz` is not available.
fn ensure_cargo_fuzz() -> Result<(), String> {
    let program = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let present =
        Command::new(&program).args(["fuzz", "--version"]).output().is_ok_and(|out| out.status.success());
    if present {
        return Ok(());
    }
    eprintln!("xtask: cargo-fuzz is missing; installing it");
    cargo(&["install", "cargo-fuzz", "--locked"], &[])
}

/// Runs each target (or only `only`) for `secs` seconds with the stable toolchain, from its committed seeds.
fn fuzz(only: Option<&str>, secs: u64) -> Result<(), String> {
    let root = project_root();
    let targets = fuzz_targets(&root)?;
    let selected: Vec<&String> = match only {
        Some(name) => {
            let found: Vec<&String> = targets.iter().filter(|t| t.as_str() == name).collect();
            if found.is_empty() {
                return Err(format!("no fuzz target `{name}` (targets: {})", targets.join(", ")));
            }
            found
        }
        None => targets.iter().collect(),
    };
    ensure_cargo_fuzz()?;
    env::set_current_dir(&root).map_err(|e| format!("cannot enter {}: {e}", root.display()))?;
    // A stale probe cached by an earlier failed nightly-flag build breaks later builds (build-notes §4).
    let _ = std::fs::remove_file(root.join("fuzz").join("target").join(".rustc_info.json"));
    let max_time = format!("-max_total_time={secs}");
    for target in selected {
        run_cargo(
            &[
                "fuzz",
                "run",
                "--fuzz-dir",
                "fuzz",
                "-s",
                "none",
                target,
                "--",
                &max_time,
                // An input slower than this is saved as a `timeout-*` artifact (the replay tests allow < 1 s).
                "-timeout=5",
                "-print_final_stats=1",
            ],
            &[],
            true,
        )?;
    }
    Ok(())
}

/// Builds every fuzz target with plain cargo (what CI does; no cargo-fuzz, no nightly).
fn fuzz_build() -> Result<(), String> {
    let manifest = project_root().join("fuzz").join("Cargo.toml");
    let manifest = manifest.to_str().ok_or("the project path is not UTF-8")?.to_owned();
    run_cargo(&["build", "--manifest-path", &manifest, "--release", "--locked"], &[], true)
}
