//! `cybs-flex`: the command line of the flex SDK for the Cybersource Flex API v2 (named so that it does not clash
//! with GNU flex, the lexer generator).
//!
//! Exit codes: `0` success; `1` the operation failed (a token did not verify, an input was invalid, a credential
//! is missing, a deadline expired); `2` the command line itself was wrong (unknown flag, missing argument, a value
//! out of range).
//! Errors are one line on stderr, prefixed `cybs-flex: error:`, and never contain a token, a signature or a secret.
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

/// The command line of the flex SDK for the Cybersource Flex API v2: run the whole flow offline against the
/// embedded sandbox, create capture contexts, decode and verify JWTs, encrypt card data, sign Cybersource REST
/// requests, and serve the offline sandbox.
#[derive(Debug, Parser)]
#[command(name = "cybs-flex", version, long_about = None, propagate_version = true)]
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

/// `--timeout SECS`, the operation deadline of every command that talks to a server.
#[derive(Debug, Clone, Copy, clap::Args)]
pub(crate) struct TimeoutArg {
    /// Deadline for each operation with the server, every attempt and retry included, in whole seconds
    /// (1-3600; default 30).
    #[arg(
        long = "timeout",
        value_name = "SECS",
        env = "FLEX_TIMEOUT_SECS",
        value_parser = timeout_secs
    )]
    secs: Option<u64>,
}

/// Parses `--timeout` (or `FLEX_TIMEOUT_SECS`): whole seconds from 1 to the client's maximum.
fn timeout_secs(text: &str) -> Result<u64, String> {
    let max = flex_client::MAX_OPERATION_TIMEOUT_SECS;
    text.parse::<u64>().ok().filter(|secs| (1..=max).contains(secs)).ok_or_else(|| {
        format!("must be a whole number of seconds from 1 to {max} (from --timeout or FLEX_TIMEOUT_SECS)")
    })
}

impl TimeoutArg {
    /// Sets the operation deadline on `builder`, if one was given.
    pub(crate) fn apply(self, builder: flex_client::ClientBuilder) -> flex_client::ClientBuilder {
        match self.secs {
            Some(secs) => builder.operation_timeout(std::time::Duration::from_secs(secs)),
            None => builder,
        }
    }
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
            eprintln!("cybs-flex: error: {message}");
            ExitCode::from(1)
        }
    }
}
