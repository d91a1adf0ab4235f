//! `cybs-flex jwe encrypt`: the browser/app step, encrypting card data to a capture context's `flx.jwk`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use flex_jwe::{KeyAlgorithm, PaymentData, RecipientKey, SystemRandom, TokenizePayload};
use flex_types::{CaptureContextClaims, Value};

use crate::{Failure, input};

#[derive(Debug, Subcommand)]
pub(crate) enum JweCommand {
    /// Encrypt card data to a capture context's flx.jwk and print the compact JWE to post to /flex/v2/tokens.
    ///
    /// The capture context is decoded, NOT verified: verify it first (`cybs-flex jwt verify`) if it did not come
    /// straight from your own `cybs-flex session`.
    Encrypt(EncryptArgs),
}

#[derive(Debug, Args)]
pub(crate) struct EncryptArgs {
    /// The capture context: the compact JWT, `@FILE`, or `-` for stdin.
    #[arg(long, value_name = "TOKEN")]
    context: String,
    /// A field as PATH=VALUE, repeatable, e.g. paymentInformation.card.number=4111111111111111.
    #[arg(long = "field", value_name = "PATH=VALUE", required_unless_present = "data_file")]
    fields: Vec<String>,
    /// A JSON file with the data instead: flat dotted keys or nested objects, string values.
    #[arg(long, value_name = "FILE", conflicts_with = "fields")]
    data_file: Option<PathBuf>,
    /// The key-management algorithm.
    #[arg(long, value_enum, default_value_t = Alg::RsaOaep)]
    alg: Alg,
    /// Print `{"header": ..., "jwe": ...}` instead of the bare JWE.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Alg {
    /// RSA-OAEP (SHA-1), what the official mobile SDK sends.
    #[value(name = "RSA-OAEP")]
    RsaOaep,
    /// RSA-OAEP-256.
    #[value(name = "RSA-OAEP-256")]
    RsaOaep256,
}

pub(crate) fn run(cmd: JweCommand) -> Result<(), Failure> {
    match cmd {
        JweCommand::Encrypt(args) => encrypt(&args),
    }
}

fn data(args: &EncryptArgs) -> Result<PaymentData, Failure> {
    if let Some(path) = &args.data_file {
        let bytes = input::file_bytes(path, "data file")?;
        // serde's messages can quote values (card data): report the position only.
        return serde_json::from_slice(&bytes).map_err(|e| {
            Failure::new(format!(
                "data file is not a JSON object of string values (line {}, column {})",
                e.line(),
                e.column()
            ))
        });
    }
    let mut data = PaymentData::flat();
    for field in &args.fields {
        let (path, value) =
            field.split_once('=').ok_or_else(|| Failure::new("--field must be PATH=VALUE"))?;
        data = data.with(path, value)?;
    }
    Ok(data)
}

fn encrypt(args: &EncryptArgs) -> Result<(), Failure> {
    let context = input::token(Some(&args.context))?;
    let decoded = flex_jwt::dangerous::insecure_decode(&context)?;
    let claims: CaptureContextClaims<'_> = decoded.claims()?;
    let jwk = &claims.flx.jwk;
    let kid = jwk.kid.as_deref().ok_or_else(|| Failure::new("the capture context's flx.jwk has no kid"))?;
    let key = RecipientKey::from_jwk_components(kid, &jwk.n, &jwk.e)?;
    let alg = match args.alg {
        Alg::RsaOaep => KeyAlgorithm::RsaOaep,
        Alg::RsaOaep256 => KeyAlgorithm::RsaOaep256,
    };
    let payload = TokenizePayload::new(context.as_str(), data(args)?);
    let jwe = key.encrypt_payload_with(alg, &payload, &mut SystemRandom::new())?;
    if args.json {
        let header_json = input::protected_header(&jwe);
        let header: Value<'_> = serde_json::from_str(&header_json)?;
        let out = Value::Object(vec![
            ("header".into(), header),
            ("jwe".into(), Value::String(jwe.as_str().into())),
        ]);
        input::print(&serde_json::to_string_pretty(&out)?)
    } else {
        input::print(&jwe)
    }
}
