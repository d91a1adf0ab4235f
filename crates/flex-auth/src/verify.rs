//! Verifying received requests (both schemes), for the offline sandbox.

use core::fmt;
use core::ops::Deref;
use core::time::Duration;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use base64ct::{Base64, Encoding as _};
use serde::Deserialize;

use crate::canonical::{Base64Sha256, DIGEST_PREFIX, SigningString, TargetForm};
use crate::crypto::{self, SHA256_LEN};
use crate::error::{CredentialError, VerifyError};
use crate::jws;
use flex_jose::b64;
use flex_jwt::{Algorithm, RsaPublicKey};

use crate::keys::{SharedSecret, check_identifier};
use crate::sign::{check_authority, check_method, check_path_and_query, method_has_digest};
use crate::signature_header;
use crate::time::UnixTime;

/// The key a verifier checks a signature with.
#[non_exhaustive]
#[derive(Debug)]
pub enum VerifyingKey {
    /// HTTP Signature and JWT `HS256`.
    SharedSecret(SharedSecret),
    /// JWT `RS256`.
    Rsa(RsaPublicKey),
}

/// A key registered with the verifier: its owner and the merchants it may act for.
///
/// The owner is the identity that is signed: a merchant id, or for a portfolio meta key the portfolio id
/// (then [`meta_key_for`](Self::meta_key_for) lists the transacting merchants).
#[derive(Debug)]
pub struct RegisteredKey {
    owner_id: String,
    key: VerifyingKey,
    meta_key_merchants: Option<Vec<String>>,
}

impl RegisteredKey {
    /// A merchant's own key.
    pub fn new(owner_id: &str, key: VerifyingKey) -> Result<Self, CredentialError> {
        check_identifier(owner_id)?;
        Ok(Self { owner_id: owner_id.to_owned(), key, meta_key_merchants: None })
    }

    /// Makes this a portfolio meta key (the owner is the portfolio id) usable for these merchants.
    pub fn meta_key_for<'m>(
        mut self,
        merchants: impl IntoIterator<Item = &'m str>,
    ) -> Result<Self, CredentialError> {
        let list = merchants
            .into_iter()
            .map(|m| check_identifier(m).map(|()| m.to_owned()))
            .collect::<Result<Vec<_>, _>>()?;
        self.meta_key_merchants = Some(list);
        Ok(self)
    }

    /// The owner (merchant id, or portfolio id for a meta key).
    pub fn owner_id(&self) -> &str {
        &self.owner_id
    }

    /// The portfolio id (the owner), when this is a meta key.
    fn portfolio_id(&self) -> Option<&str> {
        self.meta_key_merchants.is_some().then_some(self.owner_id.as_str())
    }

    /// Whether this key may authenticate requests for `merchant_id`.
    fn may_act_for(&self, merchant_id: &str) -> bool {
        match &self.meta_key_merchants {
            None => merchant_id == self.owner_id,
            Some(list) => list.iter().any(|m| m == merchant_id),
        }
    }
}

/// Finds the registered key for a key id (`keyid` / JWT `kid`), e.g. across several merchants.
///
/// Implemented by [`KeyStore`] and by any `Fn(&str) -> Option<Arc<RegisteredKey>>` closure (which suits a
/// store behind a lock).
pub trait CredentialLookup {
    /// A borrowed or shared handle on the key.
    type Key<'a>: Deref<Target = RegisteredKey>
    where
        Self: 'a;

    /// The key registered under `key_id`, if any. `key_id` is attacker-controlled: treat it as an opaque
    /// lookup string (never as a path or a query).
    fn lookup(&self, key_id: &str) -> Option<Self::Key<'_>>;
}

impl<F> CredentialLookup for F
where
    F: Fn(&str) -> Option<Arc<RegisteredKey>>,
{
    type Key<'a>
        = Arc<RegisteredKey>
    where
        Self: 'a;

    fn lookup(&self, key_id: &str) -> Option<Arc<RegisteredKey>> {
        self(key_id)
    }
}

