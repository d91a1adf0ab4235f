//! `cybs-flex session`: create a capture context against Cybersource or the sandbox.

use clap::Args;
use flex_types::{FieldPath, SessionRequest};

use crate::net::{self, CredentialArgs, NetArgs};
use crate::{Failure, input};

#[derive(Debug, Args)]
pub(crate) struct SessionArgs {
    /// Fields to capture as required: dotted paths, comma-separated or repeated
    /// (default: card number, expiration month and year required, security code optional).
    #[arg(long, value_delimiter = ',', value_name = "PATHS")]
    fields: Vec<String>,
    /// Fields to capture as optional.
    #[arg(long, value_delimiter = ',', value_name = "PATHS")]
    optional_fields: Vec<String>,
    #[command(flatten)]
    credentials: CredentialArgs,
    /// `--json` prints the verified claims instead of the compact token.
    #[command(flatten)]
    net: NetArgs,
}

fn field(path: &str) -> Result<FieldPath, Failure> {
    path.trim().parse().map_err(|_| {
        Failure::usage(format!("unknown field path {:?} (see `cybs-flex session --help`)", path.trim()))
    })
}

fn request(args: &SessionArgs) -> Result<SessionRequest, Failure> {
    if args.fields.is_empty() && args.optional_fields.is_empty() {
        return Ok(SessionRequest::new()
            .require(FieldPath::CardNumber)
            .require(FieldPath::CardExpirationMonth)
            .require(FieldPath::CardExpirationYear)
            .optional(FieldPath::CardSecurityCode));
    }
    let mut request = SessionRequest::new();
    for path in &args.fields {
        request = request.require(field(path)?);
    }
    for path in &args.optional_fields {
        request = request.optional(field(path)?);
    }
    Ok(request)
}

pub(crate) fn run(args: &SessionArgs) -> Result<(), Failure> {
    let request = request(args)?;
    let client = args.net.client(|builder| args.credentials.apply(builder))?;
    let context = net::block_on(client.create_capture_context(&request))?
        .map_err(|e| net::failure_at(&e, client.environment().authority()))?;
    if args.net.json {
        input::print(&serde_json::to_string_pretty(context.claims())?)
    } else {
        input::print(context.as_str())
    }
}
