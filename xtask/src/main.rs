//! `cargo xtask`: the project's automation, one entry point for CI and for people.
//!
//! - `cargo xtask deny`        `cargo deny check licenses bans sources` (installs cargo-deny if missing)
//! - `cargo xtask ci`          fmt check, release hygiene (no fuzzing hooks or serde_json in default builds) and
//!   ARCHITECTURE.md's crate graph against cargo's (these three compile nothing), clippy `-D warnings`, docs
//!   `-D warnings`, every published crate packaged and built from its package alone, the binaries, benches and fuzz
//!   targets built (the fuzz crate linted too), the interop run, then every test (what CI runs)
//! - `cargo xtask bench [--quick] [--jsonwebtoken rust_crypto]`   the criterion benchmarks (`--quick`: short
//!   warm-up and measurement; jsonwebtoken on its aws-lc backend unless told)
//! - `cargo xtask bench --instructions`   instructions per operation under callgrind (load-independent ratios)
//! - `cargo xtask bench --best-of`   the same cases timed, fastest of 5 passes (wall-clock ratios on a noisy machine)
//! - each `bench` takes `--provider ring|aws-lc-rs|both` (default `ring`): our crypto provider, one build each;
//!   with `both`, `--instructions` and `--best-of` print the two side by side
//! - `cargo xtask fuzz-smoke [--secs N]`   every fuzz target briefly (default 10 s each), stable toolchain
//! - `cargo xtask fuzz [TARGET] [--secs N]` one target (or all) for longer (default 60 s each)
//! - both fuzz tasks take `--provider ring|aws-lc-rs` (default `ring`): the crypto provider under the targets
//! - `cargo xtask architecture`   ARCHITECTURE.md's crate graph against cargo's (part of `ci`)
//! - `cargo xtask interop`     the official Cybersource Python and Node SDKs, unchanged, against the sandbox over
//!   HTTPS (pinned versions from PyPI and npm; needs python3 and npm)
//!
//! Deliberately dependency-free: it only spawns `cargo` (and, for `interop`, python3, pip, npm and node).

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
        Some("bench") => bench_providers(&args).and_then(|providers| {
            if args.iter().any(|a| a == "--instructions") {
                bench_instructions(&providers)
            } else if args.iter().any(|a| a == "--best-of") {
                bench_best_of(&providers)
            } else {
                let backend = option_value(&args, "--jsonwebtoken")?.unwrap_or("aws_lc_rs");
                bench(args.iter().any(|a| a == "--quick"), &providers, backend)
            }
        }),
        Some("deny") => deny(),
        Some("architecture") => architecture(),
        Some("package") => package(),
        Some("providers") => providers(),
        Some("interop") => interop(),
        Some("fuzz-smoke") => {
            fuzz_args(&args[1..], false).and_then(|a| fuzz(None, a.secs.unwrap_or(10), a.aws_lc))
        }
        Some("fuzz") => fuzz_args(&args[1..], true)
            .and_then(|a| fuzz(a.target.as_deref(), a.secs.unwrap_or(60), a.aws_lc)),
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
         ci               fmt check, clippy, rustdoc, release hygiene, cargo package, all tests\n  \
         bench [--quick] [--jsonwebtoken aws_lc_rs|rust_crypto]  criterion benchmarks (see docs/PERFORMANCE.md)\n  \
         bench --instructions   instructions per operation under callgrind (needs valgrind)\n  \
         bench --best-of   the same cases timed: the fastest of 5 passes of 15 rounds of about 20 ms\n  \
           (every bench: --provider ring|aws-lc-rs|both, our crypto provider; default ring)\n  \
         deny             cargo deny check licenses bans sources (deny.toml)\n  \
         architecture     ARCHITECTURE.md's crate graph against cargo's normal dependencies\n  \
         package          every published crate packaged and built from its package alone (also in ci)\n  \
         providers        the JOSE crates on aws-lc-rs alone: dependency checks, clippy, tests (also in ci)\n  \
         interop          the official Python and Node SDKs against the sandbox (PyPI, npm)\n  \
         fuzz-smoke [--secs N] [--provider ring|aws-lc-rs]       every fuzz target for N s (default 10)\n  \
         fuzz [TARGET] [--secs N] [--provider ring|aws-lc-rs]    one target (default: all) for N s each (default 60)"
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
    // The checks that compile nothing first (seconds), so that they fail before minutes of building.
    cargo(&["fmt", "--all", "--", "--check"], &[])?;
    release_hygiene()?;
    architecture()?;
    cargo(
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--features",
            WORKSPACE_FEATURES,
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    cargo(&["doc", "--workspace", "--no-deps", "--locked"], &[("RUSTDOCFLAGS", "-D warnings")])?;
    package()?;
    // The binaries and the benches, built (not run) so that neither can rot, in the build the tests below reuse
    // (see `build_bins_and_benches`); the interop step's binary is one of them.
    build_bins_and_benches()?;
    // The fuzz targets (their own workspace) are linted, then built as `cargo xtask fuzz` builds them. Neither
    // needs cargo-fuzz nor nightly: libfuzzer-sys compiles libFuzzer with the system C++ compiler.
    fuzz_build()?;
    // The official SDKs against the sandbox: what "works with any existing client, unchanged" means.
    interop()?;
    // The JOSE crates again on the aws-lc-rs provider: the same tests, Wycheproof suites and oracles.
    providers()?;
    // Tests last, so that the run ends with the test summary.
    cargo(&["test", "--workspace", "--features", WORKSPACE_FEATURES, "--locked"], &[])
}

