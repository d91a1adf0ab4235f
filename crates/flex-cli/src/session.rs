//! `cybs-flex session`: create a capture context against Cybersource or the sandbox: a Flex API one
//! (`POST /flex/v2/sessions`), or with `--microform` a Microform v2 one (`POST /microform/v2/sessions`).

use clap::Args;
use flex_client::{CardNetwork, MicroformRequestError, MicroformSessionRequest, PaymentType};
use flex_types::{FieldPath, SessionRequest};

use crate::net::{self, CredentialArgs, NetArgs};
use crate::{Failure, input};

#[derive(Debug, Args)]
pub(crate) struct SessionArgs {
    /// Fields to capture as required: dotted paths, comma-separated or repeated
    /// (default: card number, expiration month and year required, security code optional).
    #[arg(long, value_delimiter = ',', value_name = "PATHS", conflicts_with = "microform")]
    fields: Vec<String>,
    /// Fields to capture as optional.
    #[arg(long, value_delimiter = ',', value_name = "PATHS", conflicts_with = "microform")]
    optional_fields: Vec<String>,
    /// A Microform v2 capture context (POST /microform/v2/sessions) for the hosted-fields library, instead of
    /// a Flex API one; needs at least one --target-origin.
    #[arg(long, requires = "target_origins")]
    microform: bool,
    /// With --microform: a page that will host the fields, `https://host[:port]` or `http://localhost[:port]`,
    /// no wildcard or path; 1 to 9, repeated or comma-separated.
    #[arg(
        long = "target-origin",
        value_delimiter = ',',
        value_name = "URL",
        requires = "microform",
        id = "target_origins"
    )]
    target_origins: Vec<String>,
    /// With --microform: a card network the fields accept (VISA, MASTERCARD, AMEX, DISCOVER, DINERSCLUB, JCB,
    /// CUP, MAESTRO, ...; any case); repeated or comma-separated (default: the server's).
    #[arg(
        long = "allowed-card-network",
        value_delimiter = ',',
        value_name = "NETWORK",
        requires = "microform"
    )]
    allowed_card_networks: Vec<String>,
    /// With --microform: CARD or CHECK; repeated or comma-separated (default: CARD).
    #[arg(long = "allowed-payment-type", value_delimiter = ',', value_name = "TYPE", requires = "microform")]
    allowed_payment_types: Vec<String>,
    /// With --microform: the transient token reveals the card's 8-digit prefix (BIN) instead of 6 digits.
    #[arg(long, requires = "microform")]
    include_card_prefix: bool,
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

/// The Microform request; every refusal is a usage error with the request type's own message.
fn microform_request(args: &SessionArgs) -> Result<MicroformSessionRequest, Failure> {
    let usage = |flag: &str, e: MicroformRequestError| Failure::usage(format!("{flag}: {e}"));
    let networks = args
        .allowed_card_networks
        .iter()
        .map(|n| n.trim().to_ascii_uppercase().parse::<CardNetwork>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| usage("--allowed-card-network", e))?;
    let types = args
        .allowed_payment_types
        .iter()
        .map(|t| t.trim().to_ascii_uppercase().parse::<PaymentType>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| usage("--allowed-payment-type", e))?;
    let mut builder =
        MicroformSessionRequest::builder().target_origins(args.target_origins.iter().map(|o| o.trim()));
    if !networks.is_empty() {
        builder = builder.card_networks(networks);
    }
    if !types.is_empty() {
        builder = builder.payment_types(types);
    }
    if args.include_card_prefix {
        builder = builder.include_card_prefix(true);
    }
    builder.build().map_err(|e| {
        let flag = match e {
            MicroformRequestError::NoTargetOrigin
            | MicroformRequestError::TooManyTargetOrigins
            | MicroformRequestError::InvalidTargetOrigin { .. }
            | MicroformRequestError::DuplicateTargetOrigin { .. } => "--target-origin",
            _ => "--microform",
        };
        usage(flag, e)
    })
}

/// What to ask for.
enum Request {
    FlexApi(SessionRequest),
    Microform(MicroformSessionRequest),
}

pub(crate) fn run(args: &SessionArgs) -> Result<(), Failure> {
    // The request is checked before anything is sent or any credential is read.
    let request = if args.microform {
        Request::Microform(microform_request(args)?)
    } else {
        Request::FlexApi(request(args)?)
    };
    let client = args.net.client(|builder| args.credentials.apply(builder))?;
    let context = net::block_on(async {
        match &request {
            Request::FlexApi(r) => client.create_capture_context(r).await,
            Request::Microform(r) => client.create_microform_context(r).await,
        }
    })?
    .map_err(|e| net::failure_at(&e, client.environment().authority()))?;
    if args.net.json {
        input::print(&serde_json::to_string_pretty(context.claims())?)
    } else {
        input::print(context.as_str())
    }
}
