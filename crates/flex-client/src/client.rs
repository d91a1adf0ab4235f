//! The client: builder, operations, verification.

use core::fmt;
use core::time::Duration;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use flex_auth::{Credentials, JwtId, SignableRequest, SigningKey, SigningParams, UnixTime};
use flex_jwe::{PaymentData, RecipientKey, TokenizePayload};
use flex_jwt::{Jwt, Kid, RsaPublicKey, Verifier};
use flex_types::{
    CaptureContextClaims, ContextKind, MicroformSessionRequest, PaymentRequest, PaymentResponse,
    SessionRequest, TransientTokenClaims,
};
use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method, Request};
use http_body_util::Full;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use serde::Serialize;
use tracing::Instrument as _;

use crate::config::{self, AuthScheme, BaseUrl, Environment, KeyCachePolicy, OriginPattern, RetryPolicy};
use crate::context::{CaptureContext, TransientToken};
use crate::crypto;
use crate::error::{Error, ErrorKind, Message};
use crate::keys::{CachedKey, KeyCache, KeyCacheStats};
use crate::mask::mask;
use crate::payment::PaymentOutcome;
use crate::proxy::Proxy;
use crate::transport::{Deadline, Idempotency, Response, Transport, TransportConfig};

const SESSIONS_PATH: &str = "/flex/v2/sessions";
const MICROFORM_SESSIONS_PATH: &str = "/microform/v2/sessions";
const PAYMENTS_PATH: &str = "/pts/v2/payments";
/// Longest payment id accepted by [`Client::payment`] (Cybersource's are 22 digits).
const MAX_PAYMENT_ID_LEN: usize = 64;
const PUBLIC_KEYS_PATH: &str = "/flex/v2/public-keys/";
const USER_AGENT_VALUE: &str = concat!("flex-client-rust/", env!("CARGO_PKG_VERSION"));
/// The issuer of every capture context seen so far.
const CAPTURE_CONTEXT_ISSUER: &str = "Flex API";
/// The default `flx.origin` allow-list: the domains Flex is documented to serve tokenization from
/// (Cybersource, Visa Acceptance, and `visa.com` as in Cybersource's own capture-context example), on the
/// default port or 8443.
const DEFAULT_TOKEN_ORIGINS: [&str; 6] = [
    "https://*.cybersource.com",
    "https://*.cybersource.com:8443",
    "https://*.visaacceptance.com",
    "https://*.visaacceptance.com:8443",
    "https://*.visa.com",
    "https://*.visa.com:8443",
];

/// Builds a [`Client`]. Start from [`Client::builder`] or [`ClientBuilder::from_env`].
pub struct ClientBuilder {
    environment: Environment,
    credentials: Option<Credentials>,
    scheme: AuthScheme,
    connect_timeout: Duration,
    request_timeout: Duration,
    operation_timeout: Duration,
    max_response_bytes: usize,
    retry: RetryPolicy,
    key_cache: KeyCachePolicy,
    leeway_secs: u32,
    token_origins: Vec<OriginPattern>,
    default_origins: bool,
    require_tokens_digest: bool,
    pool_idle_timeout: Duration,
    pool_max_idle_per_host: usize,
    http2_prior_knowledge: bool,
    alpn_http2: bool,
    extra_roots: Vec<CertificateDer<'static>>,
    proxy: Option<Proxy>,
    error: Option<Error>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("merchant_id", &self.credentials.as_ref().map(|c| mask(c.merchant_id())))
            .field("scheme", &self.scheme)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("retry", &self.retry)
            .field("key_cache", &self.key_cache)
            .field("token_origins", &self.token_origins)
            .field("alpn_http2", &self.alpn_http2)
            .field("extra_roots", &self.extra_roots.len())
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            environment: Environment::test(),
            credentials: None,
            scheme: AuthScheme::default(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            operation_timeout: Duration::from_secs(config::DEFAULT_OPERATION_TIMEOUT_SECS),
            max_response_bytes: 256 * 1024,
            retry: RetryPolicy::default(),
            key_cache: KeyCachePolicy::default(),
            leeway_secs: flex_jwt::DEFAULT_LEEWAY_SECS,
            token_origins: Vec::new(),
            default_origins: true,
            require_tokens_digest: true,
            pool_idle_timeout: Duration::from_secs(90),
            pool_max_idle_per_host: 32,
            http2_prior_knowledge: false,
            alpn_http2: true,
            extra_roots: Vec::new(),
            proxy: None,
            error: None,
        }
    }
}

