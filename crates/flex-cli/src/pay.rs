//! `cybs-flex pay`: what a merchant backend does with a verified transient token: authorize a payment with it
//! (`POST /pts/v2/payments`, `tokenInformation.transientTokenJwt`), and print the outcome.
//!
//! Exit codes: `0` when money is authorized (`AUTHORIZED`, `PARTIAL_AUTHORIZED`, `AUTHORIZED_PENDING_REVIEW`);
//! `1` when it is not: a decline (the outcome is still printed on stdout, and the reason is the one-line error), any
//! other status, or a failed request; `2` a usage error (amount, currency, reference, token form, credentials).
//! The request is sent once and never retried.

use clap::Args;
use flex_client::{Amount, Currency, PaymentOutcome, PaymentRequest, PaymentResponse};

use crate::net::{self, CredentialArgs, NetArgs};
use crate::{Failure, input};

#[derive(Debug, Args)]
pub(crate) struct PayArgs {
    /// The transient token (verify it first with `cybs-flex transient verify`), `@FILE`, or `-` for stdin.
    #[arg(long, value_name = "TOKEN|@FILE|-")]
    transient_token: String,
    /// The amount, a plain decimal with at most the currency's minor units (`10.00` USD, `1500` JPY).
    #[arg(long, value_name = "DECIMAL", allow_hyphen_values = true)]
    amount: String,
    /// The ISO 4217 currency code, e.g. USD, EUR, JPY (any case).
    #[arg(long, value_name = "CODE")]
    currency: String,
    /// Capture in the same call (a sale); otherwise the payment is only authorized.
    #[arg(long)]
    capture: bool,
    /// Your order reference (clientReferenceInformation.code), 1 to 50 characters.
    #[arg(long, value_name = "CODE")]
    reference: Option<String>,
    #[command(flatten)]
    credentials: CredentialArgs,
    /// `--json` prints the payment answer as JSON instead of lines.
    #[command(flatten)]
    net: NetArgs,
}

/// The request, checked before anything is sent; every problem is a usage error naming the flag.
fn request(args: &PayArgs, token: String) -> Result<PaymentRequest<'static>, Failure> {
    let currency = Currency::new(&args.currency.trim().to_ascii_uppercase())
        .map_err(|e| Failure::usage(format!("--currency: {e}")))?;
    let amount =
        Amount::new(args.amount.trim(), currency).map_err(|e| Failure::usage(format!("--amount: {e}")))?;
    let mut builder = PaymentRequest::builder(token, amount).capture(args.capture);
    if let Some(reference) = &args.reference {
        builder = builder.reference(reference.clone());
    }
    builder.build().map_err(|e| {
        let flag = match e.field() {
            "clientReferenceInformation.code" => "--reference",
            "tokenInformation.transientTokenJwt" => "--transient-token",
            _ => "the payment request",
        };
        Failure::usage(format!("{flag}: {e}"))
    })
}

/// The outcome as `name value` lines: what a person reads, and what `grep` finds.
pub(crate) fn lines(response: &PaymentResponse<'_>) -> Vec<String> {
    let mut out = vec![format!("payment {}", response.status.as_deref().unwrap_or("(no status)"))];
    let mut add = |name: &str, value: Option<&str>| {
        if let Some(value) = value {
            out.push(format!("{name} {value}"));
        }
    };
    add("id", response.id.as_deref());
    let currency = response.amount_details.as_ref().and_then(|a| a.currency.as_deref()).unwrap_or("");
    add(
        "authorized",
        response.authorized_amount().map(|a| format!("{a} {currency}")).as_deref().map(str::trim),
    );
    add("approval code", response.approval_code());
    add("response code", response.response_code());
    add("reason", response.error_reason());
    add("message", response.error_message());
    add("reconciliation id", response.reconciliation_id.as_deref());
    add("reference", response.client_reference_information.as_ref().and_then(|c| c.code.as_deref()));
    add("submitted", response.submit_time_utc.as_deref());
    out
}

/// The one-line error for an outcome that authorized nothing; `None` when money is authorized.
pub(crate) fn not_authorized(outcome: &PaymentOutcome) -> Option<String> {
    let id = outcome.id().map(|id| format!(" (payment id {id})")).unwrap_or_default();
    match outcome {
        _ if outcome.is_authorized() => None,
        PaymentOutcome::Declined { reason, message, .. } => Some(format!(
            "payment declined: {}{}{id}",
            reason.as_deref().unwrap_or("no reason given"),
            message.as_deref().map(|m| format!(": {m}")).unwrap_or_default(),
        )),
        _ => Some(format!("payment not authorized: status {}{id}", outcome.status().unwrap_or("(none)"))),
    }
}

