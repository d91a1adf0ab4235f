//! `flex`: the command line of the flex SDK for the Cybersource Flex API v2.
//!
//! Exit codes: `0` success; `1` the operation failed (a token did not verify, an input was invalid, a credential
//! is missing); `2` the command line itself was wrong (unknown flag, missing argument).
//! Errors are one line on stderr, prefixed `flex: error:`, and never contain a token, a signature or a secret.
#![forbid(unsafe_code)]
// A command-line tool: writing to stdout and stderr is its job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod auth;
mod demo;
mod input;
mod jwe;
mod jwt;
mod sandbox;
mod session;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The flex command line: inspect and verify Flex JWTs, sign Cybersource REST requests.
#[derive(Debug, Parser)]
#[command(name = "flex", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole Flex v2 flow offline against the embedded sandbox, printing every step.
    Demo(demo::DemoArgs),
    /// Decode or verify a JWT (capture context, transient token, any RS256 JWS).
    #[command(subcommand)]
    Jwt(jwt::JwtCommand),
    /// Create a capture context (POST /flex/v2/sessions) with credentials from FLEX_* variables.
    Session(session::SessionArgs),
    /// Encrypt card data to a capture context (the browser/app step).
    #[command(subcommand)]
    Jwe(jwe::JweCommand),
    /// Authenticate Cybersource REST requests (HTTP Signature or JWT).
    #[command(subcommand)]
    Auth(auth::AuthCommand),
    /// Run the offline Flex v2 emulator.
    #[command(subcommand)]
    Sandbox(sandbox::SandboxCommand),
}

/// A failure to report: one line, no secrets, exit code 1.
#[derive(Debug)]
pub(crate) struct Failure(String);

impl Failure {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Self {
        Self(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Jwt(cmd) => jwt::run(cmd),
        Command::Session(args) => session::run(&args),
        Command::Jwe(cmd) => jwe::run(cmd),
        Command::Auth(cmd) => auth::run(cmd),
        Command::Sandbox(cmd) => sandbox::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("flex: error: {message}");
            ExitCode::from(1)
        }
    }
}