impl ClientBuilder {
    /// A builder with the defaults (test environment, JWT auth, no credentials, no proxy); reads nothing from
    /// the environment. Same as [`Client::builder`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Configuration from the process environment:
    ///
    /// - `FLEX_ENV` (`test`, `production` or a base URL; default `test`), `FLEX_AUTH` (`jwt` or
    ///   `http-signature`; default `jwt`), `FLEX_TIMEOUT_SECS` (the operation deadline, whole seconds from 1 to
    ///   [`MAX_OPERATION_TIMEOUT_SECS`](crate::MAX_OPERATION_TIMEOUT_SECS); default 30);
    /// - credentials: `FLEX_MERCHANT_ID`, `FLEX_KEY_ID` and either `FLEX_SHARED_SECRET` (HS256 / HTTP
    ///   Signature) or `FLEX_PRIVATE_KEY_FILE` (a PEM RSA private key for RS256, read now); all or none;
    /// - `FLEX_CA_FILE`: a PEM file of extra trusted CA certificates (read now), as
    ///   [`add_root_certificate_pem`](Self::add_root_certificate_pem);
    /// - the proxy variables `https_proxy`, `http_proxy`, `all_proxy`, `no_proxy` (either case), as
    ///   [`Proxy::from_lookup`] reads them.
    ///
    /// Other settings keep their defaults and can be changed after.
    ///
    /// # Errors
    /// [`ErrorKind::Configuration`] for a malformed variable, an unreadable file (the message names the
    /// variable and the path) or both `FLEX_SHARED_SECRET` and `FLEX_PRIVATE_KEY_FILE`.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`ClientBuilder::from_env`], reading variables through `lookup` (for tests and other sources).
    /// The files named by `FLEX_CA_FILE` and `FLEX_PRIVATE_KEY_FILE` are still read from the file system.
    ///
    /// # Errors
    /// As [`ClientBuilder::from_env`].
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let mut builder = Self::default();
        if let Some(env) = lookup("FLEX_ENV") {
            builder = builder.environment(Environment::parse(&env)?);
        }
        if let Some(auth) = lookup("FLEX_AUTH") {
            builder = builder.auth_scheme(AuthScheme::parse(&auth)?);
        }
        if let Some(secs) = lookup("FLEX_TIMEOUT_SECS") {
            builder = builder.operation_timeout(config::parse_timeout_secs(&secs)?);
        }
        builder.credentials = config::credentials_from(&lookup)?;
        if let Some(path) = lookup("FLEX_CA_FILE").filter(|p| !p.trim().is_empty()) {
            let pem = config::read_file("FLEX_CA_FILE", &path)?;
            builder.extra_roots.extend(parse_roots(&pem).ok_or_else(|| {
                Error::new(
                    ErrorKind::Configuration,
                    format!("FLEX_CA_FILE {path} holds no usable PEM certificate"),
                )
            })?);
        }
        builder.proxy = Proxy::try_from_lookup(&lookup)?;
        Ok(builder)
    }

    /// The environment (default [`Environment::test`]).
    #[must_use]
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// A custom base URL, e.g. the sandbox's `http://127.0.0.1:PORT`; see [`Environment::custom`]. Its origin
    /// is also allowed as a tokens origin. An invalid URL makes [`ClientBuilder::build`] fail.
    #[must_use]
    pub fn base_url(mut self, url: &str) -> Self {
        match Environment::custom(url) {
            Ok(env) => self.environment = env,
            Err(e) => self.fail(e),
        }
        self
    }

    /// Merchant credentials (shared secret or private key, see `flex_auth::Credentials`).
    #[must_use]
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Shared-secret credentials: the merchant id, the key id and the secret as the Business Center shows it
    /// (standard base64). An invalid value makes [`ClientBuilder::build`] fail.
    #[must_use]
    pub fn shared_secret(mut self, merchant_id: &str, key_id: &str, secret_base64: &str) -> Self {
        match config::shared_secret_credentials(merchant_id, key_id, secret_base64) {
            Ok(c) => self.credentials = Some(c),
            Err(e) => self.fail(e),
        }
        self
    }

    /// RS256 credentials (JWT authentication) from a PEM RSA private key: PKCS#8 (`-----BEGIN PRIVATE
    /// KEY-----`) or PKCS#1 (`-----BEGIN RSA PRIVATE KEY-----`), unencrypted; `key_id` is the key's id in the
    /// Business Center (the certificate's serial number). A `.p12` from the Business Center converts with
    /// `openssl pkcs12 -in key.p12 -nocerts -nodes | openssl pkcs8 -topk8 -nocrypt -out key.pem`.
    /// An invalid key makes [`ClientBuilder::build`] fail with [`ErrorKind::Configuration`].
    #[must_use]
    pub fn rsa_private_key_pem(mut self, merchant_id: &str, key_id: &str, pem: &[u8]) -> Self {
        match config::private_key_credentials(merchant_id, key_id, pem) {
            Ok(c) => self.credentials = Some(c),
            Err(e) => self.fail(e),
        }
        self
    }

    /// The request-authentication scheme (default [`AuthScheme::Jwt`]).
    #[must_use]
    pub fn auth_scheme(mut self, scheme: AuthScheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Time limit for establishing a connection, TLS included (default 5 s).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time limit for one whole request attempt: connect, send, and read the full answer, body included
    /// (default 30 s). A retry gets a fresh one; see [`operation_timeout`](Self::operation_timeout) for the
    /// limit over all of them.
    #[must_use]
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The operation deadline: the time limit for one client call as a whole, every attempt, retry and
    /// backoff sleep included (default 30 s; also `FLEX_TIMEOUT_SECS`). No retry or backoff starts once it
    /// cannot finish in time, and an attempt still running when it expires is abandoned. The error then says
    /// which limit it was: `operation deadline of 30 s expired after 2 attempts`, versus `attempt timed out
    /// after 10 s` for the per-attempt [`request_timeout`](Self::request_timeout). Must be positive.
    #[must_use]
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = timeout;
        self
    }

    /// Largest response body read (default 256 KiB); a longer one is an [`ErrorKind::InvalidResponse`].
    #[must_use]
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Retry policy (default: 2 retries, 100 ms doubling backoff capped at 2 s, full jitter).
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Public-key cache policy (default: 1 h TTL, 64 keys, 10 s between asks for an unknown kid).
    #[must_use]
    pub fn key_cache_policy(mut self, policy: KeyCachePolicy) -> Self {
        self.key_cache = policy;
        self
    }

    /// Clock-skew allowance for `exp`/`iat` checks (default 60 s, at most 900 s).
    #[must_use]
    pub fn leeway_secs(mut self, secs: u32) -> Self {
        self.leeway_secs = secs;
        self
    }

    /// Also allows `pattern` (`https://host[:port]` or `https://*.domain`) as a capture context's
    /// `flx.origin` for [`Client::tokenize`]. An invalid pattern makes [`ClientBuilder::build`] fail.
    #[must_use]
    pub fn allow_token_origin(mut self, pattern: &str) -> Self {
        match OriginPattern::parse(pattern) {
            Ok(p) => self.token_origins.push(p),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Drops the defaults (`https://*.cybersource.com`, `https://*.visaacceptance.com`, `https://*.visa.com`,
    /// each on port 443 or 8443) from the tokens-origin allow-list.
    #[must_use]
    pub fn without_default_token_origins(mut self) -> Self {
        self.default_origins = false;
        self
    }

    /// Whether a tokens answer without a `Digest` header is refused (default `true`; a wrong digest is always
    /// refused).
    #[must_use]
    pub fn require_tokens_digest(mut self, required: bool) -> Self {
        self.require_tokens_digest = required;
        self
    }

    /// Connection-pool settings: idle timeout (default 90 s) and idle connections kept per host (default 32).
    #[must_use]
    pub fn pool(mut self, idle_timeout: Duration, max_idle_per_host: usize) -> Self {
        self.pool_idle_timeout = idle_timeout;
        self.pool_max_idle_per_host = max_idle_per_host;
        self
    }

    /// Speaks HTTP/2 only, without ALPN (default `false`: HTTP/1.1, or HTTP/2 when TLS ALPN selects it).
    /// For plain-`http` servers that accept HTTP/2 by prior knowledge, such as the sandbox.
    #[must_use]
    pub fn http2_prior_knowledge(mut self, enabled: bool) -> Self {
        self.http2_prior_knowledge = enabled;
        self
    }

    /// Whether TLS connections offer HTTP/2 by ALPN (default `true`: `h2` and `http/1.1` are offered and the
    /// server chooses). With `false` only `http/1.1` is offered.
    #[must_use]
    pub fn http2_over_tls(mut self, enabled: bool) -> Self {
        self.alpn_http2 = enabled;
        self
    }

    /// Trusts the CA certificates in `pem` (one or more `-----BEGIN CERTIFICATE-----` blocks) beside the
    /// built-in webpki (Mozilla) roots, e.g. the CA of the sandbox serving HTTPS. Can be called repeatedly.
    /// A PEM without a usable certificate makes [`build`](Self::build) fail with
    /// [`ErrorKind::Configuration`].
    #[must_use]
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Self {
        match parse_roots(pem) {
            Some(certs) => self.extra_roots.extend(certs),
            None => {
                self.fail(Error::new(ErrorKind::Configuration, "the root CA PEM holds no usable certificate"))
            }
        }
        self
    }

    /// Trusts the CA certificates of a PEM file (read now), as
    /// [`add_root_certificate_pem`](Self::add_root_certificate_pem). A missing file or one without a usable
    /// certificate makes [`build`](Self::build) fail with [`ErrorKind::Configuration`] naming the path.
    #[must_use]
    pub fn add_root_certificate_file(mut self, path: impl AsRef<std::path::Path>) -> Self {
        let path = path.as_ref();
        let shown = path.display().to_string();
        match config::read_file("CA file", &shown) {
            Ok(pem) => match parse_roots(&pem) {
                Some(certs) => self.extra_roots.extend(certs),
                None => self.fail(Error::new(
                    ErrorKind::Configuration,
                    format!("CA file {shown} holds no usable PEM certificate"),
                )),
            },
            Err(e) => self.fail(e),
        }
        self
    }

    /// Sends every connection through `proxy` (replacing any proxy from the environment); see [`Proxy`] for
    /// `NO_PROXY` and how tunnelling works.
    #[must_use]
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Connects directly, ignoring any proxy set before (e.g. by [`from_env`](Self::from_env)).
    #[must_use]
    pub fn no_proxy(mut self) -> Self {
        self.proxy = None;
        self
    }

    fn fail(&mut self, error: Error) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    /// Builds the client. Must be called inside a tokio runtime only when requests are made (building
    /// does not spawn anything).
    ///
    /// # Errors
    /// [`ErrorKind::Configuration`]: the first invalid setting, or a TLS setup failure. Credentials may be
    /// absent (only the signed requests need them: [`Client::create_capture_context`],
    /// [`Client::create_microform_context`], [`Client::authorize`] and [`Client::payment`]).
    pub fn build(self) -> Result<Client, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut origins = Vec::new();
        if self.default_origins {
            for pattern in DEFAULT_TOKEN_ORIGINS {
                origins.push(OriginPattern::parse(pattern)?);
            }
        }
        let own = OriginPattern::parse(&self.environment.base_url())?;
        if !origins.contains(&own) {
            // The API host itself (the sandbox, a gateway) serves its own tokens endpoint.
            origins.push(own);
        }
        if self.scheme == AuthScheme::HttpSignature
            && self.credentials.as_ref().is_some_and(|c| matches!(c.key(), SigningKey::PrivateKey(_)))
        {
            return Err(Error::new(
                ErrorKind::Configuration,
                "HTTP Signature needs a shared secret; an RSA private key signs JWTs (use the JWT auth scheme)",
            ));
        }
        origins.extend(self.token_origins);
        if self.max_response_bytes == 0 {
            return Err(Error::new(ErrorKind::Configuration, "max_response_bytes must be positive"));
        }
        if self.operation_timeout.is_zero() {
            return Err(Error::new(ErrorKind::Configuration, "operation_timeout must be positive"));
        }
        let transport = Transport::new(
            TransportConfig {
                connect_timeout: self.connect_timeout,
                request_timeout: self.request_timeout,
                max_response_bytes: self.max_response_bytes,
                retry: self.retry,
                pool_idle_timeout: self.pool_idle_timeout,
                pool_max_idle_per_host: self.pool_max_idle_per_host,
                http2_prior_knowledge: self.http2_prior_knowledge,
                alpn_http2: self.alpn_http2,
            },
            self.extra_roots,
            self.proxy.as_ref().map(Proxy::routes),
        )?;
        let verifier = Verifier::new().with_leeway_secs(self.leeway_secs);
        let host: Arc<str> = Arc::from(self.environment.authority());
        Ok(Client {
            inner: Arc::new(Inner {
                capture_context_verifier: verifier.clone().with_issuer(CAPTURE_CONTEXT_ISSUER),
                transient_token_verifier: verifier,
                host,
                environment: self.environment,
                credentials: self.credentials,
                scheme: self.scheme,
                transport,
                keys: KeyCache::new(self.key_cache),
                token_origins: origins,
                require_tokens_digest: self.require_tokens_digest,
                operation_timeout: self.operation_timeout,
            }),
        })
    }
}

/// The certificates of a PEM text; `None` when it holds none or a bad one.
fn parse_roots(pem: &[u8]) -> Option<Vec<CertificateDer<'static>>> {
    CertificateDer::pem_slice_iter(pem).collect::<Result<Vec<_>, _>>().ok().filter(|c| !c.is_empty())
}

