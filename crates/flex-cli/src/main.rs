//! `cybs-flex`: the command line of the flex SDK for the Cybersource Flex API v2 (named so that it does not clash
//! with GNU flex, the lexer generator).
//!
//! Exit codes: `0` success; `1` the operation failed (the server refused or could not be reached, a token or key
//! did not verify, a deadline expired, input data was invalid, a payment was declined); `2` a usage error: the command line or the
//! configuration it names cannot be acted on (unknown flag, missing argument, a value out of range, conflicting
//! options, missing credentials, a file named by a flag or a `FLEX_*` variable that cannot be read or is not what
//! the flag expects).
//! Errors are one line on stderr, prefixed `cybs-flex: error:`, and never contain a token, a signature, a secret
//! or card data.
#![forbid(unsafe_code)]
// A command-line tool: writing to stdout and stderr is its job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod auth;
mod completions;
mod demo;
mod input;
mod jwe;
mod jwt;
mod keys;
mod logging;
mod net;
mod pay;
mod sandbox;
mod session;
mod tokenize;
mod transient;

use std::process::ExitCode;

use clap::{ArgAction, Parser, Subcommand};

/// The command line of the flex SDK for the Cybersource Flex API v2: run the whole flow offline against the
/// embedded sandbox, create capture contexts, tokenize card data, verify transient tokens, fetch public keys,
/// decode and verify JWTs, sign Cybersource REST requests, and serve the offline sandbox.
#[derive(Parser)]
#[command(
    name = "cybs-flex",
    version,
    long_about = None,
    propagate_version = true,
    after_help = "Exit codes: 0 success; 1 the operation failed (server, network, verification, deadline, \
                  a declined payment); \
                  2 usage error (flags, conflicting options, missing credentials, a file named by a flag or \
                  FLEX_* variable that cannot be used).\n\
                  Networked commands honour HTTPS_PROXY, HTTP_PROXY and NO_PROXY (either case). \
                  Logs go to stderr: -v, -vv, -vvv or RUST_LOG; no colour unless stderr is a terminal, never \
                  with NO_COLOR."
)]
struct Cli {
    /// More log output on stderr: -v info, -vv debug, -vvv trace (otherwise RUST_LOG, else warnings only;
    /// `sandbox serve` logs info by default).
    #[arg(short, long, action = ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole Flex v2 flow offline against the embedded sandbox, printing every step.
    Demo(demo::DemoArgs),
    /// Create a capture context (POST /flex/v2/sessions, or with --microform POST /microform/v2/sessions) with
    /// merchant credentials from flags or FLEX_* variables.
    Session(session::SessionArgs),
    /// Tokenize card data: verify a capture context, encrypt the card to its flx.jwk, post it to
    /// flx.origin + flx.path and print the transient token.
    Tokenize(tokenize::TokenizeArgs),
    /// Verify transient tokens against their capture context.
    #[command(subcommand)]
    Transient(transient::TransientCommand),
    /// Pay with a transient token (POST /pts/v2/payments): authorize, or with --capture authorize and capture,
    /// and print the outcome. Exit 0 when money is authorized (also partially, or pending review); exit 1 on a
    /// decline, with the reason as the error line. Never retried.
    Pay(pay::PayArgs),
    /// Fetch Flex public keys (GET /flex/v2/public-keys/{kid}).
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Decode or verify a JWT (capture context, transient token, any RS256 JWS).
    #[command(subcommand)]
    Jwt(jwt::JwtCommand),
    /// Encrypt card data to a capture context (the browser/app step) without posting it.
    #[command(subcommand)]
    Jwe(jwe::JweCommand),
    /// Authenticate Cybersource REST requests (HTTP Signature or JWT).
    #[command(subcommand)]
    Auth(auth::AuthCommand),
    /// Run the offline Flex v2 emulator.
    #[command(subcommand)]
    Sandbox(sandbox::SandboxCommand),
    /// Print a shell completion script (bash, zsh or fish) to stdout.
    Completions(completions::CompletionsArgs),
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

/// A failure to report: one line, no secrets; exit code 1 (the operation failed) or 2 (a usage error).
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) message: String,
    usage: bool,
}

impl Failure {
    /// The operation failed: exit code 1.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), usage: false }
    }

    /// The command line (or a file or variable it names) cannot be acted on: exit code 2.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self { message: message.into(), usage: true }
    }
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Self {
        Self::new(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = match cli.command {
        Command::Sandbox(_) => "info",
        _ => "warn",
    };
    let result = logging::init(cli.verbose, default_level).and_then(|()| match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Session(args) => session::run(&args),
        Command::Tokenize(args) => tokenize::run(&args),
        Command::Transient(cmd) => transient::run(cmd),
        Command::Pay(args) => pay::run(&args),
        Command::Keys(cmd) => keys::run(cmd),
        Command::Jwt(cmd) => jwt::run(cmd),
        Command::Jwe(cmd) => jwe::run(cmd),
        Command::Auth(cmd) => auth::run(cmd),
        Command::Sandbox(cmd) => sandbox::run(cmd),
        Command::Completions(args) => completions::run(&args),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure { message, usage }) => {
            // One line, always: a message with a line break (from a server or a library) is joined.
            let message = message.split(['\r', '\n']).filter(|l| !l.trim().is_empty()).collect::<Vec<_>>();
            eprintln!("cybs-flex: error: {}", message.join(" "));
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}
