//! The three endpoints, independent of hyper: a request's parts in, a [`Reply`] out.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use base64ct::{Base64, Base64UrlUnpadded, Encoding as _};
use flex_auth::{KeyStore, ReceivedRequest, UnixTime, Verifier};
use flex_jwe::TokenizePayload;
use flex_types::{
    CaptureContextClaims, Ctx, CtxData, ErrorBody, ErrorDetail, ErrorStatus, FieldPath, Flx, GatewayResponse,
    ResponseStatus, RsaJwk, SessionRequest, TransientTokenClaims, Value,
};
use serde::Deserialize;

use crate::card;
use crate::clock::Clock;
use crate::crypto::{self, CpuPool, KeyMaterial};
use crate::error::SandboxError;
use crate::faults::{Faults, JwtFault};
use crate::keys::{KeySource, SigningKeys};
use crate::state::{self, MAX_MERCHANT_ID_LEN, NotFirstUse, ReplayCache, Session, Sessions, Unusable};

/// Path of the tokens endpoint (`flx.path`).
pub(crate) const TOKENS_PATH: &str = "/flex/v2/tokens";
/// Path of the sessions endpoint.
pub(crate) const SESSIONS_PATH: &str = "/flex/v2/sessions";
/// Prefix of the public-keys endpoint.
pub(crate) const PUBLIC_KEYS_PREFIX: &str = "/flex/v2/public-keys/";

/// Longest compact JWE `POST /flex/v2/tokens` decrypts (48 KiB): the largest plaintext `flex-jwe` parses
/// ([`flex_jwe::MAX_PAYLOAD_LEN`], 32 KiB, 43 691 characters in base64url) plus the header (at most 4 096
/// characters, see `jwe_kid`), a 4096-bit encrypted key (683), the IV, the tag and the dots. Longer input is
/// refused before any decoding.
const MAX_JWE_LEN: usize = 48 * 1024;
const _: () = assert!(MAX_JWE_LEN >= flex_jwe::MAX_PAYLOAD_LEN.div_ceil(3) * 4 + 4096 + 683 + 16 + 22 + 4);
/// Largest `POST /flex/v2/tokens` body: the JWE in `{"keyId":"..."}`.
const MAX_TOKENS_BODY: usize = MAX_JWE_LEN + 64;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX: &[u8] = b"0123456789abcdef";

/// Everything the handlers share.
pub(crate) struct Shared {
    pub(crate) verifier: Verifier<KeyStore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) lifetime: i64,
    pub(crate) base_url: String,
    pub(crate) sessions: Mutex<Sessions>,
    pub(crate) jwt_replays: Mutex<ReplayCache>,
    pub(crate) signing: RwLock<SigningKeys>,
    pub(crate) keys: KeySource,
    pub(crate) faults: Faults,
    /// Runs RSA decryption and signing off the async threads, a bounded number at a time.
    pub(crate) cpu: CpuPool,
}

impl Shared {
    pub(crate) fn sessions(&self) -> std::sync::MutexGuard<'_, Sessions> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn signing(&self) -> std::sync::RwLockReadGuard<'_, SigningKeys> {
        self.signing.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn signing_mut(&self) -> std::sync::RwLockWriteGuard<'_, SigningKeys> {
        self.signing.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An answer: status, content type, body, and whether to add a `Digest` header over the body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
    pub(crate) digest: bool,
    /// The `v-c-correlation-id` header, when the body carries one.
    pub(crate) correlation_id: Option<String>,
    /// The error reason, for the log line.
    pub(crate) reason: Option<&'static str>,
}

impl Reply {
    fn jwt(status: u16, token: String, digest: bool) -> Self {
        Self {
            status,
            content_type: "application/jwt",
            body: token.into_bytes(),
            digest,
            correlation_id: None,
            reason: None,
        }
    }

    /// No body (e.g. a CORS preflight answer).
    pub(crate) fn empty(status: u16) -> Self {
        Self::json(status, Vec::new())
    }