/// A Flex API v2 client. Cheap to clone (shared connection pool and key cache); `Send + Sync`.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    environment: Environment,
    host: Arc<str>,
    credentials: Option<Credentials>,
    scheme: AuthScheme,
    transport: Transport,
    keys: KeyCache,
    capture_context_verifier: Verifier,
    transient_token_verifier: Verifier,
    token_origins: Vec<OriginPattern>,
    require_tokens_digest: bool,
    operation_timeout: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("environment", &i.environment)
            .field("merchant_id", &i.credentials.as_ref().map(|c| mask(c.merchant_id())))
            .field("key_id", &i.credentials.as_ref().map(|c| mask(c.key_id())))
            .field("scheme", &i.scheme)
            .field("transport", &i.transport)
            .field("keys", &i.keys)
            .field("token_origins", &i.token_origins)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct TokensRequest<'a> {
    #[serde(rename = "keyId")]
    key_id: &'a str,
}

fn unix_now() -> Result<i64, Error> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .ok_or_else(|| Error::new(ErrorKind::Configuration, "the system clock is before 1970"))
}

fn verification(context: &'static str, e: flex_jwt::Error) -> Error {
    Error::with_source(ErrorKind::Verification, context, e)
}

fn header_value(value: &str, sensitive: bool) -> Result<HeaderValue, Error> {
    let mut v = HeaderValue::from_str(value)
        .map_err(|e| Error::with_source(ErrorKind::InvalidInput, "a header value is not valid", e))?;
    v.set_sensitive(sensitive);
    Ok(v)
}

