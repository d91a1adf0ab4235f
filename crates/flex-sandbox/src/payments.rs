//! `POST /pts/v2/payments` (authorize with a transient token) and `GET /pts/v2/payments/{id}`.
//!
//! Only transient tokens this sandbox issued are accepted: the token's `jti` must name an issued, unexpired and
//! unused token, and its signature must verify with the session key that signed it (RSA on the CPU pool). The
//! outcome follows the test rules of the crate README, decided from the card number when the token was issued.

use std::borrow::Cow;

use base64ct::{Base64UrlUnpadded, Encoding as _};
use flex_jwt::{RsaPublicKey, Verifier};
use flex_types::{
    AmountDetails, ClientReferenceInformation, ErrorBody, ErrorDetail, ErrorInformation, ErrorStatus,
    FromJsonError, PaymentRequest, PaymentResponse, PaymentStatus, ProcessorInformation, RsaJwk, Value,
};

use crate::api::{self, Reply, RequestParts, Shared};
use crate::card::PaymentRule;
use crate::crypto::{self, KeyMaterial};
use crate::state::{self, TokenUnusable};

/// Path of the payments endpoint.
pub(crate) const PAYMENTS_PATH: &str = "/pts/v2/payments";
/// Prefix of one payment.
pub(crate) const PAYMENT_PREFIX: &str = "/pts/v2/payments/";
/// Largest `POST /pts/v2/payments` body (bytes): the token (at most 16 KiB) and a few short fields.
pub(crate) const MAX_PAYMENTS_BODY: usize = 32 * 1024;

const DIGITS: &[u8] = b"0123456789";

/// `submitTimeUtc` for `now`: `YYYY-MM-DDThh:mm:ssZ` (proleptic Gregorian calendar, UTC).
pub(crate) fn utc_timestamp(now: i64) -> String {
    let days = now.div_euclid(86_400);
    let secs = now.rem_euclid(86_400);
    // Days to civil date (H. Hinnant's algorithm, public domain description).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// A REST-shaped `400`: `{"submitTimeUtc","status":"INVALID_REQUEST","reason","message","details":[{field,reason}]}`.
fn invalid_request(now: i64, reason: &'static str, message: &str, field: &str, field_reason: &str) -> Reply {
    let body = ErrorBody {
        status: Some(ErrorStatus::Text(Cow::Borrowed("INVALID_REQUEST"))),
        reason: Some(Cow::Borrowed(reason)),
        message: Some(Cow::Borrowed(message)),
        details: vec![ErrorDetail {
            location: None,
            field: Some(Cow::Borrowed(field)),
            message: None,
            reason: Some(Cow::Borrowed(field_reason)),
        }],
        ..ErrorBody::default()
    };
    // `submitTimeUtc` first, as Cybersource writes it.
    let mut value: Vec<(Cow<'_, str>, Value<'_>)> =
        vec![(Cow::Borrowed("submitTimeUtc"), Value::String(Cow::Owned(utc_timestamp(now))))];
    let rest: Value<'_> = serde_json::to_vec(&body)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value<'_>>(&bytes).ok().map(Value::into_owned))
        .unwrap_or_default();
    if let Value::Object(members) = rest {
        value.extend(members);
    }
    let mut reply = Reply::json(400, serde_json::to_vec(&Value::Object(value)).unwrap_or_default());
    reply.reason = Some(reason);
    reply
}

/// The answer for a token that is not (or no longer) usable: `tokenInformation.jti` / `INVALID_DATA`, as
/// Cybersource answers a used or expired transient token.
fn token_refused(now: i64) -> Reply {
    invalid_request(
        now,
        "INVALID_DATA",
        "Declined - One or more fields in the request contains invalid data",
        "tokenInformation.jti",
        "INVALID_DATA",
    )
}

fn token_malformed(now: i64) -> Reply {
    invalid_request(
        now,
        "INVALID_DATA",
        "Declined - One or more fields in the request contains invalid data",
        "tokenInformation.transientTokenJwt",
        "INVALID_DATA",
    )
}

/// The `jti` of a compact JWT, read without verification (to find the key that must verify it).
fn unverified_jti(token: &str) -> Option<String> {
    let payload_b64 = token.split('.').nth(1)?;
    let payload = Base64UrlUnpadded::decode_vec(payload_b64).ok()?;
    let claims = Value::from_json(&payload).ok()?;
    let jti = claims.get("jti")?.as_str()?;
    (jti.len() <= 128).then(|| jti.to_owned())
}