/// An in-memory map from key id to [`RegisteredKey`].
#[derive(Debug, Default)]
pub struct KeyStore {
    keys: HashMap<String, RegisteredKey>,
}

impl KeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `key` under `key_id`, replacing any previous key with that id.
    pub fn insert(&mut self, key_id: &str, key: RegisteredKey) -> Result<(), CredentialError> {
        check_identifier(key_id)?;
        self.keys.insert(key_id.to_owned(), key);
        Ok(())
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl CredentialLookup for KeyStore {
    type Key<'a> = &'a RegisteredKey;

    fn lookup(&self, key_id: &str) -> Option<&RegisteredKey> {
        self.keys.get(key_id)
    }
}

/// Verifier settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifierConfig {
    /// Largest allowed distance between `now` and the `Date` header, and the leeway on JWT `iat`/`exp`.
    /// Default 300 s (an assumption: no Cybersource source states the gateway's value).
    pub max_skew: Duration,
    /// Accept the legacy `(request-target)` spelling (refused by the gateway since 2024-04-22). Default false.
    pub allow_legacy_request_target: bool,
    /// Longest accepted JWT lifetime `exp - iat`. Default 300 s (the SDKs use 120 s).
    pub max_jwt_lifetime: Duration,
    /// Accept HTTP Signature. Default true.
    pub accept_http_signature: bool,
    /// Accept JWT authentication. Default true.
    pub accept_jwt: bool,
}

impl Default for VerifierConfig {
    fn default() -> Self {
        Self {
            max_skew: Duration::from_secs(300),
            allow_legacy_request_target: false,
            max_jwt_lifetime: Duration::from_secs(300),
            accept_http_signature: true,
            accept_jwt: true,
        }
    }
}

/// A request as the server received it, borrowed.
#[derive(Clone, Copy)]
pub struct ReceivedRequest<'a> {
    /// The method (any case).
    pub method: &'a str,
    /// The authority the server is addressed as (`host[:port]`), e.g. from the `Host` header.
    pub authority: &'a str,
    /// The path and query exactly as received.
    pub path_and_query: &'a str,
    /// All request headers; names are matched ASCII case-insensitively.
    pub headers: &'a [(&'a str, &'a str)],
    /// The exact body bytes received.
    pub body: &'a [u8],
}

impl fmt::Debug for ReceivedRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may hold signatures or tokens, and the body card data: show names and lengths only.
        f.debug_struct("ReceivedRequest")
            .field("method", &self.method)
            .field("authority", &self.authority)
            .field("path_and_query", &self.path_and_query)
            .field("header_names", &self.headers.iter().map(|(n, _)| *n).collect::<Vec<_>>())
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Which scheme authenticated a request.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthScheme {
    /// HTTP Signature (HMAC-SHA256).
    HttpSignature {
        /// Whether the legacy `(request-target)` spelling was used.
        legacy_request_target: bool,
    },
    /// JWT authentication with `HS256`.
    JwtHs256,
    /// JWT authentication with `RS256`.
    JwtRs256,
}

/// The outcome of a successful verification.
///
/// Every string in it is bounded, so a server may keep it (e.g. in a replay cache) without trusting the
/// client: `merchant_id` and `portfolio_id` equal identifiers registered with the verifier, `key_id` is the key
/// id the [`CredentialLookup`] found a key under (at most 256 visible ASCII characters, checked before the
/// lookup), and `jti` is at most [`MAX_JTI_LEN`] bytes of `A-Z a-z 0-9 - _ . ~ :`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The transacting merchant id (one registered with the verifier: the key's owner or a merchant of its
    /// meta key).
    pub merchant_id: String,
    /// The key id that signed (1-256 visible ASCII characters without `"`, `\` and `,`).
    pub key_id: String,
    /// The portfolio id, when a meta key signed.
    pub portfolio_id: Option<String>,
    /// The scheme.
    pub scheme: AuthScheme,
    /// The JWT `jti` (for a replay cache), with JWT authentication: 1 to [`MAX_JTI_LEN`] bytes of ASCII letters,
    /// digits, `-`, `_`, `.`, `~` and `:`.
    pub jti: Option<String>,
    /// The last second (Unix time) at which this verifier would still accept the same credentials: `exp` plus
    /// the skew for JWT authentication, the `Date` header plus the skew for HTTP Signature. A replay cache must
    /// remember a `jti` at least until then. Computed without wrapping or saturating: a request for which it
    /// would not fit in `i64` (only possible with a skew of billions of years) is refused.
    pub acceptable_until: i64,
}