    fn json(status: u16, body: Vec<u8>) -> Self {
        Self {
            status,
            content_type: "application/json",
            body,
            digest: false,
            correlation_id: None,
            reason: None,
        }
    }
}

fn correlation_id() -> String {
    // A UUID-shaped random id (8-4-4-4-12 hex).
    let hex = crypto::random_string(32, HEX).unwrap_or_else(|_| "0".repeat(32));
    let part = |a: usize, b: usize| hex.get(a..b).unwrap_or_default().to_owned();
    format!("{}-{}-{}-{}-{}", part(0, 8), part(8, 12), part(12, 16), part(16, 20), part(20, 32))
}

/// A Flex-shaped error: `{"responseStatus":{"status","reason","message","correlationId","details"}}`.
pub(crate) fn flex_error(
    status: u16,
    reason: &'static str,
    message: &str,
    details: Vec<(String, String)>,
) -> Reply {
    let id = correlation_id();
    let body = ErrorBody {
        response_status: Some(ResponseStatus {
            status: Some(ErrorStatus::Code(i64::from(status))),
            reason: Some(Cow::Borrowed(reason)),
            message: Some(Cow::Borrowed(message)),
            domain: None,
            correlation_id: Some(Cow::Borrowed(&id)),
            details: details
                .into_iter()
                .map(|(location, message)| ErrorDetail {
                    location: Some(Cow::Owned(location)),
                    field: None,
                    message: Some(Cow::Owned(message)),
                    reason: None,
                })
                .collect(),
        }),
        ..ErrorBody::default()
    };
    let mut reply = Reply::json(status, serde_json::to_vec(&body).unwrap_or_default());
    reply.correlation_id = Some(id);
    reply.reason = Some(reason);
    reply
}

/// The gateway's authentication failure: `401 {"response":{"rmsg":"Authentication Failed"}}`.
fn auth_failed() -> Reply {
    let body = ErrorBody {
        response: Some(GatewayResponse { rmsg: Some(Cow::Borrowed("Authentication Failed")) }),
        ..ErrorBody::default()
    };
    let mut reply = Reply::json(401, serde_json::to_vec(&body).unwrap_or_default());
    reply.reason = Some("AUTHENTICATION_FAILED");
    reply
}

fn internal_error() -> Reply {
    flex_error(500, "SYSTEM_ERROR", "Internal error.", Vec::new())
}

/// A request as received (borrowed), for the authenticated endpoint.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestParts<'a> {
    pub(crate) method: &'a str,
    pub(crate) authority: &'a str,
    pub(crate) path_and_query: &'a str,
    pub(crate) headers: &'a [(&'a str, &'a str)],
    pub(crate) body: &'a [u8],
}

