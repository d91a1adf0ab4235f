//! Entry points for the fuzz targets in `fuzz/` (not part of the supported API).
//!
//! Each hook takes arbitrary bytes, must never panic, and returns the first oracle the input broke; the targets
//! and the replay tests (`tests/it/fuzz_regressions.rs`) require `Ok(())`. JSON is read with serde_json (built with
//! `float_roundtrip`, so that a float re-reads to the same bits), as a client reads answers, and the requests also
//! with their strict `from_json` entry points, as the sandbox reads request bodies.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::microform::{MAX_CLIENT_VERSION_LEN, MAX_ORIGIN_LEN, MAX_TARGET_ORIGINS, is_valid_target_origin};
use crate::payments::{MAX_AMOUNT_INTEGER_DIGITS, MAX_REFERENCE_LEN, MAX_TRANSIENT_TOKEN_LEN};
use crate::{
    Amount, CaptureContextClaims, CardExpiry, CardNetwork, ContextKind, Currency, ErrorBody, FromJsonError,
    MicroformRequestError, MicroformSessionRequest, PaymentRequest, PaymentResponse, PaymentStatus,
    PaymentType, TransientTokenClaims, Value,
};

/// A well-formed stand-in for the transient token, used to check that a request's `Debug` never depends on it.
const OTHER_TOKEN: &str = "e30.e30.c2lnbmF0dXJl";

/// The `payments_parse` target: the bytes as a payment answer ([`PaymentResponse`], and [`ErrorBody`], which reads
/// a `400`), as a payment request ([`PaymentRequest`]), and as `"<amount> <currency>"` text ([`Amount::parse`]).
///
/// Oracles: an answer or error body re-serialized re-reads to an equal value (for answers, when the input has
/// no duplicate member names, whose later occurrences are ignored by design; with duplicates, serialization is a
/// fixed point after one pass); both readers of `errorInformation` agree; `into_owned` keeps the value; an
/// accepted request keeps every rule its builder checks, round-trips through its JSON, and its `Debug` does not
/// depend on the token; the strict `from_json` agrees with serde_json's reading (see `strict_agrees`); an accepted
/// amount is positive and re-reads from its minor units.
pub fn payments_parse(data: &[u8]) -> Result<(), &'static str> {
    payment_response(data)?;
    payment_request(data)?;
    amount_text(data)
}

/// The `microform_parse` target: the bytes as a Microform session request ([`MicroformSessionRequest`]), as
/// capture-context claims (Microform `mf-*` contexts among them), as transient-token claims with every accessor,
/// and, as lines of text, as a client version followed by target origins given to the request's builder.
///
/// Oracles: an accepted request keeps every rule its builder checks (against an independent plausibility check
/// of origins and versions), round-trips through its JSON and rebuilds through the builder; a refused builder
/// input is refused for the reason and at the index the error names; the strict `from_json` agrees with
/// serde_json's reading of the request (see `strict_agrees`); claims round-trip through their JSON
/// (capture contexts unless the JWK had private members, which are never serialized); `kind` and `microform` agree
/// with the `ctx` types; a token's accessors agree with its card summary and its expiry re-reads from its display.
pub fn microform_parse(data: &[u8]) -> Result<(), &'static str> {
    session_request(data)?;
    capture_context(data)?;
    transient_token(data)?;
    builder_lines(data)
}

/// `value` as JSON.
fn json<T: Serialize>(value: &T) -> Result<Vec<u8>, &'static str> {
    serde_json::to_vec(value).map_err(|_| "a parsed value does not serialize")
}