/// The warning for an authorization of another amount or currency than requested (a partial authorization: only
/// what was authorized can be captured), or for an authorized amount that cannot be read; `None` when they agree
/// or nothing was authorized.
pub(crate) fn amount_warning(requested: &Amount, outcome: &PaymentOutcome) -> Option<String> {
    if !outcome.is_authorized() {
        return None;
    }
    let response = outcome.response();
    let Some(authorized) = response.authorized_amount() else {
        // A full authorization may leave the amount out; a partial one must say how much.
        return matches!(outcome, PaymentOutcome::PartiallyAuthorized(_)).then(|| {
            format!(
                "the payment is partially authorized but the answer gives no authorized amount ({} {} was \
                 requested): check the payment before capturing it",
                requested.as_str(),
                requested.currency()
            )
        });
    };
    let currency = response.amount_details.as_ref().and_then(|a| a.currency.as_deref());
    let currency = currency.unwrap_or(requested.currency().code()).to_ascii_uppercase();
    let requested_text = format!("{} {}", requested.as_str(), requested.currency());
    match Amount::parse(authorized, &currency) {
        Ok(amount)
            if amount.currency() == requested.currency()
                && amount.minor_units() == requested.minor_units() =>
        {
            None
        }
        Ok(amount)
            if amount.currency() == requested.currency()
                && amount.minor_units() < requested.minor_units() =>
        {
            Some(format!(
                "only {} {} of the {requested_text} requested was authorized: capture no more than that",
                amount.as_str(),
                amount.currency()
            ))
        }
        Ok(amount) => Some(format!(
            "{} {} was authorized, not the {requested_text} requested: check the payment before capturing it",
            amount.as_str(),
            amount.currency()
        )),
        Err(_) => Some(format!(
            "the answer's authorized amount cannot be read as an amount of its currency ({requested_text} was \
             requested): check the payment before capturing it"
        )),
    }
}

pub(crate) fn run(args: &PayArgs) -> Result<(), Failure> {
    let token = input::named_token(Some(&args.transient_token), "transient token")?;
    let request = request(args, token)?;
    let client = args.net.client(|builder| args.credentials.apply(builder))?;
    let outcome = net::block_on(client.authorize(&request))?.map_err(|e| {
        let mut failure = net::failure_at(&e, client.environment().authority());
        // A refused payment names the fields at fault: `tokenInformation.jti INVALID_DATA` for a spent token.
        let details: Vec<String> = e
            .details()
            .into_iter()
            .map(|(field, reason)| format!("{} {}", field.unwrap_or("-"), reason.unwrap_or("-")))
            .collect();
        if !details.is_empty() {
            failure.message = format!("{}; details: {}", failure.message, details.join(", "));
        }
        failure
    })?;
    if args.net.json {
        input::print(&serde_json::to_string_pretty(outcome.response())?)?;
    } else {
        input::print(&lines(outcome.response()).join("\n"))?;
    }
    if let Some(warning) = amount_warning(request.amount(), &outcome) {
        eprintln!("cybs-flex: warning: {warning}");
    }
    match not_authorized(&outcome) {
        None => Ok(()),
        Some(message) => Err(Failure::new(message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(status: &str, amount_details: &str) -> PaymentOutcome {
        let body =
            format!(r#"{{"status":"{status}","orderInformation":{{"amountDetails":{amount_details}}}}}"#);
        let response: PaymentResponse<'_> = serde_json::from_str(&body).unwrap();
        match status {
            "DECLINED" => PaymentOutcome::Other(response.into_owned()),
            _ => PaymentOutcome::Authorized(response.into_owned()),
        }
    }

    #[test]
    fn a_different_authorized_amount_or_currency_is_warned_about() {
        let usd = |v: &str| Amount::parse(v, "USD").unwrap();
        let same = outcome("AUTHORIZED", r#"{"authorizedAmount":"10.0","currency":"USD"}"#);
        assert_eq!(amount_warning(&usd("10.00"), &same), None, "equal amounts written differently");
        let no_currency = outcome("AUTHORIZED", r#"{"authorizedAmount":"10.00"}"#);
        assert_eq!(
            amount_warning(&usd("10.00"), &no_currency),
            None,
            "the currency defaults to the request's"
        );
        let less = outcome("AUTHORIZED", r#"{"authorizedAmount":"4.00","currency":"USD"}"#);
        assert_eq!(
            amount_warning(&usd("10.00"), &less).as_deref(),
            Some("only 4.00 USD of the 10.00 USD requested was authorized: capture no more than that")
        );
        let euros = outcome("AUTHORIZED", r#"{"authorizedAmount":"10.00","currency":"eur"}"#);
        assert_eq!(
            amount_warning(&usd("10.00"), &euros).as_deref(),
            Some(
                "10.00 EUR was authorized, not the 10.00 USD requested: check the payment before capturing it"
            )
        );
        let more = outcome("AUTHORIZED", r#"{"authorizedAmount":"12.00","currency":"USD"}"#);
        assert!(
            amount_warning(&usd("10.00"), &more)
                .is_some_and(|w| w.starts_with("12.00 USD was authorized, not"))
        );
        let garbage = outcome("AUTHORIZED", r#"{"authorizedAmount":"10.001","currency":"USD"}"#);
        let warning = amount_warning(&usd("10.00"), &garbage).unwrap();
        assert!(warning.starts_with("the answer's authorized amount cannot be read"), "{warning}");
        assert!(!warning.contains("10.001"), "the answer's text is not echoed");
        let declined = outcome("DECLINED", r#"{"authorizedAmount":"0.00","currency":"USD"}"#);
        assert_eq!(amount_warning(&usd("10.00"), &declined), None, "nothing authorized, nothing to compare");
        let silent = outcome("AUTHORIZED", "{}");
        assert_eq!(amount_warning(&usd("10.00"), &silent), None, "no authorized amount in the answer");
        let body = r#"{"status":"PARTIAL_AUTHORIZED","orderInformation":{"amountDetails":{"authorizedAmount":null}}}"#;
        let response: PaymentResponse<'_> = serde_json::from_str(body).unwrap();
        let partial = PaymentOutcome::PartiallyAuthorized(response.into_owned());
        assert!(
            amount_warning(&usd("10.00"), &partial)
                .is_some_and(|w| w.starts_with("the payment is partially authorized but the answer gives no")),
            "a partial authorization must say how much"
        );
    }
}