fn build_error(e: http::Error) -> Error {
    Error::with_source(ErrorKind::InvalidInput, "cannot build the HTTP request", e)
}

impl Client {
    /// A builder with the defaults (test environment, JWT auth, no credentials).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The environment this client talks to.
    pub fn environment(&self) -> &Environment {
        &self.inner.environment
    }

    /// Public-key cache counters.
    pub fn key_cache_stats(&self) -> KeyCacheStats {
        self.inner.keys.stats()
    }

    /// Whether this client's TLS is FIPS-compatible: rustls's `ClientConfig::fips()`, true only in a build with
    /// the `fips` feature (rustls's FIPS provider on AWS-LC's FIPS 140-3 module, with the TLS settings NIST
    /// requires). [`TLS_PROVIDER`](crate::TLS_PROVIDER) names the provider.
    pub fn tls_fips(&self) -> bool {
        self.inner.transport.tls_fips()
    }

    /// The operation deadline of a call starting now.
    fn deadline(&self) -> Deadline {
        Deadline::after(self.inner.operation_timeout)
    }

    /// `POST /flex/v2/sessions`, then verifies the answer: one call for a ready-to-use capture context.
    ///
    /// The body is serialized once and the signature covers exactly those bytes. Not retried once it may have
    /// reached the server (only connect failures are retried). The operation deadline covers the `POST` and the
    /// public-key fetch of the verification.
    ///
    /// # Errors
    /// [`ErrorKind::Authentication`] (401), [`ErrorKind::Api`] (other error statuses),
    /// [`ErrorKind::Transport`], [`ErrorKind::Timeout`], [`ErrorKind::InvalidResponse`] (the answer is not a
    /// JWT), [`ErrorKind::Verification`] (it does not verify), [`ErrorKind::Configuration`] (no credentials).
    pub async fn create_capture_context(&self, request: &SessionRequest) -> Result<CaptureContext, Error> {
        let span = tracing::info_span!("flex.create_capture_context", host = %self.inner.host);
        self.create_context(SESSIONS_PATH, request, None).instrument(span).await
    }

    /// `POST /microform/v2/sessions` (Microform Integration v2, the hosted-fields library), then verifies the
    /// answer exactly as [`create_capture_context`](Self::create_capture_context) does (RS256 with the key from
    /// the public-keys endpoint, `iss`, lifetime, `flx.jwk`) and checks that it is a Microform context
    /// (`ctx[0].type` `mf-*`): [`CaptureContext::kind`] is [`ContextKind::Microform`], and
    /// [`CaptureContext::microform`] holds `clientLibrary`, `clientLibraryIntegrity`, `targetOrigins`,
    /// `mfOrigin` and the allowed networks and payment types for the page.
    ///
    /// Retries and the deadline as for [`create_capture_context`](Self::create_capture_context).
    ///
    /// # Errors
    /// As [`create_capture_context`](Self::create_capture_context); a verified context of another kind is an
    /// [`ErrorKind::Verification`].
    pub async fn create_microform_context(
        &self,
        request: &MicroformSessionRequest,
    ) -> Result<CaptureContext, Error> {
        let span = tracing::info_span!("flex.create_microform_context", host = %self.inner.host);
        self.create_context(MICROFORM_SESSIONS_PATH, request, Some(ContextKind::Microform))
            .instrument(span)
            .await
    }

    /// Posts `request` to `path`, then verifies the capture context answered (of kind `kind`, if given).
    async fn create_context(
        &self,
        path: &'static str,
        request: &(impl Serialize + ?Sized),
        kind: Option<ContextKind>,
    ) -> Result<CaptureContext, Error> {
        let deadline = self.deadline();
        let credentials = self.credentials(path)?;
        let body = Bytes::from(serde_json::to_vec(request).map_err(|e| {
            Error::with_source(ErrorKind::InvalidInput, "cannot serialize the session request", e)
        })?);
        let url = self.inner.environment.url(path);
        let make = || self.signed(Method::POST, credentials, &url, path, &body, "application/jwt");
        let response = self.inner.transport.send(Idempotency::NotIdempotent, &make, &deadline).await?;
        if !matches!(response.status, 200 | 201) {
            return Err(self.refused(response, credentials));
        }
        let text = core::str::from_utf8(&response.body)
            .map_err(|e| {
                Error::with_source(ErrorKind::InvalidResponse, "the capture context is not UTF-8", e)
            })?
            .trim();
        // A body that is not even a compact JWS is a bad answer, not a failed verification.
        self.inner.capture_context_verifier.parse(text).map_err(|e| {
            Error::with_source(ErrorKind::InvalidResponse, "the answer is not a capture-context JWT", e)
        })?;
        let context = self.verify_capture_context_before(text, &deadline).await?;
        if let Some(expected) = kind.filter(|k| *k != context.kind()) {
            return Err(Error::new(
                ErrorKind::Verification,
                format!(
                    "{path} answered a {} capture context, not a {} one",
                    context.kind().as_str(),
                    expected.as_str()
                ),
            ));
        }
        tracing::info!(jwt = %mask(context.as_str()), exp = context.expires_at(), kind = context.kind().as_str(), "capture context created");
        Ok(context)
    }