/// Checks HTTP Signature and JWT authentication against keys from a [`CredentialLookup`].
pub struct Verifier<L> {
    lookup: L,
    config: VerifierConfig,
}

impl<L> fmt::Debug for Verifier<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier").field("config", &self.config).finish_non_exhaustive()
    }
}

/// Finds the only value of header `name`; `Ok(None)` when absent.
fn single_header<'a>(
    headers: &[(&'a str, &'a str)],
    name: &'static str,
) -> Result<Option<&'a str>, VerifyError> {
    let mut found = None;
    for (n, v) in headers {
        if n.eq_ignore_ascii_case(name) && found.replace(*v).is_some() {
            return Err(VerifyError::DuplicateHeader(name));
        }
    }
    Ok(found)
}

fn required_header<'a>(headers: &[(&'a str, &'a str)], name: &'static str) -> Result<&'a str, VerifyError> {
    single_header(headers, name)?.ok_or(VerifyError::MissingHeader(name))
}

/// Standard padded base64 of exactly 32 bytes (a SHA-256 digest or an HMAC-SHA256 tag).
fn decode_b64_32(encoded: &str) -> Option<[u8; SHA256_LEN]> {
    let mut raw = [0u8; SHA256_LEN];
    let len = Base64::decode(encoded, &mut raw).ok()?.len();
    (len == SHA256_LEN).then_some(raw)
}

/// The longest `jti` the JWT-authentication verifier accepts, in bytes. The official SDKs send a UUID
/// (36 characters); the bound keeps what a replay cache stores small whatever a client sends.
pub const MAX_JTI_LEN: usize = 128;

/// Whether `jti` is 1 to [`MAX_JTI_LEN`] bytes of ASCII letters, digits, `-`, `_`, `.`, `~` and `:` (the
/// unreserved characters of RFC 3986 plus `:`, enough for UUIDs, `urn:uuid:` forms and random strings).
fn jti_is_acceptable(jti: &str) -> bool {
    !jti.is_empty()
        && jti.len() <= MAX_JTI_LEN
        && jti.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b':'))
}

/// A duration in whole seconds, widened so that sums and differences with any `i64` cannot overflow.
fn secs(d: Duration) -> i128 {
    i128::from(d.as_secs())
}

/// The JWT-authentication time rule, in `i128` so that no attacker-chosen `iat`/`exp` can wrap:
/// `0 <= iat < exp <= iat + max_lifetime`, `now <= exp + skew`, `iat <= now + skew` (which together give
/// `iat >= now - (max_lifetime + skew)`). Returns `exp + skew`, the last second the token is acceptable.
fn check_jwt_times(
    iat: i64,
    exp: i64,
    now: UnixTime,
    max_skew: Duration,
    max_lifetime: Duration,
) -> Result<i64, VerifyError> {
    let (iat, exp, now) = (i128::from(iat), i128::from(exp), i128::from(now.as_secs()));
    let (skew, lifetime) = (secs(max_skew), secs(max_lifetime));
    if iat < 0 {
        return Err(VerifyError::TokenTimeOutOfRange);
    }
    if exp <= iat || exp - iat > lifetime {
        return Err(VerifyError::TokenLifetimeInvalid);
    }
    let acceptable_until = exp + skew;
    if now > acceptable_until {
        return Err(VerifyError::TokenExpired);
    }
    if iat > now + skew {
        return Err(VerifyError::TokenIssuedInFuture);
    }
    // Implied by the checks above; kept explicit so that the rule reads as documented.
    if iat < now - (lifetime + skew) {
        return Err(VerifyError::TokenExpired);
    }
    // Only a configuration with a skew beyond any calendar can leave the i64 range: refuse rather than wrap.
    i64::try_from(acceptable_until).map_err(|_| VerifyError::TokenTimeOutOfRange)
}