/// JSON that this module wrote, read back.
fn reread<'t, T: Deserialize<'t>>(text: &'t [u8]) -> Result<T, &'static str> {
    serde_json::from_slice(text).map_err(|_| "a serialized value does not re-read")
}

/// Whether an object anywhere in `v` names a member twice.
fn has_duplicate_members(v: &Value<'_>) -> bool {
    match v {
        Value::Object(members) => {
            members.iter().enumerate().any(|(i, (k, _))| members[..i].iter().any(|(earlier, _)| earlier == k))
                || members.iter().any(|(_, v)| has_duplicate_members(v))
        }
        Value::Array(items) => items.iter().any(has_duplicate_members),
        _ => false,
    }
}

fn payment_response(data: &[u8]) -> Result<(), &'static str> {
    let Ok(response) = serde_json::from_slice::<PaymentResponse<'_>>(data) else { return Ok(()) };
    if let Some(status) = response.status.as_deref()
        && response.status_kind().and_then(PaymentStatus::as_str).is_some_and(|wire| wire != status)
    {
        return Err("status_kind names another wire value than status");
    }
    let _ = (response.authorized_amount(), response.approval_code(), response.response_code());
    let _ = (response.error_reason(), response.error_message());
    if response.clone().into_owned() != response {
        return Err("PaymentResponse::into_owned changed the answer");
    }
    let text = json(&response)?;
    let again: PaymentResponse<'_> = reread(&text)?;
    let duplicates = serde_json::from_slice::<Value<'_>>(data).is_ok_and(|v| has_duplicate_members(&v));
    if !duplicates && again != response {
        return Err("a PaymentResponse does not re-read from its JSON");
    }
    let text_again = json(&again)?;
    let third: PaymentResponse<'_> = reread(&text_again)?;
    if text_again != text || third != again {
        return Err("PaymentResponse serialization is not a fixed point");
    }
    // A 400 answer is read by ErrorBody; both readers take `errorInformation` the same way.
    if let Ok(body) = serde_json::from_slice::<ErrorBody<'_>>(data) {
        if body.error_information != response.error_information {
            return Err("ErrorBody and PaymentResponse read errorInformation differently");
        }
        let _ = (body.shape(), body.status(), body.reason(), body.message(), body.details().count());
        let text = json(&body)?;
        let again: ErrorBody<'_> = reread(&text)?;
        if again != body {
            return Err("an ErrorBody does not re-read from its JSON");
        }
    }
    Ok(())
}

/// The strict entry point against serde_json's reading of the same bytes: what `from_json` accepts, serde_json
/// reads; where both read a value without repeated member names, the request's rules give the same result
/// (`from_json`'s value is then serde_json's); a refused duplicate member is one serde_json's value has. Other
/// JSON refusals (depth, escaped lone surrogates, a body that is not an object) are the strict reader's policy.
fn strict_agrees<T: PartialEq, E: PartialEq>(
    data: &[u8],
    strict: Result<T, FromJsonError<E>>,
    rules: impl FnOnce(&Value<'_>) -> Result<T, E>,
) -> Result<(), &'static str> {
    let Ok(value) = serde_json::from_slice::<Value<'_>>(data) else {
        return if strict.is_ok() { Err("from_json accepts what serde_json refuses") } else { Ok(()) };
    };
    let strict = match strict {
        Err(FromJsonError::Json(e)) => {
            return if e.is_duplicate_member() && !has_duplicate_members(&value) {
                Err("from_json refuses a duplicate member that serde_json does not see")
            } else {
                Ok(())
            };
        }
        Err(FromJsonError::Invalid(e)) => Err(e),
        Ok(request) => Ok(request),
    };
    if has_duplicate_members(&value) {
        return Err("from_json reads a body with a duplicate member");
    }
    if rules(&value) != strict {
        return Err("from_json and serde_json's reading give different results");
    }
    Ok(())
}

