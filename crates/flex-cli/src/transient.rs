//! `cybs-flex transient verify`: what a merchant backend does when a transient token arrives: verify the
//! capture context it was issued for, then the token, and show its claims.

use clap::{Args, Subcommand};

use crate::net::{self, NetArgs};
use crate::{Failure, input};

#[derive(Debug, Subcommand)]
pub(crate) enum TransientCommand {
    /// Verify a transient token against its capture context and print the token's verified claims (JSON).
    ///
    /// The capture context is verified first (RS256 with the key from GET /flex/v2/public-keys/{kid}, issuer,
    /// lifetime); then the token, with the context's flx.jwk when the kids match (how Flex signs it), else with
    /// the public-keys endpoint. Exit 0 and the claims on stdout when both verify; exit 1 otherwise.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The capture context the token was issued for: the compact JWT, `@FILE`, or `-` for stdin.
    #[arg(long, value_name = "TOKEN|@FILE|-")]
    capture_context: String,
    /// The transient token, `@FILE` to read it from a file, or `-` (or nothing) to read it from stdin.
    #[arg(value_name = "TOKEN|@FILE|-")]
    token: Option<String>,
    /// The output is JSON either way; `--json` is accepted for symmetry with the other commands.
    #[command(flatten)]
    net: NetArgs,
}

pub(crate) fn run(cmd: TransientCommand) -> Result<(), Failure> {
    match cmd {
        TransientCommand::Verify(args) => verify(&args),
    }
}

fn verify(args: &VerifyArgs) -> Result<(), Failure> {
    if input::reads_stdin(Some(&args.capture_context)) && input::reads_stdin(args.token.as_deref()) {
        return Err(Failure::usage(
            "only one of --capture-context and the transient token can be read from stdin",
        ));
    }
    let context = input::named_jwt(Some(&args.capture_context), "capture context", "--capture-context")?;
    let token = input::named_jwt(args.token.as_deref(), "transient token", "TOKEN")?;
    let client = args.net.client(Ok)?;
    // Both steps fetch keys (if at all) from the --env host.
    let verified = net::block_on(async {
        let context = client.verify_capture_context(&context).await?;
        client.verify_transient_token(&token, &context).await
    })?
    .map_err(|e| net::failure_at(&e, client.environment().authority()))?;
    input::print(&serde_json::to_string_pretty(verified.claims())?)
}