/// The HTTP Signature `Date` rule, in `i128`: `|date - now| <= skew`. Returns `date + skew`, the last second
/// the signed request is acceptable.
fn check_date_window(date: UnixTime, now: UnixTime, max_skew: Duration) -> Result<i64, VerifyError> {
    let (date, now, skew) = (i128::from(date.as_secs()), i128::from(now.as_secs()), secs(max_skew));
    if (date - now).abs() > skew {
        return Err(VerifyError::DateOutsideWindow);
    }
    i64::try_from(date + skew).map_err(|_| VerifyError::DateOutsideWindow)
}

impl<L: CredentialLookup> Verifier<L> {
    /// A verifier over `lookup`.
    pub fn new(lookup: L, config: VerifierConfig) -> Self {
        Self { lookup, config }
    }

    /// The settings.
    pub fn config(&self) -> &VerifierConfig {
        &self.config
    }

    /// The credential lookup.
    pub fn lookup(&self) -> &L {
        &self.lookup
    }

    /// The key registered under `key_id`. A key id that no [`KeyStore`] could hold (empty, longer than 256
    /// bytes, or other than visible ASCII without `"`, `\` and `,`) is unknown whatever the lookup would say, so
    /// [`Authenticated::key_id`] stays bounded with any [`CredentialLookup`].
    fn find_key(&self, key_id: &str) -> Result<L::Key<'_>, VerifyError> {
        check_identifier(key_id).map_err(|_| VerifyError::UnknownKeyId)?;
        self.lookup.lookup(key_id).ok_or(VerifyError::UnknownKeyId)
    }

    /// Authenticates `request` at time `now`.
    ///
    /// `Signature` selects HTTP Signature; `Authorization: Bearer` selects JWT; both at once is refused.
    pub fn verify(&self, request: &ReceivedRequest<'_>, now: UnixTime) -> Result<Authenticated, VerifyError> {
        if !check_method(request.method)
            || !check_authority(request.authority)
            || !check_path_and_query(request.path_and_query)
        {
            return Err(VerifyError::MalformedRequest);
        }
        if single_header(request.headers, "host")?.is_some_and(|host| host != request.authority) {
            return Err(VerifyError::HostMismatch);
        }
        let signature = single_header(request.headers, "signature")?;
        let authorization = single_header(request.headers, "authorization")?;
        match (signature, authorization) {
            (Some(_), Some(_)) => Err(VerifyError::AmbiguousAuthentication),
            (Some(sig), None) if self.config.accept_http_signature => {
                self.verify_http_signature(request, sig, now)
            }
            (None, Some(auth)) if self.config.accept_jwt => {
                let token = auth.strip_prefix("Bearer ").ok_or(VerifyError::MissingAuthentication)?;
                self.verify_jwt(request, token, now)
            }
            (None, None) => Err(VerifyError::MissingAuthentication),
            _ => Err(VerifyError::SchemeDisabled),
        }
    }

    fn verify_http_signature(
        &self,
        request: &ReceivedRequest<'_>,
        header: &str,
        now: UnixTime,
    ) -> Result<Authenticated, VerifyError> {
        let params = signature_header::parse(header).ok_or(VerifyError::MalformedSignatureHeader)?;
        if params.algorithm != "HmacSHA256" {
            return Err(VerifyError::UnsupportedAlgorithm);
        }
        let (form, with_digest) = [TargetForm::Current, TargetForm::Legacy]
            .into_iter()
            .flat_map(|form| [(form, true), (form, false)])
            .find(|(form, d)| form.header_list(*d) == params.headers)
            .ok_or(VerifyError::UnexpectedSignedHeaders)?;
        if form == TargetForm::Legacy && !self.config.allow_legacy_request_target {
            return Err(VerifyError::LegacyRequestTargetNotAllowed);
        }
        if !with_digest && (method_has_digest(request.method) || !request.body.is_empty()) {
            return Err(VerifyError::BodyNotSigned);
        }
        let date = required_header(request.headers, "date")?;
        let date_time = UnixTime::parse_http_date(date).ok_or(VerifyError::MalformedDate)?;
        let merchant_id = required_header(request.headers, "v-c-merchant-id")?;
        let digest = if with_digest {
            let d = required_header(request.headers, "digest")?;
            let encoded = d.strip_prefix(DIGEST_PREFIX).ok_or(VerifyError::MalformedDigest)?;
            decode_b64_32(encoded).ok_or(VerifyError::MalformedDigest)?;
            Some(d)
        } else {
            None
        };
        let signature = decode_b64_32(params.signature).ok_or(VerifyError::MalformedSignatureHeader)?;

        let registered = self.find_key(params.key_id)?;
        let VerifyingKey::SharedSecret(secret) = &registered.key else {
            return Err(VerifyError::KeyTypeMismatch);
        };
        // The signed identity is the header's merchant id, or the portfolio id (the owner) for a meta key.
        let signed_identity = registered.portfolio_id().unwrap_or(merchant_id);
        let signing_string = SigningString {
            host: request.authority,
            date,
            method: request.method,
            path_and_query: request.path_and_query,
            digest,
            merchant_id: signed_identity,
            form,
        };
        signing_string.verify(secret.expose(), &signature).map_err(|_| VerifyError::BadSignature)?;

        if digest.is_some_and(|d| Base64Sha256::digest_of(request.body).header_value() != d) {
            return Err(VerifyError::DigestMismatch);
        }
        let acceptable_until = check_date_window(date_time, now, self.config.max_skew)?;
        if !registered.may_act_for(merchant_id) {
            return Err(VerifyError::MerchantMismatch);
        }
        Ok(Authenticated {
            merchant_id: merchant_id.to_owned(),
            key_id: params.key_id.to_owned(),
            portfolio_id: registered.portfolio_id().map(str::to_owned),
            scheme: AuthScheme::HttpSignature { legacy_request_target: form == TargetForm::Legacy },
            jti: None,
            acceptable_until,
        })
    }

    fn verify_jwt(
        &self,
        request: &ReceivedRequest<'_>,
        token: &str,
        now: UnixTime,
    ) -> Result<Authenticated, VerifyError> {
        let parts = jws::split(token).ok_or(VerifyError::MalformedToken)?;
        let header_json = b64::decode_vec(parts.header).map_err(|_| VerifyError::MalformedToken)?;
        let header: JwsHeader<'_> = jws::strict_json(&header_json).ok_or(VerifyError::MalformedToken)?;
        if header.crit.is_some() || header.b64.is_some() || header.typ.as_deref().is_some_and(|t| t != "JWT")
        {
            return Err(VerifyError::MalformedToken);
        }
        let hs256 = match header.alg.as_ref() {
            "HS256" => true,
            "RS256" => false,
            _ => return Err(VerifyError::UnsupportedAlgorithm),
        };
        let kid = header.kid.ok_or(VerifyError::MissingKeyId)?;
        let signature = b64::decode_vec(parts.signature).map_err(|_| VerifyError::MalformedToken)?;

        let registered = self.find_key(&kid)?;
        // The algorithm is fixed by the registered key; the header may only confirm it (no alg confusion).
        let verified = match (&registered.key, hs256) {
            (VerifyingKey::SharedSecret(secret), true) => {
                crypto::hmac_sha256_verify(secret.expose(), parts.signing_input.as_bytes(), &signature)
            }
            (VerifyingKey::Rsa(public), false) => public
                .verify_pkcs1(Algorithm::Rs256, parts.signing_input.as_bytes(), &signature)
                .map_err(|_| crypto::CryptoFailure),
            _ => return Err(VerifyError::KeyTypeMismatch),
        };
        verified.map_err(|_| VerifyError::BadSignature)?;

        let payload = b64::decode_vec(parts.payload).map_err(|_| VerifyError::MalformedToken)?;
        let claims: AuthClaims<'_> = jws::strict_json(&payload).ok_or(VerifyError::MalformedToken)?;
        if claims.version != "2" {
            return Err(VerifyError::UnsupportedJwtVersion);
        }
        let acceptable_until =
            check_jwt_times(claims.iat, claims.exp, now, self.config.max_skew, self.config.max_jwt_lifetime)?;
        if !jti_is_acceptable(&claims.jti) {
            return Err(VerifyError::InvalidJti);
        }
        if claims.request_host != request.authority {
            return Err(VerifyError::HostMismatch);
        }
        if claims.request_resource_path != request.path_and_query {
            return Err(VerifyError::PathMismatch);
        }
        // Node sends "post", Python "POST"; accept exactly those two spellings.
        let m = claims.request_method.as_ref();
        if !(m == request.method.to_ascii_lowercase() || m == request.method.to_ascii_uppercase()) {
            return Err(VerifyError::MethodMismatch);
        }
        match (&claims.digest, method_has_digest(request.method) || !request.body.is_empty()) {
            (Some(digest), _) => {
                if claims.digest_algorithm.as_deref() != Some("SHA-256") {
                    return Err(VerifyError::UnsupportedDigestAlgorithm);
                }
                if Base64Sha256::digest_of(request.body).as_str() != digest {
                    return Err(VerifyError::DigestMismatch);
                }
            }
            (None, true) => return Err(VerifyError::BodyNotSigned),
            (None, false) => {}
        }
        if claims.iss != registered.owner_id || !registered.may_act_for(&claims.merchant_id) {
            return Err(VerifyError::MerchantMismatch);
        }
        if single_header(request.headers, "v-c-merchant-id")?.is_some_and(|mid| mid != claims.merchant_id) {
            return Err(VerifyError::MerchantMismatch);
        }
        Ok(Authenticated {
            merchant_id: claims.merchant_id.into_owned(),
            key_id: kid.into_owned(),
            portfolio_id: registered.portfolio_id().map(str::to_owned),
            scheme: if hs256 { AuthScheme::JwtHs256 } else { AuthScheme::JwtRs256 },
            jti: Some(claims.jti.into_owned()),
            acceptable_until,
        })
    }
}