    /// The merchant credentials, or a configuration error naming the endpoint that needs them.
    fn credentials(&self, path: &str) -> Result<&Credentials, Error> {
        self.inner
            .credentials
            .as_ref()
            .ok_or_else(|| Error::new(ErrorKind::Configuration, format!("{path} needs merchant credentials")))
    }

    /// The error for an unsuccessful answer to a signed request; a 401 says what was sent, without secrets.
    fn refused(&self, response: Response, credentials: &Credentials) -> Error {
        let error = response.into_error();
        if error.kind() != ErrorKind::Authentication {
            return error;
        }
        // The gateway says only "Authentication Failed": say what was sent, without secrets.
        let scheme = match self.inner.scheme {
            AuthScheme::Jwt => "JWT (Authorization: Bearer)",
            AuthScheme::HttpSignature => "HTTP Signature",
        };
        let context = format!(
            "the server refused {scheme} authentication signed for host {} as merchant {} with key {}; \
             check the merchant id, key id and secret, that the key type matches the scheme, and the clock",
            self.inner.host,
            mask(credentials.merchant_id()),
            mask(credentials.key_id()),
        );
        error.with_context(context)
    }

    /// `POST /pts/v2/payments`: authorizes (and, with `capture(true)`, captures) a payment with a transient
    /// token, signed like the sessions request.
    ///
    /// The answer to an accepted request is a [`PaymentOutcome`]: a decline is
    /// [`PaymentOutcome::Declined`] (`Ok`), not an error. A request the server refuses is an
    /// [`ErrorKind::Api`] error with its `details[]` ([`Error::details`]): a transient token used before, expired
    /// or unknown is a `400` with the detail (`tokenInformation.jti`, `INVALID_DATA`). The amount, the currency
    /// and the token's form were checked when the [`PaymentRequest`] was built.
    ///
    /// **Never retried**, not even after a connection error or a timeout, since the request may have reached
    /// the server and a second one could authorize twice; the only resend is hyper-util's, of a request given to
    /// a pooled connection found closed before any byte of it was written. After an
    /// [`ErrorKind::Transport`] or [`ErrorKind::Timeout`] error, or a `5xx`, the outcome is unknown: look the
    /// payment up (by its reference code) before trying again. Verify the transient token first
    /// ([`verify_transient_token`](Self::verify_transient_token)): the payment endpoint trusts its own check only.
    ///
    /// # Errors
    /// [`ErrorKind::Authentication`] (401), [`ErrorKind::Api`] (400 with details, other error statuses),
    /// [`ErrorKind::Transport`], [`ErrorKind::Timeout`], [`ErrorKind::InvalidResponse`] (a success answer that
    /// is not a payment), [`ErrorKind::Configuration`] (no credentials).
    pub async fn authorize(&self, request: &PaymentRequest<'_>) -> Result<PaymentOutcome, Error> {
        let span = tracing::info_span!(
            "flex.authorize",
            host = %self.inner.host,
            token = %mask(request.transient_token_jwt()),
            amount = %request.amount(),
        );
        async {
            let deadline = self.deadline();
            let credentials = self.credentials(PAYMENTS_PATH)?;
            let body = Bytes::from(serde_json::to_vec(request).map_err(|e| {
                Error::with_source(ErrorKind::InvalidInput, "cannot serialize the payment request", e)
            })?);
            let url = self.inner.environment.url(PAYMENTS_PATH);
            let make =
                || self.signed(Method::POST, credentials, &url, PAYMENTS_PATH, &body, "application/json");
            let response = self.inner.transport.send(Idempotency::Never, &make, &deadline).await.map_err(|e| {
                let kind = e.kind();
                if matches!(kind, ErrorKind::Transport | ErrorKind::Timeout) {
                    e.wrap(
                        kind,
                        "POST /pts/v2/payments failed and is not retried (the payment may have been made: look it up before paying again)",
                    )
                } else {
                    e
                }
            })?;
            let outcome = self.payment_outcome(response, credentials, &[200, 201])?;
            tracing::info!(status = outcome.status().unwrap_or("-"), id = outcome.id().unwrap_or("-"), "payment answered");
            Ok(outcome)
        }
        .instrument(span)
        .await
    }

