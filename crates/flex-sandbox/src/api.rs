//! The three endpoints, independent of hyper: a request's parts in, a [`Reply`] out.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use base64ct::{Base64, Base64UrlUnpadded, Encoding as _};
use flex_auth::{KeyStore, ReceivedRequest, UnixTime, Verifier};
use flex_jwe::TokenizePayload;
use flex_types::{
    CaptureContextClaims, CardNetwork, Ctx, CtxData, ErrorBody, ErrorDetail, ErrorStatus, FieldPath, Flx,
    FromJsonError, GatewayResponse, MicroformSessionRequest, PaymentType, ResponseStatus, RsaJwk,
    SessionRequest, TransientTokenClaims, Value,
};

use crate::card;
use crate::clock::Clock;
use crate::crypto::{self, CpuBusy, CpuPool, KeyMaterial, Lane};
use crate::error::SandboxError;
use crate::faults::{Faults, JwtFault};
use crate::keys::{KeySource, SigningKeys};
use crate::state::{
    self, IssuedToken, IssuedTokens, MAX_MERCHANT_ID_LEN, MicroformSession, NotFirstUse, Payments,
    ReplayCache, Session, Sessions, Unusable,
};

/// Path of the tokens endpoint (`flx.path`).
pub(crate) const TOKENS_PATH: &str = "/flex/v2/tokens";
/// Path of the sessions endpoint.
pub(crate) const SESSIONS_PATH: &str = "/flex/v2/sessions";
/// Path of the Microform sessions endpoint.
pub(crate) const MICROFORM_SESSIONS_PATH: &str = "/microform/v2/sessions";
/// Prefix of the public-keys endpoint.
pub(crate) const PUBLIC_KEYS_PREFIX: &str = "/flex/v2/public-keys/";