fn payment_request(data: &[u8]) -> Result<(), &'static str> {
    strict_agrees(data, PaymentRequest::from_json(data), |v| {
        PaymentRequest::from_value(v).map(PaymentRequest::into_owned)
    })?;
    let Ok(request) = serde_json::from_slice::<PaymentRequest<'static>>(data) else {
        // A refusal names a field and a reason code, whatever the body.
        if let Ok(v) = serde_json::from_slice::<Value<'_>>(data)
            && let Err(e) = PaymentRequest::from_value(&v)
        {
            let _ = (e.field(), e.reason(), e.to_string());
        }
        return Ok(());
    };
    let token = request.transient_token_jwt();
    let segments: Vec<&str> = token.split('.').collect();
    if token.len() > MAX_TRANSIENT_TOKEN_LEN
        || segments.len() != 3
        || segments
            .iter()
            .any(|s| s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    {
        return Err("an accepted request's token is not three base64url segments");
    }
    if let Some(code) = request.reference()
        && (code.is_empty() || code.chars().count() > MAX_REFERENCE_LEN || code.chars().any(char::is_control))
    {
        return Err("an accepted request's reference breaks its rule");
    }
    if let Some(country) = request.bill_to().and_then(|b| b.country.as_deref())
        && !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        return Err("an accepted request's billTo.country is not two letters");
    }
    let _ = request.capture();
    check_amount(request.amount())?;
    let text = json(&request)?;
    let again: PaymentRequest<'static> = reread(&text)?;
    if again != request {
        return Err("a PaymentRequest does not re-read from its JSON");
    }
    // `Debug` redacts the token: the same request with another token prints the same. The token is the value of
    // the last `transientTokenJwt` member; inside a JSON string a quote is escaped, so the pattern is unique.
    let text = String::from_utf8(text).map_err(|_| "serde_json wrote invalid UTF-8")?;
    let pattern = format!("\"transientTokenJwt\":\"{token}\"");
    let at = text.rfind(&pattern).ok_or("the serialized request lacks its token")?;
    let swapped =
        format!("{}\"transientTokenJwt\":\"{OTHER_TOKEN}\"{}", &text[..at], &text[at + pattern.len()..]);
    let other: PaymentRequest<'static> =
        serde_json::from_str(&swapped).map_err(|_| "the request with another token is refused")?;
    if other.transient_token_jwt() != OTHER_TOKEN || format!("{other:?}") != format!("{request:?}") {
        return Err("a PaymentRequest's Debug depends on its transient token");
    }
    Ok(())
}

/// What [`Amount::new`] promises about an accepted amount.
fn check_amount(amount: &Amount) -> Result<(), &'static str> {
    let currency = amount.currency();
    let minor = amount.minor_units();
    if minor == 0 {
        return Err("an accepted amount is zero");
    }
    let int_digits = amount.as_str().split('.').next().map_or(0, str::len);
    if int_digits > MAX_AMOUNT_INTEGER_DIGITS {
        return Err("an accepted amount has too many integer digits");
    }
    if Amount::new(amount.as_str(), currency).as_ref() != Ok(amount) {
        return Err("an amount does not re-read from its text");
    }
    if Currency::new(currency.code()) != Ok(currency) || currency.minor_units() > 3 {
        return Err("a currency does not re-read from its code");
    }
    // The amount written from its minor units (`10.5` USD is `1050`, written `10.50`) reads back the same.
    let scale = 10u64.pow(u32::from(currency.minor_units()));
    let canonical = match currency.minor_units() {
        0 => minor.to_string(),
        width => format!("{}.{:0w$}", minor / scale, minor % scale, w = usize::from(width)),
    };
    if Amount::new(&canonical, currency).map(|a| a.minor_units()) != Ok(minor) {
        return Err("an amount written from its minor units reads back differently");
    }
    Ok(())
}

fn amount_text(data: &[u8]) -> Result<(), &'static str> {
    let Ok(text) = core::str::from_utf8(data) else { return Ok(()) };
    let Some((value, code)) = text.split_once(' ') else { return Ok(()) };
    if let Ok(currency) = Currency::new(code)
        && (currency.code() != code || !Currency::known_codes().any(|c| c == code))
    {
        return Err("Currency::new accepted a code it does not know");
    }
    match Amount::parse(value, code) {
        Ok(amount) if amount.as_str() != value || amount.currency().code() != code => {
            Err("an amount does not keep its text")
        }
        Ok(amount) => check_amount(&amount),
        Err(e) => {
            let _ = e.to_string();
            Ok(())
        }
    }
}

/// An origin the documented rule allows, checked without the crate's parser: `https://` (or `http://localhost`),
/// printable ASCII, no path, query, fragment, user info, wildcard or backslash, at most [`MAX_ORIGIN_LEN`] bytes.
fn origin_is_plausible(origin: &str) -> bool {
    let (rest, https) = match (origin.strip_prefix("https://"), origin.strip_prefix("http://")) {
        (Some(rest), _) => (rest, true),
        (None, Some(rest)) => (rest, false),
        (None, None) => return false,
    };
    origin.len() <= MAX_ORIGIN_LEN
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_graphic())
        && !rest.contains(['/', '?', '#', '@', '*', '\\'])
        && (https || rest.get(..9).is_some_and(|host| host.eq_ignore_ascii_case("localhost")))
}

