//! `cybs-flex session`: create a capture context against Cybersource or the sandbox.

use clap::Args;
use flex_client::{AuthScheme, ClientBuilder, Environment};
use flex_types::{FieldPath, SessionRequest};

use crate::{Failure, TimeoutArg, input};

#[derive(Debug, Args)]
pub(crate) struct SessionArgs {
    /// `test`, `production`, or a base URL such as the sandbox's `http://127.0.0.1:PORT`
    /// (default: FLEX_ENV, else `test`).
    #[arg(long, value_name = "test|production|URL")]
    env: Option<String>,
    /// Fields to capture as required: dotted paths, comma-separated or repeated
    /// (default: card number, expiration month and year required, security code optional).
    #[arg(long, value_delimiter = ',', value_name = "PATHS")]
    fields: Vec<String>,
    /// Fields to capture as optional.
    #[arg(long, value_delimiter = ',', value_name = "PATHS")]
    optional_fields: Vec<String>,
    /// `jwt` or `http-signature` (default: FLEX_AUTH, else `jwt`).
    #[arg(long, value_name = "SCHEME")]
    auth: Option<String>,
    /// Print the verified claims as JSON instead of the compact token.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    timeout: TimeoutArg,
}

fn field(path: &str) -> Result<FieldPath, Failure> {
    path.trim().parse().map_err(|_| {
        Failure::new(format!("unknown field path {:?} (see `cybs-flex session --help`)", path.trim()))
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
    for name in ["FLEX_MERCHANT_ID", "FLEX_KEY_ID", "FLEX_SHARED_SECRET"] {
        if std::env::var_os(name).is_none_or(|v| v.is_empty()) {
            return Err(Failure::new(format!("{name} is not set")));
        }
    }
    let request = request(args)?;
    let mut builder = ClientBuilder::from_env()?;
    if let Some(env) = &args.env {
        builder = builder.environment(Environment::parse(env)?);
    }
    if let Some(auth) = &args.auth {
        builder = builder.auth_scheme(AuthScheme::parse(auth)?);
    }
    let client = args.timeout.apply(builder).build()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(format!("cannot start the async runtime: {e}")))?;
    let context = runtime.block_on(client.create_capture_context(&request))?;
    if args.json {
        input::print(&serde_json::to_string_pretty(context.claims())?)
    } else {
        input::print(context.as_str())
    }
}
