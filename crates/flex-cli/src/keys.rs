//! `cybs-flex keys get`: the public key `GET /flex/v2/public-keys/{kid}` serves.

use clap::{Args, Subcommand};
use flex_client::ErrorKind;

use crate::net::{self, NetArgs};
use crate::{Failure, input};

#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Fetch the public key with this kid and print it as a JWK (one line; pretty-printed with --json).
    ///
    /// The key is checked as the client checks every key it verifies with (RSA, 2048 bits or more, the
    /// requested kid).
    Get(GetArgs),
}

#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    /// The key id, e.g. the `kid` in a capture context's header.
    #[arg(value_name = "KID")]
    kid: String,
    #[command(flatten)]
    net: NetArgs,
}

pub(crate) fn run(cmd: KeysCommand) -> Result<(), Failure> {
    match cmd {
        KeysCommand::Get(args) => get(&args),
    }
}

fn get(args: &GetArgs) -> Result<(), Failure> {
    let client = args.net.client(Ok)?;
    let key = net::block_on(client.public_key(&args.kid))?.map_err(|e| match e.kind() {
        // The kid comes from the command line.
        ErrorKind::InvalidInput => Failure::usage(format!("KID: {e}")),
        _ => net::failure_at(&e, client.environment().authority()),
    })?;
    let jwk = key.to_jwk_json();
    if args.net.json {
        let value: serde_json::Value = serde_json::from_str(&jwk)?;
        input::print(&serde_json::to_string_pretty(&value)?)
    } else {
        input::print(&jwk)
    }
}