/// A client version of the documented form, checked without the crate's parser: `v` then dot-separated digits.
fn version_is_plausible(version: &str) -> bool {
    version.len() <= MAX_CLIENT_VERSION_LEN
        && version.strip_prefix('v').is_some_and(|rest| {
            rest.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// What a built request promises, whatever built it.
fn check_session_request(request: &MicroformSessionRequest) -> Result<(), &'static str> {
    let origins: Vec<&str> = request.target_origins().collect();
    if origins.is_empty() || origins.len() > MAX_TARGET_ORIGINS {
        return Err("a built request has no or too many target origins");
    }
    if origins.iter().any(|o| !is_valid_target_origin(o) || !origin_is_plausible(o)) {
        return Err("a built request has an implausible target origin");
    }
    if origins.iter().enumerate().any(|(i, o)| origins[..i].iter().any(|e| e.eq_ignore_ascii_case(o))) {
        return Err("a built request repeats a target origin");
    }
    if !version_is_plausible(request.client_version()) {
        return Err("a built request has an implausible client version");
    }
    let networks = request.allowed_card_networks();
    let types = request.allowed_payment_types();
    if networks.iter().enumerate().any(|(i, n)| networks[..i].contains(n))
        || types.iter().enumerate().any(|(i, t)| types[..i].contains(t))
    {
        return Err("a built request repeats a network or payment type");
    }
    Ok(())
}

fn session_request(data: &[u8]) -> Result<(), &'static str> {
    strict_agrees(data, MicroformSessionRequest::from_json(data), MicroformSessionRequest::from_value)?;
    let Ok(request) = serde_json::from_slice::<MicroformSessionRequest>(data) else {
        if let Ok(v) = serde_json::from_slice::<Value<'_>>(data)
            && let Err(e) = MicroformSessionRequest::from_value(&v)
        {
            let _ = (e.location(), e.to_string());
        }
        return Ok(());
    };
    check_session_request(&request)?;
    let text = json(&request)?;
    let again: MicroformSessionRequest = reread(&text)?;
    if again != request {
        return Err("a MicroformSessionRequest does not re-read from its JSON");
    }
    let mut builder = MicroformSessionRequest::builder()
        .client_version(request.client_version())
        .target_origins(request.target_origins())
        .card_networks(request.allowed_card_networks().iter().copied())
        .payment_types(request.allowed_payment_types().iter().copied());
    if let Some(include) = request.include_card_prefix() {
        builder = builder.include_card_prefix(include);
    }
    let rebuilt = builder.build().map_err(|_| "the builder refuses what the request holds")?;
    if rebuilt.client_version() != request.client_version()
        || !rebuilt.target_origins().eq(request.target_origins())
        || rebuilt.allowed_card_networks() != request.allowed_card_networks()
        || rebuilt.allowed_payment_types() != request.allowed_payment_types()
        || rebuilt.include_card_prefix() != request.include_card_prefix()
    {
        return Err("a rebuilt request differs");
    }
    Ok(())
}

fn capture_context(data: &[u8]) -> Result<(), &'static str> {
    let Ok(claims) = serde_json::from_slice::<CaptureContextClaims<'_>>(data) else { return Ok(()) };
    let first = claims.ctx.first().map_or(ContextKind::Unknown, |c| ContextKind::of_type(&c.type_));
    if claims.kind() != first {
        return Err("kind is not the first ctx entry's");
    }
    let microform = claims.ctx.iter().find(|c| c.type_.starts_with("mf-")).map(|c| &c.data);
    if claims.microform() != microform {
        return Err("microform is not the first mf-* ctx entry's data");
    }
    for ctx in &claims.ctx {
        if ctx.version().is_some_and(|v| !ctx.type_.ends_with(v)) {
            return Err("a ctx version is not the end of its type");
        }
    }
    let _ = (claims.tokens_url(), claims.required_fields().count(), claims.optional_fields().count());
    let _ = (claims.accepts_field("paymentInformation.card.number"), claims.lifetime_secs());
    if claims.clone().into_owned() != claims {
        return Err("CaptureContextClaims::into_owned changed the claims");
    }
    let text = json(&claims)?;
    let again: CaptureContextClaims<'_> = reread(&text)?;
    // Private JWK members are detected, never kept nor written: then only a second pass must be stable.
    if !claims.flx.jwk.has_private_members() && again != claims {
        return Err("capture-context claims do not re-read from their JSON");
    }
    let text_again = json(&again)?;
    if text_again != text {
        return Err("capture-context serialization is not a fixed point");
    }
    Ok(())
}