/// Verifies `token`'s RS256 signature with `key` (the session key that signed it) and its `exp` at `now` (no
/// leeway: the sandbox's own clock issued it), and that its header names `kid`.
fn verify_token(token: &str, kid: &str, key: &KeyMaterial, now: i64) -> bool {
    let jwk = RsaJwk::new(key.n(), key.e()).with_use("enc").with_kid(kid);
    let Ok(public) = RsaPublicKey::from_flex_capture_context_jwk(&jwk) else { return false };
    let verifier = Verifier::new().with_leeway_secs(0);
    let Ok(jwt) = verifier.parse(token) else { return false };
    if jwt.header().kid().is_none_or(|k| k.as_str() != kid) {
        return false;
    }
    verifier.verify_signature_with_key(&jwt, &public).and_then(|a| a.validate(now)).is_ok()
}

/// `POST /pts/v2/payments`.
pub(crate) async fn create_payment(shared: &Shared, req: RequestParts<'_>) -> Reply {
    let now = shared.clock.now();
    let merchant_id = match api::authenticate(shared, &req, now, "payments") {
        Ok(m) => m,
        Err(reply) => return reply,
    };
    if req.body.len() > MAX_PAYMENTS_BODY {
        return api::flex_error(413, "PAYLOAD_TOO_LARGE", "The request body is too large.", Vec::new());
    }
    // Strict JSON (a repeated member name at any depth is refused with its position), then the request's rules.
    let request = match PaymentRequest::from_json(req.body) {
        Ok(r) => r,
        Err(FromJsonError::Invalid(e)) => {
            let reason = e.reason();
            return invalid_request(
                now,
                reason,
                "Declined - The request is missing one or more fields or contains invalid data",
                e.field(),
                reason,
            );
        }
        Err(e) => {
            let message = format!("The request body is not valid JSON: {e}.");
            return invalid_request(now, "INVALID_DATA", &message, "", "INVALID_DATA");
        }
    };
    let token = request.transient_token_jwt().to_owned();
    let Some(jti) = unverified_jti(&token) else { return token_malformed(now) };
    let (kid, key, _, owner) = match shared.issued_tokens().check(&jti, now, false) {
        Ok(found) => found,
        Err(why) => {
            tracing::info!(merchant = %merchant_id, why = token_refusal(why), "payments: transient token refused");
            return token_refused(now);
        }
    };
    // Only the merchant whose capture context produced the token may pay with it (answered like an unknown one).
    if owner != state::capped(&merchant_id, state::MAX_MERCHANT_ID_LEN) {
        tracing::info!(merchant = %merchant_id, "payments: transient token of another merchant refused");
        return token_refused(now);
    }
    let verified = {
        let kid = kid.clone();
        shared.cpu.run(move || verify_token(&token, &kid, &key, now)).await
    };
    match verified {
        Some(true) => {}
        Some(false) => {
            tracing::info!(merchant = %merchant_id, "payments: transient token signature or expiry does not verify");
            return token_malformed(now);
        }
        None => return api::internal_error(),
    }
    // Use it (a concurrent payment with the same token may have won since the check above).
    let rule = match shared.issued_tokens().check(&jti, now, true) {
        Ok((_, _, rule, _)) => rule,
        Err(why) => {
            tracing::info!(merchant = %merchant_id, why = token_refusal(why), "payments: transient token refused");
            return token_refused(now);
        }
    };
    let response = match outcome(&request, rule, now) {
        Ok(r) => r,
        Err(_) => return api::internal_error(),
    };
    let Ok(body) = serde_json::to_vec(&response) else { return api::internal_error() };
    if let Some(id) = &response.id {
        shared.payments().insert(id.to_string(), merchant_id.clone(), body.clone());
    }
    tracing::info!(merchant = %merchant_id, session = %kid, status = response.status.as_deref().unwrap_or_default(), "payments: processed");
    Reply::json(201, body)
}

fn token_refusal(why: TokenUnusable) -> &'static str {
    match why {
        TokenUnusable::Unknown => "not issued here (or forgotten after expiry)",
        TokenUnusable::Expired => "expired",
        TokenUnusable::Used => "already used",
    }
}