/// Builds every binary and bench of the workspace in the dev profile, with the features the tests use.
///
/// `--benches` makes cargo resolve features as `cargo test` does (with the dev-dependencies), so every
/// dependency built here is the one `cargo test --workspace --features WORKSPACE_FEATURES` links: a `--bins`
/// build alone would resolve without the dev-dependencies' features and compile ring, rustls, hyper and the
/// flex crates a second time. The benches are built unoptimized: an optimized build would repeat the whole graph,
/// jsonwebtoken and aws-lc included, for minutes on two cores (`cargo xtask bench` does that).
fn build_bins_and_benches() -> Result<(), String> {
    cargo(&["build", "--workspace", "--features", WORKSPACE_FEATURES, "--bins", "--benches", "--locked"], &[])
}

/// Every non-default feature of the workspace except the crypto providers, which `--all-features` would all turn
/// on at once (and `fips` needs CMake and Go): what the main build, clippy and the tests use (ring provider).
const WORKSPACE_FEATURES: &str = "flex-jose/fuzzing,flex-jwt/fuzzing,flex-jwe/fuzzing,flex-auth/fuzzing,flex-auth/http,\
                                  flex-types/fuzzing";

/// The crates that do crypto, each of which forwards `ring`, `aws-lc-rs` and `fips` down to flex-jose.
/// flex-client forwards them too (and chooses rustls's provider by them).
const PROVIDER_CRATES: [&str; 5] = ["flex-jose", "flex-jwt", "flex-jwe", "flex-auth", "flex-client"];

/// The crates that do crypto built, linted and tested on aws-lc-rs alone, after checking that no other provider
/// is in that build and that `fips` resolves to AWS-LC's FIPS module.
fn providers() -> Result<(), String> {
    let mut features: Vec<String> = PROVIDER_CRATES.iter().map(|c| format!("{c}/aws-lc-rs")).collect();
    features.extend(PROVIDER_CRATES.iter().filter(|c| **c != "flex-client").map(|c| format!("{c}/fuzzing")));
    features.push("flex-auth/http".to_owned());
    let features = features.join(",");
    let mut packages: Vec<&str> = Vec::new();
    for krate in PROVIDER_CRATES {
        packages.extend(["-p", krate]);
    }
    // The crates (first word of each line) of one crate's normal dependency tree with only `feature` on.
    let resolved = |krate: &str, feature: &str| -> Result<Vec<String>, String> {
        let tree = cargo_output(&[
            "tree",
            "-p",
            krate,
            "--no-default-features",
            "--features",
            feature,
            "-e",
            "normal",
            "--prefix",
            "none",
            "--locked",
        ])?;
        Ok(tree.lines().filter_map(|l| l.split(' ').next()).map(str::to_owned).collect())
    };
    for krate in PROVIDER_CRATES {
        let has = |crates: &[String], name: &str| crates.iter().any(|c| c == name);
        let aws = resolved(krate, "aws-lc-rs")?;
        if has(&aws, "ring") || has(&aws, "rsa") || !has(&aws, "aws-lc-rs") {
            return Err(format!(
                "{krate} with only `aws-lc-rs` must build aws-lc-rs and neither ring nor rsa"
            ));
        }
        let fips = resolved(krate, "fips")?;
        // rustls's own `fips` feature also turns on its `aws_lc_rs` one, so flex-client's FIPS build compiles the
        // non-FIPS aws-lc-sys too (unused at run time); the JOSE crates must not.
        let non_fips_allowed = krate == "flex-client";
        if !has(&fips, "aws-lc-fips-sys")
            || (has(&fips, "aws-lc-sys") && !non_fips_allowed)
            || has(&fips, "ring")
        {
            return Err(format!("{krate} with `fips` must resolve to aws-lc-fips-sys alone"));
        }
    }
    let with = |cmd: &'static str| {
        let mut args = vec![cmd];
        args.extend(packages.iter().copied());
        args.extend(["--no-default-features", "--features", &features, "--locked"]);
        args
    };
    let mut clippy = with("clippy");
    clippy.extend(["--all-targets", "--", "-D", "warnings"]);
    cargo(&clippy, &[])?;
    cargo(&with("test"), &[])
}