fn transient_token(data: &[u8]) -> Result<(), &'static str> {
    let Ok(claims) = serde_json::from_slice::<TransientTokenClaims<'_>>(data) else { return Ok(()) };
    let card = claims.card();
    if claims.masked_card_number() != card.masked_number
        || claims.bin() != card.bin
        || claims.card_type() != card.card_type
    {
        return Err("a token accessor disagrees with its card summary");
    }
    if card.card_type.is_none() && claims.detected_card_types().next().is_some() {
        return Err("detected card types but no card type");
    }
    if claims.kind() != ContextKind::of_type(&claims.type_) {
        return Err("a token's kind is not its type's");
    }
    if claims.lifetime_secs() != claims.exp.saturating_sub(claims.iat) {
        return Err("lifetime is not exp - iat");
    }
    match (claims.expiry(), card.expiration_month, card.expiration_year) {
        (Some(_), None, _) | (Some(_), _, None) => return Err("an expiry without month or year"),
        (Some(expiry), Some(month), Some(year)) => {
            if CardExpiry::parse(month, year) != Some(expiry) || !(1..=12).contains(&expiry.month) {
                return Err("an expiry that its month and year do not give");
            }
            let shown = expiry.to_string();
            let (m, y) = shown.split_once('/').ok_or("an expiry displayed without /")?;
            if expiry.year >= 1000 && CardExpiry::parse(m, y) != Some(expiry) {
                return Err("an expiry does not re-read from its display");
            }
        }
        (None, ..) => {}
    }
    if claims.clone().into_owned() != claims {
        return Err("TransientTokenClaims::into_owned changed the claims");
    }
    let text = json(&claims)?;
    let again: TransientTokenClaims<'_> = reread(&text)?;
    if again != claims {
        return Err("transient-token claims do not re-read from their JSON");
    }
    Ok(())
}

/// The builder on text: the first line a client version, the others target origins; each line also as a card
/// network, a payment type and a target origin, and the first two as an expiry.
fn builder_lines(data: &[u8]) -> Result<(), &'static str> {
    let Ok(text) = core::str::from_utf8(data) else { return Ok(()) };
    let mut lines = text.split('\n');
    let version = lines.next().unwrap_or_default();
    let origins: Vec<&str> = lines.collect();
    for line in std::iter::once(version).chain(origins.iter().copied()) {
        if CardNetwork::from_str(line).is_ok_and(|n| n.as_str() != line)
            || PaymentType::from_str(line).is_ok_and(|t| t.as_str() != line)
        {
            return Err("a wire name parses to a value with another name");
        }
        if is_valid_target_origin(line) && !origin_is_plausible(line) {
            return Err("an implausible target origin is accepted");
        }
    }
    if let Some(expiry) = origins.first().and_then(|year| CardExpiry::parse(version, year))
        && !(1..=12).contains(&expiry.month)
    {
        return Err("an expiry month outside 1-12");
    }
    let built = MicroformSessionRequest::builder()
        .client_version(version)
        .target_origins(origins.iter().copied())
        .build();
    match built {
        Ok(request) => check_session_request(&request),
        Err(MicroformRequestError::InvalidClientVersion)
            if version_is_plausible(version) && version.split('.').count() <= 3 =>
        {
            Err("a plausible client version is refused")
        }
        Err(MicroformRequestError::NoTargetOrigin) if !origins.is_empty() => {
            Err("NoTargetOrigin with origins")
        }
        Err(MicroformRequestError::TooManyTargetOrigins) if origins.len() <= MAX_TARGET_ORIGINS => {
            Err("TooManyTargetOrigins within the limit")
        }
        Err(MicroformRequestError::InvalidTargetOrigin { index })
            if origins.get(index).is_none_or(|o| is_valid_target_origin(o))
                || origins[..index].iter().any(|o| !is_valid_target_origin(o)) =>
        {
            Err("InvalidTargetOrigin names the wrong index")
        }
        Err(MicroformRequestError::DuplicateTargetOrigin { index })
            if origins
                .get(index)
                .is_none_or(|o| !origins[..index].iter().any(|e| e.eq_ignore_ascii_case(o))) =>
        {
            Err("DuplicateTargetOrigin names an origin that is not repeated")
        }
        Err(e) => {
            let _ = (e.location(), e.to_string());
            Ok(())
        }
    }
}