    /// `GET /pts/v2/payments/{id}`: the payment as the server recorded it (what [`authorize`](Self::authorize)
    /// answered), signed like the other merchant requests. Retried like every `GET`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] (an id that is not 1-64 ASCII letters, digits, `-` or `_`),
    /// [`ErrorKind::Api`] (e.g. 404: no such payment for this merchant), and the errors of
    /// [`authorize`](Self::authorize).
    pub async fn payment(&self, id: &str) -> Result<PaymentOutcome, Error> {
        let valid = !id.is_empty()
            && id.len() <= MAX_PAYMENT_ID_LEN
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "a payment id is 1 to 64 ASCII letters, digits, `-` or `_`",
            ));
        }
        let span = tracing::info_span!("flex.payment", host = %self.inner.host, id = %id);
        async {
            let deadline = self.deadline();
            let credentials = self.credentials(PAYMENTS_PATH)?;
            let path = format!("{PAYMENTS_PATH}/{id}");
            let url = self.inner.environment.url(&path);
            let body = Bytes::new();
            let make = || self.signed(Method::GET, credentials, &url, &path, &body, "application/json");
            let response = self.inner.transport.send(Idempotency::Idempotent, &make, &deadline).await?;
            self.payment_outcome(response, credentials, &[200])
        }
        .instrument(span)
        .await
    }

    /// The outcome of a payment answer with one of the `ok` statuses; the error for any other.
    fn payment_outcome(
        &self,
        response: Response,
        credentials: &Credentials,
        ok: &[u16],
    ) -> Result<PaymentOutcome, Error> {
        if !ok.contains(&response.status) {
            return Err(self.refused(response, credentials));
        }
        let parsed: PaymentResponse<'_> = serde_json::from_slice(&response.body).map_err(|e| {
            Error::with_source(ErrorKind::InvalidResponse, "the payment answer is not JSON", e)
        })?;
        if parsed.status.is_none() && parsed.id.is_none() {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                "the payment answer has neither a status nor an id",
            ));
        }
        Ok(PaymentOutcome::from_response(parsed.into_owned()))
    }

    /// A request to `url` (whose path is `path`) signed with `credentials`: a fresh `Date`, signature or JWT
    /// per call, over exactly `body`.
    fn signed(
        &self,
        method: Method,
        credentials: &Credentials,
        url: &str,
        path: &str,
        body: &Bytes,
        accept: &'static str,
    ) -> Result<Request<Full<Bytes>>, Error> {
        let now = UnixTime::from_secs(unix_now()?)
            .ok_or_else(|| Error::new(ErrorKind::Configuration, "the system clock is out of range"))?;
        let params = match self.inner.scheme {
            AuthScheme::HttpSignature => SigningParams::http_signature(now),
            AuthScheme::Jwt => SigningParams::jwt(
                now,
                JwtId::random()
                    .map_err(|e| Error::with_source(ErrorKind::Configuration, "no randomness", e))?,
            ),
        };
        let signable = SignableRequest::new(method.as_str(), &self.inner.host, path, body)
            .map_err(|e| Error::with_source(ErrorKind::Configuration, "cannot sign for this host", e))?;
        let instructions = flex_auth::sign(&signable, credentials, &params)
            .map_err(|e| Error::with_source(ErrorKind::Configuration, "cannot sign the request", e))?;
        let has_body = method == Method::POST;
        let mut builder = Request::builder()
            .method(method)
            .uri(url)
            .header(ACCEPT, accept)
            .header(USER_AGENT, USER_AGENT_VALUE);
        if has_body {
            builder = builder.header(CONTENT_TYPE, "application/json;charset=utf-8");
        }
        for (name, value) in instructions.headers() {
            // hyper sets `Host` from the URI, which is the signed authority (default ports dropped alike).
            if name.eq_ignore_ascii_case("host") {
                continue;
            }
            let sensitive =
                name.eq_ignore_ascii_case("signature") || name.eq_ignore_ascii_case("authorization");
            builder = builder.header(name, header_value(value, sensitive)?);
        }
        builder.body(Full::new(body.clone())).map_err(build_error)
    }

    /// Verifies a capture context: RS256 with the key `GET /flex/v2/public-keys/{kid}` serves (cached),
    /// `iss` = `Flex API`, `exp`/`iat` with the leeway, and `flx.jwk` an RSA `enc` key with a kid. A failure
    /// with a cached key refetches that key once (rotation).
    ///
    /// # Errors
    /// [`ErrorKind::Verification`], or the errors of [`Client::public_key`] other than a 404 (which is a
    /// verification failure: no such key).
    pub async fn verify_capture_context(&self, token: &str) -> Result<CaptureContext, Error> {
        self.verify_capture_context_before(token, &self.deadline()).await
    }

    async fn verify_capture_context_before(
        &self,
        token: &str,
        deadline: &Deadline,
    ) -> Result<CaptureContext, Error> {
        let verifier = &self.inner.capture_context_verifier;
        let jwt =
            verifier.parse(token).map_err(|e| verification("the capture context is not a valid JWT", e))?;
        let kid = *jwt
            .kid()
            .ok_or_else(|| Error::new(ErrorKind::Verification, "the capture context has no kid"))?;
        let authenticated = self.authenticate_with_endpoint_key(verifier, &jwt, &kid, deadline).await?;
        let verified = authenticated
            .validate(unix_now()?)
            .map_err(|e| verification("the capture context claims are not valid", e))?;
        let claims: CaptureContextClaims<'_> = verified
            .claims()
            .map_err(|e| verification("the capture context claims have the wrong shape", e))?;
        let claims = claims.into_owned();
        let jwk = &claims.flx.jwk;
        if jwk.kty != "RSA" || jwk.use_.as_deref() != Some("enc") {
            return Err(Error::new(ErrorKind::Verification, "flx.jwk is not an RSA encryption key"));
        }
        let encryption_key = RsaPublicKey::from_flex_capture_context_jwk(jwk).map_err(|e| {
            Error::with_source(ErrorKind::Verification, "flx.jwk is not an acceptable RSA key", e)
        })?;
        tracing::debug!(kid = %kid, jti = %claims.jti, "capture context verified");
        Ok(CaptureContext::new(token.to_owned(), claims, encryption_key))
    }

    /// Checks `jwt`'s signature with the endpoint key for `kid`, refetching once if a cached key fails.
    async fn authenticate_with_endpoint_key<'a>(
        &self,
        verifier: &Verifier,
        jwt: &Jwt<'a>,
        kid: &Kid,
        deadline: &Deadline,
    ) -> Result<flex_jwt::Authenticated<'a>, Error> {
        let lookup_failed = |e: Error| {
            if e.status() == Some(404) {
                e.wrap(ErrorKind::Verification, "no public key exists for the token's kid")
            } else {
                e
            }
        };
        let CachedKey { key, fresh } = self.cached_key(kid, deadline).await.map_err(lookup_failed)?;
        match verifier.verify_signature(jwt, &*key) {
            Ok(a) => Ok(a),
            Err(flex_jwt::Error::InvalidSignature) if !fresh => {
                tracing::info!(kid = %kid, "signature failed with a cached key; refetching it once");
                self.inner.keys.invalidate(&self.inner.host, kid, &key);
                let again = self.cached_key(kid, deadline).await.map_err(lookup_failed)?;
                verifier
                    .verify_signature(jwt, &*again.key)
                    .map_err(|e| verification("the signature does not verify", e))
            }
            Err(e) => Err(verification("the signature does not verify", e)),
        }
    }

    /// The key for `kid` through the cache. A concurrent fetch of the same key is waited for (single flight),
    /// but not past this call's own deadline.
    async fn cached_key(&self, kid: &Kid, deadline: &Deadline) -> Result<CachedKey, Error> {
        let lookup = self.inner.keys.get(&self.inner.host, kid, || self.fetch_public_key(*kid, *deadline));
        deadline.bound("waiting for the public key", lookup).await
    }

    /// The key `GET /flex/v2/public-keys/{kid}` serves, through the cache. The kid is validated
    /// (`[A-Za-z0-9._-]{1,64}`) before it goes into the URL.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] (bad kid), [`ErrorKind::Api`] (e.g. 404), [`ErrorKind::Transport`],
    /// [`ErrorKind::Timeout`], [`ErrorKind::InvalidResponse`] (not an acceptable RSA JWK, or another kid).
    pub async fn public_key(&self, kid: &str) -> Result<RsaPublicKey, Error> {
        let kid = Kid::new(kid).map_err(|e| Error::with_source(ErrorKind::InvalidInput, "invalid kid", e))?;
        Ok(RsaPublicKey::clone(&self.cached_key(&kid, &self.deadline()).await?.key))
    }

    async fn fetch_public_key(&self, kid: Kid, deadline: Deadline) -> Result<RsaPublicKey, Error> {
        let url = self.inner.environment.url(&format!("{PUBLIC_KEYS_PATH}{kid}"));
        let make = || {
            Request::builder()
                .method(Method::GET)
                .uri(url.as_str())
                .header(ACCEPT, "application/json")
                .header(USER_AGENT, USER_AGENT_VALUE)
                .body(Full::new(Bytes::new()))
                .map_err(build_error)
        };
        let span = tracing::info_span!("flex.fetch_public_key", kid = %kid);
        let response =
            self.inner.transport.send(Idempotency::Idempotent, &make, &deadline).instrument(span).await?;
        if response.status != 200 {
            return Err(response.into_error());
        }
        let text = core::str::from_utf8(&response.body)
            .map_err(|e| Error::with_source(ErrorKind::InvalidResponse, "the public key is not UTF-8", e))?;
        let key = RsaPublicKey::from_jwk(text).map_err(|e| {
            Error::with_source(ErrorKind::InvalidResponse, "the public key is not an acceptable RSA JWK", e)
        })?;
        match key.kid() {
            None => Ok(key.with_kid(kid)),
            Some(served) if *served == kid => Ok(key),
            Some(_) => Err(Error::new(ErrorKind::InvalidResponse, "the server sent a key with another kid")),
        }
    }

    /// The browser/app step, for server-side tests and tooling: encrypts `data` to `flx.jwk` (JWE `RSA-OAEP` +
    /// `A256GCM`), posts `{"keyId":"<JWE>"}` to `flx.origin + flx.path`, checks the `Digest` header, and
    /// returns the transient token (not yet verified: see [`Client::verify_transient_token`]).
    ///
    /// `flx.origin` must match the allow-list (`https://*.cybersource.com`, `https://*.visaacceptance.com` and
    /// `https://*.visa.com` on port 443 or 8443, the custom base URL, and
    /// [`ClientBuilder::allow_token_origin`]); the context's signature was verified before, so the list is
    /// defence in depth. Every field must be one the context lists, and every required field must be present;
    /// a Microform context lists none, and takes what a Microform page posts: the card number (required), the
    /// security code, the expiration month and year, and the card type.
    ///
    /// # Errors
    /// [`ErrorKind::Verification`] (origin not allowed), [`ErrorKind::InvalidInput`] (fields),
    /// [`ErrorKind::Api`], [`ErrorKind::Transport`], [`ErrorKind::Timeout`], [`ErrorKind::InvalidResponse`]
    /// (bad `Digest`, not a JWT).
    pub async fn tokenize(&self, context: &CaptureContext, data: PaymentData) -> Result<String, Error> {
        let jwe = self.encrypt_card_data(context, data)?;
        self.tokenize_jwe(context, &jwe).await
    }

    /// The first half of [`Client::tokenize`]: checks the fields against the context and encrypts them to
    /// `flx.jwk` as the compact JWE a browser or app would post (`{"alg":"RSA-OAEP","enc":"A256GCM","kid":…}`).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] (fields, encryption), [`ErrorKind::Verification`] (`flx.jwk` unusable).
    pub fn encrypt_card_data(&self, context: &CaptureContext, data: PaymentData) -> Result<String, Error> {
        let claims = context.claims();
        check_fields(claims, &data)?;
        let kid = claims.flx.jwk.kid.as_deref().unwrap_or_default();
        let recipient = RecipientKey::from_jwk_components(kid, &claims.flx.jwk.n, &claims.flx.jwk.e)
            .map_err(|e| Error::with_source(ErrorKind::Verification, "flx.jwk cannot encrypt", e))?;
        let payload = TokenizePayload::new(Cow::Borrowed(context.as_str()), data);
        recipient
            .encrypt_payload(&payload)
            .map_err(|e| Error::with_source(ErrorKind::InvalidInput, "cannot encrypt the card data", e))
    }

    /// The second half of [`Client::tokenize`]: posts `{"keyId": jwe}` to `flx.origin + flx.path` (the origin
    /// must be allowed) and checks the answer's `Digest` header; returns the transient token (not yet verified).
    ///
    /// # Errors
    /// As [`Client::tokenize`].
    pub async fn tokenize_jwe(&self, context: &CaptureContext, jwe: &str) -> Result<String, Error> {
        let claims = context.claims();
        let origin = BaseUrl::parse(&claims.flx.origin).ok_or_else(|| {
            Error::new(
                ErrorKind::Verification,
                format!("flx.origin {} is not an http(s) origin", printable(&claims.flx.origin)),
            )
        })?;
        if !self.inner.token_origins.iter().any(|p| p.matches(&origin)) {
            return Err(Error::new(
                ErrorKind::Verification,
                format!(
                    "flx.origin {} is not in the allowed tokens origins (allow it with allow_token_origin)",
                    origin.origin()
                ),
            ));
        }
        let path = claims.flx.path.as_ref();
        if !path.starts_with('/') || !path.bytes().all(|b| b.is_ascii_graphic() && b != b'?' && b != b'#') {
            return Err(Error::new(ErrorKind::Verification, "flx.path is not a plain absolute path"));
        }
        let body = Bytes::from(serde_json::to_vec(&TokensRequest { key_id: jwe }).map_err(|e| {
            Error::with_source(ErrorKind::InvalidInput, "cannot serialize the tokens request", e)
        })?);
        let url = format!("{}{path}", origin.origin());
        let span = tracing::info_span!("flex.tokenize", origin = %origin.origin(), context = %mask(context.as_str()));
        let make = || {
            Request::builder()
                .method(Method::POST)
                .uri(url.as_str())
                .header(CONTENT_TYPE, "application/json; charset=utf-8")
                .header(ACCEPT, "application/jwt, application/json")
                .header(USER_AGENT, USER_AGENT_VALUE)
                .body(Full::new(body.clone()))
                .map_err(build_error)
        };
        let response = self
            .inner
            .transport
            .send(Idempotency::NotIdempotent, &make, &self.deadline())
            .instrument(span.clone())
            .await?;
        if !matches!(response.status, 200 | 201) {
            return Err(response.into_error());
        }
        match response.header("digest") {
            Some(digest) => {
                let expected = format!("SHA-256={}", crypto::sha256_base64(&response.body));
                if digest.trim() != expected {
                    return Err(Error::with_source(
                        ErrorKind::InvalidResponse,
                        "the tokens answer does not match its Digest header",
                        Message("digest mismatch"),
                    ));
                }
            }
            None if self.inner.require_tokens_digest => {
                return Err(Error::new(ErrorKind::InvalidResponse, "the tokens answer has no Digest header"));
            }
            None => {}
        }
        let token = core::str::from_utf8(&response.body)
            .map_err(|e| {
                Error::with_source(ErrorKind::InvalidResponse, "the transient token is not UTF-8", e)
            })?
            .trim()
            .to_owned();
        Jwt::parse(&token).map_err(|e| {
            Error::with_source(ErrorKind::InvalidResponse, "the answer is not a transient-token JWT", e)
        })?;
        span.in_scope(|| tracing::info!(token = %mask(&token), "transient token received"));
        Ok(token)
    }

    /// Verifies a transient token issued for `context`: RS256 with `flx.jwk` when the token's kid is
    /// `flx.jwk.kid` (what the Flex documentation prescribes), otherwise with the public-keys endpoint; then
    /// `exp`/`iat` with the leeway.
    ///
    /// # Errors
    /// [`ErrorKind::Verification`], or the errors of [`Client::public_key`] for another kid.
    pub async fn verify_transient_token(
        &self,
        token: &str,
        context: &CaptureContext,
    ) -> Result<TransientToken, Error> {
        let verifier = &self.inner.transient_token_verifier;
        let jwt =
            verifier.parse(token).map_err(|e| verification("the transient token is not a valid JWT", e))?;
        let kid = *jwt
            .kid()
            .ok_or_else(|| Error::new(ErrorKind::Verification, "the transient token has no kid"))?;
        let authenticated = if context.encryption_key().kid() == Some(&kid) {
            verifier
                .verify_signature(&jwt, context.encryption_key())
                .map_err(|e| verification("the transient token signature does not verify", e))?
        } else {
            self.authenticate_with_endpoint_key(verifier, &jwt, &kid, &self.deadline()).await?
        };
        let verified = authenticated
            .validate(unix_now()?)
            .map_err(|e| verification("the transient token claims are not valid", e))?;
        let claims: TransientTokenClaims<'_> = verified
            .claims()
            .map_err(|e| verification("the transient token claims have the wrong shape", e))?;
        let claims = claims.into_owned();
        tracing::debug!(jti = %mask(&claims.jti), "transient token verified");
        Ok(TransientToken::new(token.to_owned(), claims))
    }
}

