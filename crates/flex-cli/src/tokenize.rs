//! `cybs-flex tokenize`: what a browser or app does with a capture context, from the command line: verify the
//! context, encrypt the card to its `flx.jwk`, post it to `flx.origin + flx.path`, print the transient token.
//!
//! Card data never appears in the output, the logs or an error message: values are validated here without
//! being quoted, and the client logs only masked tokens.

use clap::Args;
use flex_client::{ErrorKind, PaymentData};

use crate::net::{self, NetArgs};
use crate::{Failure, input};

/// No `Debug`: the arguments hold card data.
#[derive(Args)]
pub(crate) struct TokenizeArgs {
    /// The capture context: the compact JWT, `@FILE` to read it from a file, or `-` for stdin.
    #[arg(long, value_name = "TOKEN|@FILE|-")]
    capture_context: String,
    /// The card number (12-19 digits; spaces and dashes are ignored), or `-` to read it from stdin.
    /// A number on the command line is visible to other local users (ps): use `-` for a real card.
    #[arg(long, value_name = "N")]
    card_number: String,
    /// The expiration month, 1-12 (sent as two digits).
    #[arg(long, value_name = "MM")]
    expiration_month: String,
    /// The expiration year, four digits.
    #[arg(long, value_name = "YYYY")]
    expiration_year: String,
    /// The card security code (3 or 4 digits), if the capture context asks for it.
    #[arg(long, value_name = "CVV")]
    security_code: Option<String>,
    /// The card type as Cybersource codes it (three digits, e.g. 001 Visa, 002 Mastercard), if the capture
    /// context accepts it.
    #[arg(long, value_name = "CODE")]
    card_type: Option<String>,
    /// Also accept this tokens origin (`flx.origin`), e.g. the sandbox's `https://127.0.0.1:PORT` when the
    /// context was not created through the same --env. Patterns may start with `https://*.`. Repeatable.
    #[arg(long, value_name = "URL")]
    allow_origin: Vec<String>,
    /// `--json` prints `{"transientToken": ..., "header": ...}` instead of the bare token.
    #[command(flatten)]
    net: NetArgs,
}

fn digits(value: &str, lengths: core::ops::RangeInclusive<usize>) -> bool {
    lengths.contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit())
}

/// The card fields, validated; a message never quotes a value.
fn card_data(args: &TokenizeArgs) -> Result<PaymentData, Failure> {
    let number = if args.card_number == "-" {
        input::named_token(Some("-"), "card number")?
    } else {
        args.card_number.clone()
    };
    let number: String = number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !digits(&number, 12..=19) {
        return Err(Failure::usage("--card-number must be 12 to 19 digits"));
    }
    let month = args.expiration_month.trim();
    let month = match month.parse::<u8>() {
        Ok(m @ 1..=12) if digits(month, 1..=2) => format!("{m:02}"),
        _ => return Err(Failure::usage("--expiration-month must be 1 to 12")),
    };
    let year = args.expiration_year.trim();
    if !digits(year, 4..=4) {
        return Err(Failure::usage("--expiration-year must be four digits"));
    }
    let mut data = PaymentData::flat()
        .with("paymentInformation.card.number", number)?
        .with("paymentInformation.card.expirationMonth", month)?
        .with("paymentInformation.card.expirationYear", year)?;
    if let Some(code) = &args.security_code {
        if !digits(code.trim(), 3..=4) {
            return Err(Failure::usage("--security-code must be 3 or 4 digits"));
        }
        data = data.with("paymentInformation.card.securityCode", code.trim())?;
    }
    if let Some(card_type) = &args.card_type {
        if !digits(card_type.trim(), 3..=3) {
            return Err(Failure::usage("--card-type must be three digits, e.g. 001"));
        }
        data = data.with("paymentInformation.card.type", card_type.trim())?;
    }
    Ok(data)
}

pub(crate) fn run(args: &TokenizeArgs) -> Result<(), Failure> {
    if args.card_number == "-" && input::reads_stdin(Some(&args.capture_context)) {
        return Err(Failure::usage("only one of --capture-context and --card-number can be read from stdin"));
    }
    let context = input::named_jwt(Some(&args.capture_context), "capture context", "--capture-context")?;
    let data = card_data(args)?;
    let client = args.net.client(|mut builder| {
        for origin in &args.allow_origin {
            flex_client::OriginPattern::parse(origin)
                .map_err(|e| Failure::usage(format!("--allow-origin: {e}")))?;
            builder = builder.allow_token_origin(origin);
        }
        Ok(builder)
    })?;
    let token = net::block_on(async {
        // The context's key comes from the --env host; the tokens request goes to flx.origin.
        let context = client
            .verify_capture_context(&context)
            .await
            .map_err(|e| net::failure_at(&e, client.environment().authority()))?;
        let origin = net::authority(&context.claims().flx.origin).to_owned();
        client.tokenize(&context, data).await.map_err(|e| match e.kind() {
            // A field the context does not take, or a required one missing: the flags given do not fit.
            ErrorKind::InvalidInput => Failure::usage(e.to_string()),
            _ => net::failure_at(&e, &origin),
        })
    })??;
    if args.net.json {
        let header: serde_json::Value =
            serde_json::from_str(&input::protected_header(&token)).unwrap_or(serde_json::Value::Null);
        let out = serde_json::json!({ "transientToken": token, "header": header });
        input::print(&serde_json::to_string_pretty(&out)?)
    } else {
        input::print(&token)
    }
}