/// Longest compact JWE `POST /flex/v2/tokens` decrypts (48 KiB): the largest plaintext `flex-jwe` parses
/// ([`flex_jwe::MAX_PAYLOAD_LEN`], 32 KiB, 43 691 characters in base64url) plus the header (at most 4 096
/// characters, see `jwe_kid`), a 4096-bit encrypted key (683), the IV, the tag and the dots. Longer input is
/// refused before any decoding.
const MAX_JWE_LEN: usize = 48 * 1024;
const _: () = assert!(MAX_JWE_LEN >= flex_jwe::MAX_PAYLOAD_LEN.div_ceil(3) * 4 + 4096 + 683 + 16 + 22 + 4);
/// Largest `POST /flex/v2/tokens` body: the JWE in `{"keyId":"..."}`.
pub(crate) const MAX_TOKENS_BODY: usize = MAX_JWE_LEN + 64;
/// Longest field location, and message, echoed in a validation error: an unknown member's name may be of any
/// length (up to the body limit), and is cut at this many characters.
const MAX_ECHOED_LOCATION: usize = 128;
const MAX_ECHOED_MESSAGE: usize = 256;

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
    /// The transient tokens issued and not yet expired (what `POST /pts/v2/payments` accepts).
    pub(crate) issued_tokens: Mutex<IssuedTokens>,
    /// The answers of `POST /pts/v2/payments`, for `GET /pts/v2/payments/{id}`.
    pub(crate) payments: Mutex<Payments>,
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

    pub(crate) fn issued_tokens(&self) -> std::sync::MutexGuard<'_, IssuedTokens> {
        self.issued_tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn payments(&self) -> std::sync::MutexGuard<'_, Payments> {
        self.payments.lock().unwrap_or_else(PoisonError::into_inner)
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

    pub(crate) fn json(status: u16, body: Vec<u8>) -> Self {
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

pub(crate) fn internal_error() -> Reply {
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

/// Authenticates a request (HTTP Signature or JWT) against the configured merchants and records a JWT's `jti`
/// against replay; the merchant id, or the answer to give. `what` names the endpoint in the log.
pub(crate) fn authenticate(
    shared: &Shared,
    req: &RequestParts<'_>,
    now: i64,
    what: &'static str,
) -> Result<String, Reply> {
    let who = verify_only(shared, req, now, what)?;
    record_jti(shared, &who, now, what)?;
    Ok(who.merchant_id)
}

/// Authenticates a request without recording its JWT `jti` (see [`record_jti`]).
fn verify_only(
    shared: &Shared,
    req: &RequestParts<'_>,
    now: i64,
    what: &'static str,
) -> Result<flex_auth::Authenticated, Reply> {
    let received = ReceivedRequest {
        method: req.method,
        authority: req.authority,
        path_and_query: req.path_and_query,
        headers: req.headers,
        body: req.body,
    };
    let Some(now_t) = UnixTime::from_secs(now) else { return Err(internal_error()) };
    shared.verifier.verify(&received, now_t).map_err(|err| {
        tracing::info!(reason = %err, endpoint = what, "authentication failed");
        auth_failed()
    })
}

/// Records an authenticated request's JWT `jti` against replay (nothing for HTTP Signature, which has no
/// nonce), in its signing key's share of the cache. The sessions endpoints call it once the body has passed
/// validation: a refused request changes nothing, so replaying it gains nothing, and it costs no place.
fn record_jti(
    shared: &Shared,
    who: &flex_auth::Authenticated,
    now: i64,
    what: &'static str,
) -> Result<(), Reply> {
    let Some(jti) = &who.jti else { return Ok(()) };
    // Remembered for as long as the verifier could accept the token (exp + skew).
    let recorded = shared.jwt_replays.lock().unwrap_or_else(PoisonError::into_inner).first_use(
        &who.key_id,
        jti,
        now,
        who.acceptable_until,
    );
    match recorded {
        Ok(()) => Ok(()),
        Err(NotFirstUse::Replayed) => {
            tracing::info!(merchant = %who.merchant_id, endpoint = what, "authentication JWT replayed");
            Err(auth_failed())
        }
        Err(NotFirstUse::TooLong) => {
            tracing::info!(merchant = %who.merchant_id, endpoint = what, "authentication JWT id too long");
            Err(auth_failed())
        }
        Err(NotFirstUse::Full) => {
            tracing::warn!(
                endpoint = what,
                "replay cache (or this key's half) full of live token ids, refusing"
            );
            Err(flex_error(
                503,
                "SERVICE_UNAVAILABLE",
                "Too many recent authentication tokens; try again later.",
                Vec::new(),
            ))
        }
    }
}

/// What kind of capture context to mint, with what it needs.
pub(crate) enum ContextSpec {
    /// `POST /flex/v2/sessions`: the requested fields.
    FlexApi(SessionRequest),
    /// `POST /microform/v2/sessions`.
    Microform(MicroformSessionRequest),
}

/// `POST /flex/v2/sessions`.
pub(crate) async fn create_session(shared: &Shared, req: RequestParts<'_>) -> Reply {
    let now = shared.clock.now();
    let who = match verify_only(shared, &req, now, "sessions") {
        Ok(who) => who,
        Err(reply) => return reply,
    };
    let request = match parse_session_request(req.body) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    if let Err(reply) = record_jti(shared, &who, now, "sessions") {
        return reply;
    }
    issue_context(shared, &who.merchant_id, ContextSpec::FlexApi(request), now).await
}

/// `POST /microform/v2/sessions`: the same authentication, keys and store as `/flex/v2/sessions`, a Microform
/// (`mf-2.0.0`) context.
pub(crate) async fn create_microform_session(shared: &Shared, req: RequestParts<'_>) -> Reply {
    let now = shared.clock.now();
    let who = match verify_only(shared, &req, now, "microform sessions") {
        Ok(who) => who,
        Err(reply) => return reply,
    };
    let bad = |location: String, message: String| {
        let location = location.chars().take(MAX_ECHOED_LOCATION).collect();
        let message = message.chars().take(MAX_ECHOED_MESSAGE).collect();
        flex_error(400, "VALIDATION_ERROR", "Field validation error.", vec![(location, message)])
    };
    // Strict JSON (a repeated member name at any depth is refused with its position), then the request's rules.
    let request = match MicroformSessionRequest::from_json(req.body) {
        Ok(r) => r,
        Err(FromJsonError::Invalid(e)) => return bad(e.location(), e.to_string()),
        Err(e) => return bad(String::new(), e.to_string()),
    };
    if let Err(reply) = record_jti(shared, &who, now, "microform sessions") {
        return reply;
    }
    issue_context(shared, &who.merchant_id, ContextSpec::Microform(request), now).await
}

async fn issue_context(shared: &Shared, merchant_id: &str, spec: ContextSpec, now: i64) -> Reply {
    let full = || {
        flex_error(503, "SERVICE_UNAVAILABLE", "Too many live capture contexts; try again later.", Vec::new())
    };
    if !shared.sessions().make_room(now) {
        tracing::warn!("sessions: store full, refusing");
        return full();
    }
    if shared.cpu.is_full(Lane::Contexts) {
        tracing::warn!("sessions: CPU queue full, refusing");
        return busy();
    }
    match mint(shared, merchant_id, &spec, now).await {
        Ok(Some(token)) => Reply::jwt(201, token, false),
        Ok(None) => full(),
        Err(err) => {
            tracing::error!(error = %err, "sessions: cannot mint a capture context");
            internal_error()
        }
    }
}

/// Where the sandbox says the Microform library is. It does not serve it (a `404`): a page cannot run the
/// hosted fields against the sandbox, only the server-side steps.
const MICROFORM_LIBRARY_PATH: &str = "/microform/bundle/v2.0/flex-microform.min.js";
/// The networks a Microform context accepts when the request names none.
const DEFAULT_NETWORKS: [CardNetwork; 6] = [
    CardNetwork::Visa,
    CardNetwork::Mastercard,
    CardNetwork::Amex,
    CardNetwork::Discover,
    CardNetwork::DinersClub,
    CardNetwork::Jcb,
];

/// `503`: the CPU queue for this work is full.
fn busy() -> Reply {
    flex_error(
        503,
        "SERVICE_UNAVAILABLE",
        "Too many requests waiting for the CPU; try again later.",
        Vec::new(),
    )
}

fn parse_session_request(body: &[u8]) -> Result<SessionRequest, Reply> {
    let bad = |location: &str, message: String| {
        let location = location.chars().take(MAX_ECHOED_LOCATION).collect();
        let message = message.chars().take(MAX_ECHOED_MESSAGE).collect();
        flex_error(400, "VALIDATION_ERROR", "Field validation error.", vec![(location, message)])
    };
    // Strict JSON (a repeated member name at any depth is refused with its position), then the request's rules.
    let request = SessionRequest::from_json(body).map_err(|e| match e {
        FromJsonError::Invalid(e) => bad(e.location(), e.to_string()),
        e => bad("", e.to_string()),
    })?;
    if request.is_empty() {
        return Err(bad("fields", "at least one field must be requested".to_owned()));
    }
    Ok(request)
}

/// Builds, signs and records a capture context; `None` when the store filled up meanwhile.
async fn mint(
    shared: &Shared,
    merchant_id: &str,
    spec: &ContextSpec,
    now: i64,
) -> Result<Option<String>, SandboxError> {
    let key = shared.keys.take().await?;
    let session_kid = crypto::random_string(32, ALNUM)?;
    let jti = crypto::random_string(16, ALNUM)?;
    let data = Base64::encode_string(&crypto::random_bytes(79)?);
    let exp = now.saturating_add(shared.lifetime);
    let (required, optional, microform, ctx) = match spec {
        ContextSpec::FlexApi(request) => {
            let required: Vec<FieldPath> = request.required_paths().collect();
            let optional: Vec<FieldPath> = request.optional_paths().collect();
            let ctx = Ctx {
                data: CtxData {
                    required_fields: required.iter().map(|p| Cow::Borrowed(p.as_str())).collect(),
                    optional_fields: optional.iter().map(|p| Cow::Borrowed(p.as_str())).collect(),
                    ..CtxData::default()
                },
                type_: Cow::Borrowed("api-0.1.0"),
            };
            (required, optional, None, ctx)
        }
        ContextSpec::Microform(request) => {
            let networks: Vec<CardNetwork> = if request.allowed_card_networks().is_empty() {
                DEFAULT_NETWORKS.to_vec()
            } else {
                request.allowed_card_networks().to_vec()
            };
            let types: Vec<&'static str> = if request.allowed_payment_types().is_empty() {
                vec![PaymentType::Card.as_str()]
            } else {
                request.allowed_payment_types().iter().map(|t| t.as_str()).collect()
            };
            let bin_digits = match request.include_card_prefix() {
                None => 6,
                Some(true) => 8,
                Some(false) => 0,
            };
            let library = format!("{}{MICROFORM_LIBRARY_PATH}", shared.base_url);
            let ctx = Ctx {
                data: CtxData {
                    // SRI of the empty body the sandbox would serve: a well-formed value, checked by nobody.
                    client_library_integrity: Some(Cow::Owned(format!(
                        "sha256-{}",
                        Base64::encode_string(&crypto::sha256(b""))
                    ))),
                    client_library: Some(Cow::Owned(library)),
                    target_origins: request.target_origins().map(|o| Cow::Owned(o.to_owned())).collect(),
                    mf_origin: Some(Cow::Borrowed(&shared.base_url)),
                    allowed_card_networks: networks.iter().map(|n| Cow::Borrowed(n.as_str())).collect(),
                    allowed_payment_types: types.iter().map(|t| Cow::Borrowed(*t)).collect(),
                    ..CtxData::default()
                },
                type_: Cow::Borrowed("mf-2.0.0"),
            };
            // The hosted fields capture the number and the security code; the page adds the expiry.
            let required = vec![FieldPath::CardNumber];
            let optional = vec![
                FieldPath::CardSecurityCode,
                FieldPath::CardExpirationMonth,
                FieldPath::CardExpirationYear,
                FieldPath::CardType,
            ];
            let session =
                MicroformSession { bin_digits, networks: networks.iter().map(|n| n.as_str()).collect() };
            (required, optional, Some(session), ctx)
        }
    };
    let claims = CaptureContextClaims {
        flx: Flx {
            path: Cow::Borrowed(TOKENS_PATH),
            data: Cow::Owned(data),
            origin: Cow::Borrowed(&shared.base_url),
            jwk: RsaJwk::new(key.n(), key.e()).with_use("enc").with_kid(session_kid.as_str()),
        },
        ctx: vec![ctx],
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
        failed_decryptions: 0,
        microform,
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
/// unexpired, unused). Only then is the JWE decrypted, on the CPU pool's tokens queue (`503` when it is full;
/// the session is checked again once a core is free); the payload parse is bounded and linear (`flex-jwe`'s
/// limits). A context whose JWEs failed to decrypt [`state::MAX_FAILED_DECRYPTIONS`] times is retired, and
/// answered `CAPTURE_CONTEXT_USED` from then on. The final checks and the token's `iat`/`exp` use the time
/// taken after the decryption.
pub(crate) async fn tokenize(shared: &Shared, body: &[u8]) -> Reply {
    let now = shared.clock.now();
    if body.len() > MAX_TOKENS_BODY {
        return flex_error(413, "PAYLOAD_TOO_LARGE", "The request body is too large.", Vec::new());
    }
    // `{"keyId":"<JWE>"}`, read by the strict JSON reader.
    let key_id = Value::from_json(body).ok().and_then(|v| match v.get("keyId") {
        Some(Value::String(jwe)) => Some(jwe.clone()),
        _ => None,
    });
    let jwe: Cow<'_, str> = match key_id {
        Some(jwe) => jwe,
        None => match std::str::from_utf8(body) {
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
    let permit = match shared.cpu.reserve(Lane::Tokens).await {
        Ok(permit) => permit,
        Err(CpuBusy) => {
            tracing::warn!("tokens: CPU queue full, refusing");
            return busy();
        }
    };
    // The wait may have been long: the context may have expired, been used or retired meanwhile.
    if let Err(why) = shared.sessions().check(&kid, shared.clock.now(), false) {
        return unusable(why);
    }
    let decrypted =
        permit.run(move || key.decryption().decrypt(&jwe).map(|plaintext| (plaintext, key))).await;
    let (plaintext, key) = match decrypted {
        Some(Ok(done)) => done,
        Some(Err(_)) => {
            if shared.sessions().record_failed_decryption(&kid) {
                tracing::info!(session = %kid, "tokens: capture context retired after repeated decryption failures");
            }
            return decrypt_failed();
        }
        None => return internal_error(),
    };
    // Time again, after the queue and the decryption: the final checks and the token's `iat`/`exp` use it.
    let now = shared.clock.now();
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
    let (required, optional, merchant, microform) = {
        let mut sessions = shared.sessions();
        // Again: other requests ran while this one waited for its decryption.
        if let Err(why) = sessions.check(&kid, now, false) {
            return unusable(why);
        }
        match sessions.get(&kid) {
            Some(s) => (s.required.clone(), s.optional.clone(), s.merchant_id.clone(), s.microform.clone()),
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
    let number = get(FieldPath::CardNumber);
    let detected = number.and_then(card::detect_type);
    let card_type = get(FieldPath::CardType).or(detected);
    if let Some(mf) = &microform {
        // The network comes from the number: a declared type that contradicts it is refused, and so is a
        // recognised network (detected or declared) the context does not accept. An unrecognised number with no
        // recognised declared type is let through.
        let declared = get(FieldPath::CardType);
        if detected.is_some() && declared.is_some_and(|d| Some(d) != detected) {
            return field_error(FieldPath::CardType.as_str(), "card type does not match the card number");
        }
        let mut networks = [detected, declared].into_iter().flatten().filter_map(card::network_of_type);
        if networks.any(|n| !mf.networks.contains(&n)) {
            return field_error(
                FieldPath::CardNumber.as_str(),
                "card network not accepted by the capture context",
            );
        }
    }
    let rule = number.map_or(card::PaymentRule::Approve, card::payment_rule);

    let jti = match crypto::random_string(64, UPPER_ALNUM) {
        Ok(j) => j,
        Err(_) => return internal_error(),
    };
    let exp = now.saturating_add(shared.lifetime);
    // Room for the token before the context is consumed: a full store must not cost the caller its context.
    if !shared.issued_tokens().make_room(now) {
        tracing::warn!("tokens: store of issued transient tokens full, refusing");
        return flex_error(
            503,
            "SERVICE_UNAVAILABLE",
            "Too many live transient tokens; try again later.",
            Vec::new(),
        );
    }
    // Consume the session (a concurrent replay may have won the race since the check above).
    if let Err(why) = shared.sessions().check(&kid, now, true) {
        return unusable(why);
    }
    let claims = match &microform {
        None => {
            let mut data: Vec<(Cow<'_, str>, Value<'_>)> = Vec::new();
            if let Some(number) = number {
                data.push((Cow::Borrowed("number"), Value::String(Cow::Owned(card::mask(number)))));
            }
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
            let mut claims = TransientTokenClaims::new("Flex/08", now, exp, jti.as_str(), "api-0.1.0");
            claims.data = Some(Value::Object(data));
            claims
        }
        Some(mf) => {
            let mut claims = TransientTokenClaims::new("Flex/08", now, exp, jti.as_str(), "mf-2.0.0");
            claims.content = Some(microform_content(mf, number, card_type, &get));
            claims
        }
    };
    let Ok(claims_json) = serde_json::to_vec(&claims) else { return internal_error() };
    let impostor = shared.signing().current().key;
    let fault = shared.faults.take_jwt_fault();
    let signing_key = Arc::clone(&key);
    match sign_off_reactor(&shared.cpu, kid.clone(), claims_json, signing_key, impostor, fault).await {
        Ok(token) => {
            let mut tokens = shared.issued_tokens();
            // Checked above; a concurrent request may have taken the last place since. The token is then
            // still issued, but cannot pay: rare, and a payment refused is the safe side.
            if tokens.make_room(now) {
                tokens.insert(
                    jti,
                    IssuedToken {
                        kid: kid.clone(),
                        key,
                        merchant_id: merchant.clone(),
                        exp,
                        used: false,
                        rule,
                    },
                );
            }
            drop(tokens);
            tracing::info!(merchant = %merchant, session = %kid, "tokens: transient token issued");
            Reply::jwt(201, token, true)
        }
        Err(err) => {
            tracing::error!(error = %err, "tokens: cannot sign the transient token");
            internal_error()
        }
    }
}

/// Microform v2's `content`: `paymentInformation.card` with `number{detectedCardTypes, maskedValue, bin}`,
/// `expirationMonth{value}`, `expirationYear{value}` and `securityCode{}` (captured, never revealed).
fn microform_content<'v>(
    mf: &MicroformSession,
    number: Option<&'v str>,
    card_type: Option<&'v str>,
    get: &dyn Fn(FieldPath) -> Option<&'v str>,
) -> Value<'v> {
    let mut card: Vec<(Cow<'v, str>, Value<'v>)> = Vec::new();
    if let Some(number) = number {
        let mut n: Vec<(Cow<'v, str>, Value<'v>)> = Vec::new();
        if let Some(t) = card_type {
            n.push((Cow::Borrowed("detectedCardTypes"), Value::Array(vec![Value::from(t)])));
        }
        n.push((Cow::Borrowed("maskedValue"), Value::String(Cow::Owned(card::mask_all_but_last4(number)))));
        if let Some(bin) = number.get(..mf.bin_digits).filter(|b| !b.is_empty()) {
            n.push((Cow::Borrowed("bin"), Value::from(bin)));
        }
        card.push((Cow::Borrowed("number"), Value::Object(n)));
    }
    for (path, name) in [
        (FieldPath::CardExpirationMonth, "expirationMonth"),
        (FieldPath::CardExpirationYear, "expirationYear"),
    ] {
        if let Some(v) = get(path) {
            card.push((Cow::Borrowed(name), Value::Object(vec![(Cow::Borrowed("value"), Value::from(v))])));
        }
    }
    if get(FieldPath::CardSecurityCode).is_some() {
        card.push((Cow::Borrowed("securityCode"), Value::Object(Vec::new())));
    }
    let card = Value::Object(vec![(Cow::Borrowed("card"), Value::Object(card))]);
    Value::Object(vec![(Cow::Borrowed("paymentInformation"), card)])
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
    let parsed = Value::from_json(&header).ok()?;
    let kid = parsed.get("kid")?.as_str()?;
    valid_kid(kid).then(|| kid.to_owned())
}

/// The `Digest` response header value for `body`: `SHA-256=<base64>`.
pub(crate) fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", Base64::encode_string(&crypto::sha256(body)))
}