/// The answer for `request` under `rule`.
fn outcome(
    request: &PaymentRequest<'_>,
    rule: PaymentRule,
    now: i64,
) -> Result<PaymentResponse<'static>, crate::error::SandboxError> {
    let id = crypto::random_string(22, DIGITS)?;
    let status = match rule {
        PaymentRule::Approve => PaymentStatus::Authorized,
        PaymentRule::Decline => PaymentStatus::Declined,
        PaymentRule::Review => PaymentStatus::AuthorizedPendingReview,
        PaymentRule::Partial => PaymentStatus::PartialAuthorized,
    };
    let mut r = PaymentResponse::new(status);
    r.submit_time_utc = Some(Cow::Owned(utc_timestamp(now)));
    r.reconciliation_id = Some(Cow::Owned(crypto::random_string(22, DIGITS)?));
    if let Some(code) = request.reference() {
        let mut reference = ClientReferenceInformation::default();
        reference.code = Some(Cow::Owned(code.to_owned()));
        r.client_reference_information = Some(reference);
    }
    let amount = request.amount();
    let mut processor = ProcessorInformation::default();
    processor.transaction_id = Some(Cow::Owned(crypto::random_string(15, DIGITS)?));
    let self_href = format!("{PAYMENT_PREFIX}{id}");
    // Relative, as Cybersource's are.
    let mut links = vec![(Cow::Borrowed("self"), link("GET", &self_href))];
    if rule == PaymentRule::Decline {
        processor.response_code = Some(Cow::Borrowed("05"));
        r.error_information = Some(ErrorInformation {
            reason: Some(Cow::Borrowed("PROCESSOR_DECLINED")),
            message: Some(Cow::Borrowed("Decline - General decline of the card.")),
            details: Vec::new(),
        });
    } else {
        processor.approval_code = Some(Cow::Borrowed("831000"));
        processor.response_code = Some(Cow::Borrowed("00"));
        let authorized = match rule {
            PaymentRule::Partial => half(amount.minor_units(), amount.currency().minor_units()),
            _ => amount.as_str().to_owned(),
        };
        let mut details = AmountDetails::default();
        details.authorized_amount = Some(Cow::Owned(authorized));
        details.currency = Some(Cow::Borrowed(amount.currency().code()));
        r.amount_details = Some(details);
        if !request.capture() {
            links.push((Cow::Borrowed("capture"), link("POST", &format!("{self_href}/captures"))));
        }
        links.push((Cow::Borrowed("authReversal"), link("POST", &format!("{self_href}/reversals"))));
    }
    r.processor_information = Some(processor);
    r.links = Some(Value::Object(links));
    r.id = Some(Cow::Owned(id));
    Ok(r)
}

fn link(method: &'static str, href: &str) -> Value<'static> {
    Value::Object(vec![
        (Cow::Borrowed("href"), Value::String(Cow::Owned(href.to_owned()))),
        (Cow::Borrowed("method"), Value::from(method)),
    ])
}

/// Half of `minor` minor units (rounded down, at least one), written with `digits` decimals.
fn half(minor: u64, digits: u8) -> String {
    let half = (minor / 2).max(1);
    if digits == 0 {
        return half.to_string();
    }
    let scale = 10u64.pow(u32::from(digits));
    format!("{}.{:0width$}", half / scale, half % scale, width = usize::from(digits))
}

/// `GET /pts/v2/payments/{id}`: what was answered, for the merchant who made it.
pub(crate) fn get_payment(shared: &Shared, req: RequestParts<'_>, id: &str) -> Reply {
    let now = shared.clock.now();
    let merchant_id = match api::authenticate(shared, &req, now, "payments") {
        Ok(m) => m,
        Err(reply) => return reply,
    };
    let valid_id = (1..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit());
    let found = if valid_id { shared.payments().get(id, &merchant_id).map(<[u8]>::to_vec) } else { None };
    match found {
        Some(body) => Reply::json(200, body),
        None => {
            let mut reply =
                invalid_request(now, "NOT_FOUND", "The requested resource does not exist", "id", "NOT_FOUND");
            reply.status = 404;
            reply
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_civil_dates() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_timestamp(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_timestamp(1_796_310_000), "2026-12-03T15:00:00Z");
        assert_eq!(utc_timestamp(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn half_amounts_keep_the_minor_units() {
        assert_eq!(half(1000, 2), "5.00");
        assert_eq!(half(1001, 2), "5.00");
        assert_eq!(half(1, 2), "0.01");
        assert_eq!(half(101, 0), "50");
        assert_eq!(half(1250, 3), "0.625");
    }
}