/// The JOSE header members the verifier reads, through the strict reader: duplicate members are refused at any
/// depth, compared after unescaping; unknown ones
/// (`jku`, `x5u`, `jwk`, …) are ignored and never used to find a key.
#[derive(Deserialize)]
struct JwsHeader<'a> {
    #[serde(borrow)]
    alg: Cow<'a, str>,
    #[serde(borrow, default)]
    kid: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    typ: Option<Cow<'a, str>>,
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    b64: Option<serde::de::IgnoredAny>,
}

/// The JWT-authentication claims (§7.2), read through the strict reader like the header. Both digest-algorithm
/// spellings are read; sending both is a duplicate and refused. Unknown claims (e.g. `v-c-response-mle-kid`) are ignored.
#[derive(Deserialize)]
struct AuthClaims<'a> {
    #[serde(borrow, default)]
    digest: Option<Cow<'a, str>>,
    #[serde(rename = "digest-algorithm", alias = "digestAlgorithm", borrow, default)]
    digest_algorithm: Option<Cow<'a, str>>,
    iat: i64,
    exp: i64,
    #[serde(rename = "request-host", borrow)]
    request_host: Cow<'a, str>,
    #[serde(rename = "request-resource-path", borrow)]
    request_resource_path: Cow<'a, str>,
    #[serde(rename = "request-method", borrow)]
    request_method: Cow<'a, str>,
    #[serde(borrow)]
    iss: Cow<'a, str>,
    #[serde(borrow)]
    jti: Cow<'a, str>,
    #[serde(rename = "v-c-jwt-version", borrow)]
    version: Cow<'a, str>,
    #[serde(rename = "v-c-merchant-id", borrow)]
    merchant_id: Cow<'a, str>,
}