/// What a Microform page posts: the hosted fields' number (required) and security code, and the expiry and
/// card type the page adds. A Microform context lists no fields of its own.
const MICROFORM_REQUIRED: [&str; 1] = ["paymentInformation.card.number"];
const MICROFORM_OPTIONAL: [&str; 4] = [
    "paymentInformation.card.securityCode",
    "paymentInformation.card.expirationMonth",
    "paymentInformation.card.expirationYear",
    "paymentInformation.card.type",
];

/// Every field must be listed by the context (for a Microform context: be one the page posts), and every
/// required field present.
fn check_fields(claims: &CaptureContextClaims<'_>, data: &PaymentData) -> Result<(), Error> {
    let fields = data.fields();
    let microform = claims.kind() == ContextKind::Microform;
    let accepts = |path: &str| {
        if microform {
            MICROFORM_REQUIRED.contains(&path) || MICROFORM_OPTIONAL.contains(&path)
        } else {
            claims.accepts_field(path)
        }
    };
    if let Some((path, _)) = fields.iter().find(|(path, _)| !accepts(path)) {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("the capture context does not accept the field {}", printable(path)),
        ));
    }
    let required: Box<dyn Iterator<Item = &str>> =
        if microform { Box::new(MICROFORM_REQUIRED.into_iter()) } else { Box::new(claims.required_fields()) };
    if let Some(missing) =
        required.into_iter().find(|req| !fields.iter().any(|(path, v)| path == req && !v.expose().is_empty()))
    {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("the required field {} is missing", printable(missing)),
        ));
    }
    Ok(())
}

/// A field path for an error message: paths are names, not values, but cap and sanitize them anyway.
fn printable(path: &str) -> String {
    path.chars().take(96).map(|c| if c.is_ascii_graphic() { c } else { '?' }).collect()
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