/// The workspace members that are never published (`publish = false`), left out of `cargo package`.
const UNPUBLISHED: [&str; 4] = ["flex-testkit", "flex-benches", "xtask", "flex-docs"];

/// Runs `cargo <args>` and returns its stdout, failing on a non-zero exit.
fn cargo_output(args: &[&str]) -> Result<String, String> {
    eprintln!("xtask: cargo {}", args.join(" "));
    let output = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(args)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo {}` failed ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// No test code in a user's build: (a) flex-jwt's default normal dependency graph has no serde_json (only its
/// `fuzzing` oracles use it); (b) no published crate's default build, whole normal graph included, turns a
/// `fuzzing` feature on (the crates' own tests get it through path-only self dev-dependencies, which this graph
/// leaves out); (c) each hook module (`fuzzing`, `hazmat`) in a `crates/*/src/lib.rs` is declared under
/// `#[cfg(feature = "fuzzing")]`. Resolution only (`cargo tree`) and a text scan: a few seconds.
fn release_hygiene() -> Result<(), String> {
    let tree = cargo_output(&["tree", "-e", "normal", "-p", "flex-jwt", "--prefix", "none", "--locked"])?;
    if tree.lines().any(|line| line.starts_with("serde_json ")) {
        return Err(
            "flex-jwt's default build depends on serde_json; it must stay behind `fuzzing`".to_owned()
        );
    }
    let mut args = vec!["tree", "-e", "normal,features", "--prefix", "none", "--locked", "--workspace"];
    for name in UNPUBLISHED {
        args.extend(["--exclude", name]);
    }
    let features = cargo_output(&args)?;
    if let Some(line) = features.lines().find(|line| line.contains("feature \"fuzzing\"")) {
        return Err(format!("a default build turns a fuzzing feature on: `{}`", line.trim()));
    }
    let crates = project_root().join("crates");
    let dirs = std::fs::read_dir(&crates).map_err(|e| format!("cannot list {}: {e}", crates.display()))?;
    for dir in dirs.flatten() {
        let lib = dir.path().join("src").join("lib.rs");
        let Ok(source) = std::fs::read_to_string(&lib) else { continue };
        ungated_hook_modules(&source).map_err(|module| {
            format!("{}: `pub mod {module}` is not under #[cfg(feature = \"fuzzing\")]", lib.display())
        })?;
    }
    eprintln!(
        "xtask: release hygiene: no serde_json in flex-jwt, no fuzzing feature or hook module by default"
    );
    Ok(())
}

/// `Err(module)` for the first `pub mod fuzzing` / `pub mod hazmat` of `source` whose attributes (the `#[...]`
/// and `///` lines right above it) do not include `#[cfg(feature = "fuzzing")]`.
fn ungated_hook_modules(source: &str) -> Result<(), &'static str> {
    let lines: Vec<&str> = source.lines().map(str::trim).collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(module) = ["fuzzing", "hazmat"].into_iter().find(|m| {
            line.strip_prefix("pub mod ")
                .and_then(|rest| rest.split(|c: char| !c.is_alphanumeric() && c != '_').next())
                == Some(*m)
        }) else {
            continue;
        };
        let gated = lines[..i]
            .iter()
            .rev()
            .take_while(|l| l.starts_with("#[") || l.starts_with("///"))
            .any(|l| *l == "#[cfg(feature = \"fuzzing\")]");
        if !gated {
            return Err(module);
        }
    }
    Ok(())
}

/// ARCHITECTURE.md tells the truth about the crates: its `crate-graph` block lists, for every workspace crate
/// named `flex-*`, its normal `flex-*` dependencies (all features), and they must be exactly what cargo resolves.
/// Fails with the differences, one line per crate. Resolution only (`cargo tree`): a few seconds.
fn architecture() -> Result<(), String> {
    let tree = cargo_output(&[
        "tree",
        "--workspace",
        "-e",
        "normal",
        "--depth",
        "1",
        "--prefix",
        "depth",
        "--all-features",
        "--no-dedupe",
        "--locked",
    ])?;
    let path = project_root().join("ARCHITECTURE.md");
    let doc = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let documented = documented_graph(&doc)?;
    let differences = graph_differences(&documented, &resolved_graph(&tree));
    if !differences.is_empty() {
        return Err(format!(
            "ARCHITECTURE.md's crate-graph block disagrees with cargo (documented / resolved):\n{}",
            differences.join("\n")
        ));
    }
    eprintln!("xtask: architecture: ARCHITECTURE.md's crate graph is cargo's ({} crates)", documented.len());
    Ok(())
}

/// A crate and the workspace crates it depends on.
type Graph = std::collections::BTreeMap<String, std::collections::BTreeSet<String>>;

/// The `flex-*` edges of `cargo tree --depth 1 --prefix depth --no-dedupe` output: a `0name vX (path)` line opens
/// a crate, each `1name vX ...` line under it is a dependency.
fn resolved_graph(tree: &str) -> Graph {
    let mut graph = Graph::new();
    let mut current: Option<String> = None;
    for line in tree.lines() {
        let (depth, rest) = line.split_at(line.find(|c: char| !c.is_ascii_digit()).unwrap_or(0));
        let Some(name) = rest.split_whitespace().next().filter(|n| n.starts_with("flex-")) else {
            if depth == "0" {
                current = None;
            }
            continue;
        };
        match depth {
            "0" => {
                graph.entry(name.to_owned()).or_default();
                current = Some(name.to_owned());
            }
            "1" => {
                if let Some(crate_name) = &current {
                    graph.entry(crate_name.clone()).or_default().insert(name.to_owned());
                }
            }
            _ => {}
        }
    }
    graph
}

/// The lines `crate -> dep dep ...` of the fenced block that follows the `<!-- crate-graph -->` marker.
fn documented_graph(doc: &str) -> Result<Graph, String> {
    let after = doc
        .split_once("<!-- crate-graph -->")
        .map(|(_, after)| after)
        .ok_or("no <!-- crate-graph --> marker")?;
    let mut lines = after.lines().skip_while(|l| l.trim().is_empty());
    if !lines.next().is_some_and(|l| l.trim_start().starts_with("```")) {
        return Err("the <!-- crate-graph --> marker is not followed by a fenced block".to_owned());
    }
    let mut graph = Graph::new();
    for line in lines.take_while(|l| !l.trim_start().starts_with("```")) {
        let Some((name, deps)) = line.split_once("->") else {
            return Err(format!("crate-graph line without `->`: {line:?}"));
        };
        graph.insert(name.trim().to_owned(), deps.split_whitespace().map(str::to_owned).collect());
    }
    Ok(graph)
}

/// One line per crate whose documented and resolved dependencies differ, or that only one side lists.
fn graph_differences(documented: &Graph, resolved: &Graph) -> Vec<String> {
    let show = |deps: Option<&std::collections::BTreeSet<String>>| match deps {
        None => "(not listed)".to_owned(),
        Some(deps) if deps.is_empty() => "(none)".to_owned(),
        Some(deps) => deps.iter().map(String::as_str).collect::<Vec<_>>().join(" "),
    };
    let names: std::collections::BTreeSet<&String> = documented.keys().chain(resolved.keys()).collect();
    names
        .into_iter()
        .filter(|name| documented.get(*name) != resolved.get(*name))
        .map(|name| format!("  {name}: {} / {}", show(documented.get(name)), show(resolved.get(name))))
        .collect()
}

/// Packages every published crate and builds each from its package alone (cargo's verification; workspace crates
/// not yet on crates.io are served from a local registry of the packages just made, in dependency order). Proves
/// that no crate reads anything outside its directory (`include_str!`, `#[path]`, a README) and that the metadata
/// is complete.
///
/// Cargo unpacks each package it verifies under `$CARGO_HOME/registry/src/<registry>/<name>-<version>` and reuses
/// an unpacked directory that is already there. The local registry's directory is the same from run to run, and our
/// versions stay the same between releases, so a `$CARGO_HOME` kept across runs would verify a dependent crate
/// against an earlier run's sources of its workspace dependency. Those directories are removed first.
///
/// The verification builds are made without debug info (`CARGO_PROFILE_DEV_DEBUG=false`): they only prove that
/// each package compiles, and nothing runs them. They share no artifacts with the workspace's builds anyway (a
/// package's manifest has no `[profile]` of ours, and its features are its own).
fn package() -> Result<(), String> {
    forget_unpacked_packages()?;
    let mut args = vec!["package", "--workspace", "--locked"];
    for name in UNPUBLISHED {
        args.extend(["--exclude", name]);
    }
    cargo(&args, &[("CARGO_PROFILE_DEV_DEBUG", "false")])
}

/// Removes every unpacked copy of a published workspace crate, at its current version, from cargo's registry
/// caches (`registry/src/*/<name>-<version>` and `registry/cache/*/<name>-<version>.crate`). The workspace never
/// takes these crates from a registry, so nothing else is lost; cargo unpacks them again from the new packages.
fn forget_unpacked_packages() -> Result<(), String> {
    // Cargo ignores an empty CARGO_HOME, and so does this.
    let cargo_home = match env::var_os("CARGO_HOME").filter(|home| !home.is_empty()) {
        Some(home) => PathBuf::from(home),
        None => {
            PathBuf::from(env::var_os("HOME").ok_or("neither CARGO_HOME nor HOME is set")?).join(".cargo")
        }
    };
    let members = cargo_output(&["tree", "--workspace", "--depth", "0", "--prefix", "none", "--locked"])?;
    let published: Vec<String> = members
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let (name, version) = (words.next()?, words.next()?.strip_prefix('v')?);
            (!UNPUBLISHED.contains(&name)).then(|| format!("{name}-{version}"))
        })
        .collect();
    let mut removed_count = 0;
    for (kind, suffix) in [("src", ""), ("cache", ".crate")] {
        let Ok(registries) = std::fs::read_dir(cargo_home.join("registry").join(kind)) else { continue };
        for registry in registries.flatten() {
            for package in &published {
                let path = registry.path().join(format!("{package}{suffix}"));
                let removed = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else if path.is_file() {
                    std::fs::remove_file(&path)
                } else {
                    continue;
                };
                removed.map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
                removed_count += 1;
            }
        }
    }
    eprintln!(
        "xtask: removed {removed_count} copies of our packages that earlier runs left in cargo's registry cache"
    );
    Ok(())
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

/// Our crypto providers the benches build with (`--provider`), and the benches' features for each. jsonwebtoken's
/// RustCrypto backend is in both builds (`jsonwebtoken-rust-crypto`), so that every table has both of its backends.
const BENCH_PROVIDERS: [(&str, &str); 2] = [
    ("ring", "flex-benches/jsonwebtoken-rust-crypto"),
    ("aws-lc-rs", "flex-benches/jsonwebtoken-rust-crypto,flex-benches/aws-lc-rs"),
];

/// The value after `name` in `args`, if `name` is there.
fn option_value<'a>(args: &'a [String], name: &str) -> Result<Option<&'a str>, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(None),
        Some(i) => args.get(i + 1).map(|v| Some(v.as_str())).ok_or_else(|| format!("{name} needs a value")),
    }
}

/// The providers `--provider` names: `ring` (the default), `aws-lc-rs` or `both`.
fn bench_providers(args: &[String]) -> Result<Vec<(&'static str, &'static str)>, String> {
    match option_value(args, "--provider")?.unwrap_or("ring") {
        "both" => Ok(BENCH_PROVIDERS.to_vec()),
        name => BENCH_PROVIDERS
            .iter()
            .find(|(provider, _)| *provider == name)
            .map(|found| vec![*found])
            .ok_or_else(|| format!("unknown provider `{name}` (ring, aws-lc-rs or both)")),
    }
}

/// The criterion benchmarks, once per provider; `backend` is jsonwebtoken's (`JSONWEBTOKEN_BACKEND`).
fn bench(quick: bool, providers: &[(&str, &str)], backend: &str) -> Result<(), String> {
    // `--quick`, or the settings of the published table (docs/PERFORMANCE.md).
    let (warm_up, measurement) = if quick { ("1", "2") } else { ("2", "5") };
    for (provider, features) in providers {
        eprintln!("xtask: criterion benchmarks, flex on {provider}, jsonwebtoken on {backend}");
        cargo(
            &[
                "bench",
                "-p",
                "flex-benches",
                "--features",
                features,
                "--",
                "--warm-up-time",
                warm_up,
                "--measurement-time",
                measurement,
            ],
            &[("JSONWEBTOKEN_BACKEND", backend)],
        )?;
    }
    Ok(())
}

/// Builds `benches/examples/instructions.rs` once per provider, each kept under its own name
/// (`instructions-<provider>`: the builds share one target directory), and lists the cases. Returns each
/// provider's binary and the cases (the same in every build).
fn instructions_binaries(providers: &[(&str, &str)]) -> Result<(Vec<PathBuf>, Vec<String>), String> {
    let target_dir =
        env::var_os("CARGO_TARGET_DIR").map_or_else(|| project_root().join("target"), PathBuf::from);
    let examples = target_dir.join("release").join("examples");
    let mut binaries = Vec::new();
    let mut cases: Option<Vec<String>> = None;
    for (provider, features) in providers {
        cargo(
            &[
                "build",
                "--profile",
                "bench",
                "-p",
                "flex-benches",
                "--example",
                "instructions",
                "--features",
                features,
                "--locked",
            ],
            &[],
        )?;
        let binary = examples.join(format!("instructions-{provider}"));
        std::fs::copy(examples.join("instructions"), &binary)
            .map_err(|e| format!("cannot copy the instructions binary to {}: {e}", binary.display()))?;
        let output = |arg: &str| -> Result<String, String> {
            let out = Command::new(&binary)
                .arg(arg)
                .output()
                .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        };
        let built = output("--provider")?;
        if built.trim() != *provider {
            return Err(format!("the {provider} build uses the {} provider", built.trim()));
        }
        let listed: Vec<String> =
            output("--list")?.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect();
        match &cases {
            Some(cases) if *cases != listed => return Err("the builds list different cases".to_owned()),
            Some(_) => {}
            None => cases = Some(listed),
        }
        binaries.push(binary);
    }
    Ok((binaries, cases.unwrap_or_default()))
}

/// Prints one line per case: for each provider its value (`show` formats it) and the ratio to the first case of the
/// case's group in the same build (the floor or the peer).
fn print_table(
    providers: &[(&str, &str)],
    cases: &[String],
    values: &[Vec<f64>],
    show: &dyn Fn(f64) -> String,
) {
    let mut header = format!("{:<50}", "case");
    for (provider, _) in providers {
        header.push_str(&format!(" {provider:>14} {:>7}", "ratio"));
    }
    eprintln!("{header}");
    let mut group = "";
    let mut base: &[f64] = &[];
    for (case, row) in cases.iter().zip(values) {
        let this_group = case.split('/').next().unwrap_or_default();
        if this_group != group {
            group = this_group;
            base = row;
        }
        let mut line = format!("{case:<50}");
        for (value, base) in row.iter().zip(base) {
            line.push_str(&format!(" {:>14} {:>6.3}x", show(*value), value / base.max(f64::MIN_POSITIVE)));
        }
        eprintln!("{line}");
    }
}

/// Times each case of `benches/examples/instructions.rs` (its `--best-of` mode: the fastest of 15 rounds of
/// about 20 ms) in five separate processes per build, the cases and builds interleaved so that each sees the same
/// spells of noise, and prints the fastest time per operation and its ratio to the group's first case. On a shared
/// VM, noise comes in spells of seconds that only ever add time; the fastest pass is the code's own cost.
fn bench_best_of(providers: &[(&str, &str)]) -> Result<(), String> {
    const PASSES: usize = 5;
    let (binaries, cases) = instructions_binaries(providers)?;
    let mut best = vec![vec![f64::MAX; binaries.len()]; cases.len()];
    for pass in 1..=PASSES {
        eprintln!("xtask: timing pass {pass} of {PASSES}");
        for (case, best) in cases.iter().zip(&mut best) {
            for (binary, best) in binaries.iter().zip(best.iter_mut()) {
                let out = Command::new(binary)
                    .args([case.as_str(), "--best-of"])
                    .current_dir(project_root())
                    .output()
                    .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
                let nanos: f64 = String::from_utf8_lossy(&out.stdout)
                    .trim()
                    .parse()
                    .map_err(|_| format!("{case}: no time in the output of {}", binary.display()))?;
                *best = best.min(nanos);
            }
        }
    }
    eprintln!("xtask: nanoseconds per operation (fastest of {PASSES} passes x 15 rounds of about 20 ms)");
    print_table(providers, &cases, &best, &|nanos| format!("{nanos:.1} ns"));
    Ok(())
}

/// Counts the instructions of each case of `benches/examples/instructions.rs` under callgrind, in each build: each
/// case runs twice, with 20 and 220 iterations, and the difference over 200 is the per-operation count (set-up
/// cancels out). Prints one line per case and its ratio to the group's first case (the floor or the peer).
fn bench_instructions(providers: &[(&str, &str)]) -> Result<(), String> {
    const FEW: u64 = 20;
    const MANY: u64 = 220;
    let (binaries, cases) = instructions_binaries(providers)?;
    let count = |binary: &Path, case: &str, iterations: u64| -> Result<u64, String> {
        let out = Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(binary)
            .args([case, &iterations.to_string()])
            .current_dir(project_root())
            .output()
            .map_err(|e| format!("cannot run valgrind: {e} (is it installed?)"))?;
        if !out.status.success() {
            return Err(format!(
                "{case}: {}",
                String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("failed")
            ));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        stderr
            .lines()
            .find_map(|line| line.split("Collected :").nth(1))
            .and_then(|n| n.trim().parse().ok())
            .ok_or_else(|| format!("{case}: no instruction count in valgrind's output"))
    };
    eprintln!("xtask: instructions per operation (callgrind; ({MANY} - {FEW} iterations) / {})", MANY - FEW);
    let mut counts = Vec::new();
    for case in &cases {
        let mut row = Vec::new();
        for binary in &binaries {
            let per_op = count(binary, case, MANY)?.saturating_sub(count(binary, case, FEW)?) / (MANY - FEW);
            #[allow(clippy::cast_precision_loss)]
            row.push(per_op as f64);
        }
        eprintln!("xtask: {case} done");
        counts.push(row);
    }
    print_table(providers, &cases, &counts, &|n| format!("{n:.0}"));
    Ok(())
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
/// The options of `fuzz` and `fuzz-smoke`.
struct FuzzArgs {
    target: Option<String>,
    secs: Option<u64>,
    /// `--provider aws-lc-rs`: the targets built on the aws-lc-rs provider instead of ring.
    aws_lc: bool,
}

fn fuzz_args(args: &[String], allow_target: bool) -> Result<FuzzArgs, String> {
    let mut target = None;
    let mut secs = None;
    let mut aws_lc = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--provider" => match iter.next().map(String::as_str) {
                Some("aws-lc-rs") => aws_lc = true,
                Some("ring") => aws_lc = false,
                _ => return Err("`--provider` is `ring` or `aws-lc-rs`".to_owned()),
            },
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
    Ok(FuzzArgs { target, secs, aws_lc })
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
fn fuzz(only: Option<&str>, secs: u64, aws_lc: bool) -> Result<(), String> {
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
                "--features",
                if aws_lc { "aws-lc-rs" } else { "ring" },
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
    // `--release` for both, so that clippy's check shares the dependencies' build scripts with the build.
    run_cargo(
        &[
            "clippy",
            "--manifest-path",
            &manifest,
            "--release",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        &[],
        true,
    )?;
    run_cargo(&["build", "--manifest-path", &manifest, "--release", "--locked"], &[], true)
}

// ---------------------------------------------------------------------------------------------------------------
// Interoperability: the official Cybersource SDKs, unchanged, against the sandbox (crates/flex-sandbox/interop/).
// ---------------------------------------------------------------------------------------------------------------

/// Installs the pinned official Python and Node SDKs under `target/interop/`, starts `flex sandbox serve` over
/// HTTPS with a generated CA, and runs `sdk_python.py` and `sdk_node.js` against it. Fails if either reports a
/// failure. Needs `python3` (with venv) and `npm`/`node`; the packages come from PyPI and the npm registry.
fn interop() -> Result<(), String> {
    let started = Instant::now();
    let root = project_root();
    let scripts = root.join("crates").join("flex-sandbox").join("interop");
    let target_dir = env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let work = target_dir.join("interop");
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;

    // The sandbox binary, from the build the tests share (in `ci`, already built by then).
    build_bins_and_benches()?;
    let flex = target_dir.join("debug").join(format!("cybs-flex{}", env::consts::EXE_SUFFIX));

    // Python: a venv with the pinned SDK.
    let venv = work.join("py");
    let python = venv.join("bin").join("python");
    if !python.exists() {
        run("python3", &[os("-m"), os("venv"), venv.clone().into_os_string()], None, &[])?;
    }
    let requirements = scripts.join("requirements.txt");
    run(
        &python.to_string_lossy(),
        &[os("-m"), os("pip"), os("install"), os("--quiet"), os("-r"), requirements.into_os_string()],
        None,
        &[("PIP_DISABLE_PIP_VERSION_CHECK", "1")],
    )?;

    // Node: the pinned SDK from the lock file.
    let node_dir = work.join("node");
    std::fs::create_dir_all(&node_dir).map_err(|e| format!("cannot create {}: {e}", node_dir.display()))?;
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(scripts.join(file), node_dir.join(file))
            .map_err(|e| format!("cannot copy {file}: {e}"))?;
    }
    run("npm", &[os("ci"), os("--silent"), os("--no-audit"), os("--no-fund")], Some(&node_dir), &[])?;

    // The sandbox over HTTPS on a free loopback port, with its CA written for the clients to trust.
    let ca = work.join("sandbox-ca.pem");
    let log_path = work.join("sandbox.log");
    let log =
        std::fs::File::create(&log_path).map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let mut sandbox = Command::new(&flex)
        .args([os("sandbox"), os("serve"), os("--addr"), os("127.0.0.1:0"), os("--tls-generate-ca")])
        .arg(&ca)
        .stdout(std::process::Stdio::piped())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", flex.display()))?;
    let host = sandbox_host(&mut sandbox);
    let result = host.and_then(|host| {
        eprintln!("xtask: sandbox at https://{host} (log: {})", log_path.display());
        let python_run = run(
            &python.to_string_lossy(),
            &[scripts.join("sdk_python.py").into_os_string(), os(&host), ca.clone().into_os_string()],
            None,
            &[],
        );
        let ca_text = ca.to_string_lossy().into_owned();
        let modules = node_dir.join("node_modules").to_string_lossy().into_owned();
        let node_run = run(
            "node",
            &[scripts.join("sdk_node.js").into_os_string(), os(&host)],
            None,
            &[("NODE_EXTRA_CA_CERTS", ca_text.as_str()), ("NODE_PATH", modules.as_str())],
        );
        python_run.and(node_run)
    });
    let _ = sandbox.kill();
    let _ = sandbox.wait();
    eprintln!("xtask: interop finished in {:.1}s", started.elapsed().as_secs_f64());
    result
}

/// Reads `flex sandbox serve`'s first stdout line, `flex sandbox listening on https://HOST:PORT`, and returns
/// `HOST:PORT` (what the SDKs call the run environment).
fn sandbox_host(sandbox: &mut std::process::Child) -> Result<String, String> {
    use std::io::BufRead as _;
    let stdout = sandbox.stdout.take().ok_or("the sandbox has no stdout")?;
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the sandbox's address: {e}"))?;
    line.trim()
        .strip_prefix("flex sandbox listening on https://")
        .map(str::to_owned)
        .ok_or_else(|| format!("unexpected first line from the sandbox: {line:?}"))
}

fn os(s: &str) -> std::ffi::OsString {
    std::ffi::OsString::from(s)
}

/// How long one interop step (an install, an SDK script) may take; they take seconds to a minute.
const RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(600);

/// Runs a program to completion, failing on a non-zero exit or after [`RUN_LIMIT`].
fn run(
    program: &str,
    args: &[std::ffi::OsString],
    dir: Option<&Path>,
    envs: &[(&str, &str)],
) -> Result<(), String> {
    let mut command = Command::new(program);
    command.args(args).envs(envs.iter().copied());
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let mut child = command.spawn().map_err(|e| format!("cannot run {program}: {e} (is it installed?)"))?;
    // A hung SDK or sandbox must fail the run, not hold CI until its own limit.
    let deadline = Instant::now() + RUN_LIMIT;
    let status = loop {
        match child.try_wait().map_err(|e| format!("cannot wait for {program}: {e}"))? {
            Some(status) => break status,
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{program} did not finish within {} s", RUN_LIMIT.as_secs()));
            }
            None => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    };
    if status.success() { Ok(()) } else { Err(format!("{program} failed ({status})")) }
}

#[cfg(test)]
mod tests {
    use super::{documented_graph, graph_differences, resolved_graph, ungated_hook_modules};

    #[test]
    fn the_crate_graph_check_reports_every_difference() {
        let tree = "0flex-a v0.1.0 (/a)\n1flex-b v0.1.0 (/b)\n1serde v1.0.0\n0flex-b v0.1.0 (/b)\n0xtask v0.1.0\n1flex-a v0.1.0\n";
        let resolved = resolved_graph(tree);
        assert_eq!(format!("{resolved:?}"), r#"{"flex-a": {"flex-b"}, "flex-b": {}}"#);
        let doc = "text\n<!-- crate-graph -->\n```text\nflex-a -> flex-b\nflex-b ->\n```\nmore -> text\n";
        let documented = documented_graph(doc).unwrap();
        assert!(graph_differences(&documented, &resolved).is_empty());
        let wrong = documented_graph("<!-- crate-graph -->\n```\nflex-a ->\nflex-c -> flex-a\n```").unwrap();
        assert_eq!(
            graph_differences(&wrong, &resolved),
            [
                "  flex-a: (none) / flex-b",
                "  flex-b: (not listed) / (none)",
                "  flex-c: flex-a / (not listed)"
            ]
        );
        assert!(documented_graph("no marker").is_err());
        assert!(documented_graph("<!-- crate-graph -->\n```\nflex-a flex-b\n```").is_err());
    }

    #[test]
    fn hook_modules_must_be_gated_by_the_fuzzing_feature() {
        let gated = "/// Hooks.\n#[cfg(feature = \"fuzzing\")]\n#[doc(hidden)]\npub mod fuzzing;\n";
        assert_eq!(ungated_hook_modules(gated), Ok(()));
        let inline = "#[doc(hidden)]\n#[cfg(feature = \"fuzzing\")]\npub mod hazmat {\n}\n";
        assert_eq!(ungated_hook_modules(inline), Ok(()));
        assert_eq!(ungated_hook_modules("#[doc(hidden)]\npub mod fuzzing;\n"), Err("fuzzing"));
        // A gate on an earlier item does not count.
        let apart = "#[cfg(feature = \"fuzzing\")]\nmod a;\n\npub mod hazmat {}\n";
        assert_eq!(ungated_hook_modules(apart), Err("hazmat"));
        assert_eq!(ungated_hook_modules("pub mod fuzzing_helpers;\nmod fuzzing;\n"), Ok(()));
    }
}