/// Signs `claims` as a compact RS256 JWS with header `{"kid":..,"alg":"RS256"}`, applying a JWT fault.
fn sign_jws(
    kid: &str,
    claims_json: &[u8],
    key: &KeyMaterial,
    impostor: &KeyMaterial,
    fault: JwtFault,
) -> Result<String, SandboxError> {
    let header = format!(r#"{{"kid":"{kid}","alg":"RS256"}}"#);
    let mut token = Base64UrlUnpadded::encode_string(header.as_bytes());
    token.push('.');
    token.push_str(&Base64UrlUnpadded::encode_string(claims_json));
    let signature = match fault {
        JwtFault::Malformed => return Ok(token), // two segments: not a compact JWS
        JwtFault::None => key.sign_rs256(token.as_bytes())?,
        // Another key's signature; with a fixed test key set the "other" key may be the same one, and then
        // the signature is over other bytes. Either way it does not verify.
        JwtFault::WrongSignature if !core::ptr::eq(key, impostor) => impostor.sign_rs256(token.as_bytes())?,
        JwtFault::WrongSignature => key.sign_rs256(format!("{token}.").as_bytes())?,
    };
    token.push('.');
    token.push_str(&Base64UrlUnpadded::encode_string(&signature));
    Ok(token)
}

/// [`sign_jws`] on the CPU pool.
async fn sign_off_reactor(
    cpu: &CpuPool,
    kid: String,
    claims_json: Vec<u8>,
    key: Arc<KeyMaterial>,
    impostor: Arc<KeyMaterial>,
    fault: JwtFault,
) -> Result<String, SandboxError> {
    cpu.run(move || sign_jws(&kid, &claims_json, &key, &impostor, fault))
        .await
        .ok_or(SandboxError::Signing)?
}

/// `POST /flex/v2/sessions`.
pub(crate) async fn create_session(shared: &Shared, req: RequestParts<'_>) -> Reply {
    let now = shared.clock.now();
    let received = ReceivedRequest {
        method: req.method,
        authority: req.authority,
        path_and_query: req.path_and_query,
        headers: req.headers,
        body: req.body,
    };
    let Some(now_t) = UnixTime::from_secs(now) else { return internal_error() };
    let merchant_id = match shared.verifier.verify(&received, now_t) {
        Ok(who) => {
            if let Some(jti) = &who.jti {
                // Remembered for as long as the verifier could accept the token (exp + skew).
                let recorded = shared.jwt_replays.lock().unwrap_or_else(PoisonError::into_inner).first_use(
                    jti,
                    now,
                    who.acceptable_until,
                );
                match recorded {
                    Ok(()) => {}
                    Err(NotFirstUse::Replayed) => {
                        tracing::info!(merchant = %who.merchant_id, "sessions: authentication JWT replayed");
                        return auth_failed();
                    }
                    Err(NotFirstUse::TooLong) => {
                        tracing::info!(merchant = %who.merchant_id, "sessions: authentication JWT id too long");
                        return auth_failed();
                    }
                    Err(NotFirstUse::Full) => {
                        tracing::warn!("sessions: replay cache full of live token ids, refusing");
                        return flex_error(
                            503,
                            "SERVICE_UNAVAILABLE",
                            "Too many recent authentication tokens; try again later.",
                            Vec::new(),
                        );
                    }
                }
            }
            who.merchant_id
        }
        Err(err) => {
            tracing::info!(reason = %err, "sessions: authentication failed");
            return auth_failed();
        }
    };

    let request = match parse_session_request(req.body) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    if !shared.sessions().make_room(now) {
        tracing::warn!("sessions: store full, refusing");
        return flex_error(
            503,
            "SERVICE_UNAVAILABLE",
            "Too many live capture contexts; try again later.",
            Vec::new(),
        );
    }
    match mint(shared, &merchant_id, &request, now).await {
        Ok(Some(token)) => Reply::jwt(201, token, false),
        Ok(None) => flex_error(
            503,
            "SERVICE_UNAVAILABLE",
            "Too many live capture contexts; try again later.",
            Vec::new(),
        ),
        Err(err) => {
            tracing::error!(error = %err, "sessions: cannot mint a capture context");
            internal_error()
        }
    }
}

fn parse_session_request(body: &[u8]) -> Result<SessionRequest, Reply> {
    let bad = |location: &str, message: String| {
        flex_error(400, "VALIDATION_ERROR", "Field validation error.", vec![(location.to_owned(), message)])
    };
    let value: Value<'_> = serde_json::from_slice(body)
        .map_err(|e| bad("", format!("malformed JSON at line {}, column {}", e.line(), e.column())))?;
    let request = SessionRequest::from_value(&value).map_err(|e| bad(e.location(), e.to_string()))?;
    if request.is_empty() {
        return Err(bad("fields", "at least one field must be requested".to_owned()));
    }
    Ok(request)
}

/// Builds, signs and records a capture context; `None` when the store filled up meanwhile.
async fn mint(
    shared: &Shared,
    merchant_id: &str,
    request: &SessionRequest,
    now: i64,
) -> Result<Option<String>, SandboxError> {
    let key = shared.keys.take().await?;
    let session_kid = crypto::random_string(32, ALNUM)?;
    let jti = crypto::random_string(16, ALNUM)?;
    let data = Base64::encode_string(&crypto::random_bytes(79)?);
    let exp = now.saturating_add(shared.lifetime);
    let required: Vec<FieldPath> = request.required_paths().collect();
    let optional: Vec<FieldPath> = request.optional_paths().collect();
    let claims = CaptureContextClaims {
        flx: Flx {
            path: Cow::Borrowed(TOKENS_PATH),
            data: Cow::Owned(data),
            origin: Cow::Borrowed(&shared.base_url),
            jwk: RsaJwk::new(key.n(), key.e()).with_use("enc").with_kid(session_kid.as_str()),
        },
        ctx: vec![Ctx {
            data: CtxData {
                required_fields: required.iter().map(|p| Cow::Borrowed(p.as_str())).collect(),
                optional_fields: optional.iter().map(|p| Cow::Borrowed(p.as_str())).collect(),
                ..CtxData::default()
            },
            type_: Cow::Borrowed("api-0.1.0"),
        }],
        iss: Cow::Borrowed("Flex API"),
        exp,
        iat: now,
        jti: Cow::Borrowed(&jti),
    };
    let claims_json = serde_json::to_vec(&claims).map_err(|_| SandboxError::Signing)?;
    let signing = shared.signing().current();
    let fault = shared.faults.take_jwt_fault();
    let token = sign_off_reactor(
        &shared.cpu,
        signing.kid.clone(),
        claims_json,
        Arc::clone(&signing.key),
        Arc::clone(&key),
        fault,
    )
    .await?;
    let session = Session {
        context_digest: crypto::sha256(token.as_bytes()),
        key,
        merchant_id: state::capped(merchant_id, MAX_MERCHANT_ID_LEN),
        required,
        optional,
        exp,
        used: false,
    };
    let mut sessions = shared.sessions();
    // Re-check: other requests may have filled the store while this one waited for a key.
    if !sessions.make_room(now) {
        return Ok(None);
    }
    sessions.insert(session_kid.clone(), session);
    drop(sessions);
    tracing::info!(merchant = %merchant_id, session = %session_kid, signing_kid = %signing.kid, "sessions: capture context issued");
    Ok(Some(token))
}

/// Whether `kid` is a plausible key id: `^[A-Za-z0-9._-]{1,64}$` (as the .NET SDK validates it).
pub(crate) fn valid_kid(kid: &str) -> bool {
    (1..=64).contains(&kid.len()) && kid.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// `GET /flex/v2/public-keys/{kid}`.
pub(crate) fn public_key(shared: &Shared, kid: &str) -> Reply {
    let not_found = || flex_error(404, "NOT_FOUND", "No such key.", Vec::new());
    if !valid_kid(kid) {
        return not_found();
    }
    let Some(found) = shared.signing().find(kid) else { return not_found() };
    let mut jwk = RsaJwk::new(found.key.n(), found.key.e()).with_use("sig").with_kid(found.kid.as_str());
    jwk.alg = Some(Cow::Borrowed("RS256"));
    match serde_json::to_vec(&jwk) {
        Ok(body) => Reply::json(200, body),
        Err(_) => internal_error(),
    }
}

#[derive(Deserialize)]
struct TokensRequest<'a> {
    #[serde(rename = "keyId", borrow)]
    key_id: Cow<'a, str>,
}

#[derive(Deserialize)]
struct JweHeader {
    kid: String,
}

fn decrypt_failed() -> Reply {
    flex_error(400, "DECRYPTION_FAILED", "The encrypted payload could not be decrypted.", Vec::new())
}

fn field_error(location: &str, message: &str) -> Reply {
    let location: String = location.chars().take(128).collect();
    flex_error(400, "VALIDATION_ERROR", "Field validation error.", vec![(location, message.to_owned())])
}

fn unusable(why: Unusable) -> Reply {
    match why {
        Unusable::Unknown => decrypt_failed(),
        Unusable::Expired => {
            flex_error(400, "CAPTURE_CONTEXT_EXPIRED", "The capture context has expired.", Vec::new())
        }
        Unusable::Used => {
            flex_error(400, "CAPTURE_CONTEXT_USED", "The capture context has already been used.", Vec::new())
        }
    }
}

/// `POST /flex/v2/tokens` with `{"keyId":"<JWE>"}` (or the bare compact JWE).
///
/// Cheap checks come first: the body and JWE sizes, then the session named by the JWE header's `kid` (known,
/// unexpired, unused). Only then is the JWE decrypted, on the CPU pool; the payload parse is bounded and linear
/// (`flex-jwe`'s limits).
pub(crate) async fn tokenize(shared: &Shared, body: &[u8]) -> Reply {
    let now = shared.clock.now();
    if body.len() > MAX_TOKENS_BODY {
        return flex_error(413, "PAYLOAD_TOO_LARGE", "The request body is too large.", Vec::new());
    }
    let jwe: Cow<'_, str> = match serde_json::from_slice::<TokensRequest<'_>>(body) {
        Ok(req) => req.key_id,
        Err(_) => match std::str::from_utf8(body) {
            Ok(s) if s.trim().starts_with("eyJ") => Cow::Borrowed(s.trim()),
            _ => {
                return flex_error(
                    400,
                    "VALIDATION_ERROR",
                    "Field validation error.",
                    vec![("keyId".to_owned(), "expected {\"keyId\":\"<compact JWE>\"}".to_owned())],
                );
            }
        },
    };

    // Every failure up to a decrypted plaintext gives the same answer (no oracle on which part was wrong).
    if jwe.len() > MAX_JWE_LEN {
        return decrypt_failed();
    }
    let Some(kid) = jwe_kid(&jwe) else { return decrypt_failed() };
    // The session's state is known from the kid alone: an expired or used context is answered so before any
    // decryption. The answer depends only on the kid and the time, never on the ciphertext.
    let (key, digest) = {
        let mut sessions = shared.sessions();
        match sessions.check(&kid, now, false) {
            Ok(()) => {}
            Err(why) => return unusable(why),
        }
        match sessions.get(&kid) {
            Some(s) => (Arc::clone(&s.key), s.context_digest),
            None => return decrypt_failed(),
        }
    };
    let jwe = jwe.into_owned();
    let decrypted =
        shared.cpu.run(move || key.decryption().decrypt(&jwe).map(|plaintext| (plaintext, key))).await;
    let (plaintext, key) = match decrypted {
        Some(Ok(done)) => done,
        Some(Err(_)) => return decrypt_failed(),
        None => return internal_error(),
    };
    let payload = match TokenizePayload::from_json(&plaintext) {
        Ok(payload) => payload,
        Err(err) => {
            tracing::info!(why = payload_refusal(&err), "tokens: the decrypted payload is refused");
            return flex_error(
                400,
                "VALIDATION_ERROR",
                "The decrypted payload is not a tokenization request.",
                Vec::new(),
            );
        }
    };
    if !crypto::ct_eq(&crypto::sha256(payload.context.as_bytes()), &digest) {
        return flex_error(
            400,
            "CAPTURE_CONTEXT_INVALID",
            "The capture context was not issued for this key.",
            Vec::new(),
        );
    }
    let (required, optional, merchant) = {
        let mut sessions = shared.sessions();
        // Again: other requests ran while this one waited for its decryption.
        if let Err(why) = sessions.check(&kid, now, false) {
            return unusable(why);
        }
        match sessions.get(&kid) {
            Some(s) => (s.required.clone(), s.optional.clone(), s.merchant_id.clone()),
            None => return decrypt_failed(),
        }
    };

    let fields = payload.data.fields();
    for path in &required {
        match payload.data.get(path.as_str()) {
            Some(v) if !v.expose().is_empty() => {}
            _ => return field_error(path.as_str(), "required field missing"),
        }
    }
    for (path, _) in &fields {
        if !required.iter().chain(&optional).any(|p| p.as_str() == path.as_ref()) {
            return field_error(path, "field not requested by the capture context");
        }
    }
    let get = |p: FieldPath| payload.data.get(p.as_str()).map(|v| v.expose());
    let checks = [
        CardCheck { path: FieldPath::CardNumber, ok: card::valid_number, message: "invalid card number" },
        CardCheck {
            path: FieldPath::CardExpirationMonth,
            ok: card::valid_month,
            message: "invalid expiration month",
        },
        CardCheck {
            path: FieldPath::CardExpirationYear,
            ok: card::valid_year,
            message: "invalid expiration year",
        },
        CardCheck {
            path: FieldPath::CardSecurityCode,
            ok: card::valid_security_code,
            message: "invalid security code",
        },
        CardCheck { path: FieldPath::CardType, ok: card::valid_type, message: "invalid card type" },
    ];
    for check in checks {
        if get(check.path).is_some_and(|v| !(check.ok)(v)) {
            return field_error(check.path.as_str(), check.message);
        }
    }

    // Consume the session (a concurrent replay may have won the race since the check above).
    if let Err(why) = shared.sessions().check(&kid, now, true) {
        return unusable(why);
    }
    let mut data: Vec<(Cow<'_, str>, Value<'_>)> = Vec::new();
    if let Some(number) = get(FieldPath::CardNumber) {
        data.push((Cow::Borrowed("number"), Value::String(Cow::Owned(card::mask(number)))));
    }
    let card_type =
        get(FieldPath::CardType).or_else(|| get(FieldPath::CardNumber).and_then(card::detect_type));
    if let Some(t) = card_type {
        data.push((Cow::Borrowed("type"), Value::from(t)));
    }
    for (path, name) in [
        (FieldPath::CardExpirationMonth, "expirationMonth"),
        (FieldPath::CardExpirationYear, "expirationYear"),
    ] {
        if let Some(v) = get(path) {
            data.push((Cow::Borrowed(name), Value::from(v)));
        }
    }
    let jti = match crypto::random_string(64, UPPER_ALNUM) {
        Ok(j) => j,
        Err(_) => return internal_error(),
    };
    let mut claims = TransientTokenClaims::new(
        "Flex/08",
        now,
        now.saturating_add(shared.lifetime),
        jti.as_str(),
        "api-0.1.0",
    );
    claims.data = Some(Value::Object(data));
    let Ok(claims_json) = serde_json::to_vec(&claims) else { return internal_error() };
    let impostor = shared.signing().current().key;
    let fault = shared.faults.take_jwt_fault();
    match sign_off_reactor(&shared.cpu, kid.clone(), claims_json, key, impostor, fault).await {
        Ok(token) => {
            tracing::info!(merchant = %merchant, session = %kid, "tokens: transient token issued");
            Reply::jwt(201, token, true)
        }
        Err(err) => {
            tracing::error!(error = %err, "tokens: cannot sign the transient token");
            internal_error()
        }
    }
}

/// Which rule a refused payload broke, for the log (the error itself may hold a field name of any length).
fn payload_refusal(err: &flex_jwe::PayloadError) -> &'static str {
    use flex_jwe::PayloadError as E;
    match err {
        E::TooLarge { .. } => "payload too large",
        E::TooManyFields { .. } => "too many fields",
        E::TooDeep { .. } => "field path too deep",
        E::InvalidPath { .. } | E::DuplicatePath { .. } | E::PathConflict { .. } => "invalid field paths",
        _ => "malformed JSON",
    }
}

/// A format check on one card field.
struct CardCheck {
    path: FieldPath,
    ok: fn(&str) -> bool,
    message: &'static str,
}

/// The `kid` of a compact JWE's protected header, if it parses.
fn jwe_kid(jwe: &str) -> Option<String> {
    let header_b64 = jwe.split('.').next()?;
    if header_b64.len() > 4096 {
        return None;
    }
    let header = Base64UrlUnpadded::decode_vec(header_b64).ok()?;
    let parsed: JweHeader = serde_json::from_slice(&header).ok()?;
    valid_kid(&parsed.kid).then_some(parsed.kid)
}

/// The `Digest` response header value for `body`: `SHA-256=<base64>`.
pub(crate) fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", Base64::encode_string(&crypto::sha256(body)))
}
