//! An offline emulator of the Cybersource Flex API v2 endpoints, for demos and tests.
//!
//! One call starts a hyper server on an ephemeral loopback port (plain HTTP/1.1 and HTTP/2 by prior
//! knowledge) that answers like the real service:
//!
//! - `POST /flex/v2/sessions`: authenticates HTTP Signature or JWT (`flex-auth`'s verifier) against the
//!   configured merchants (by default the public test merchant `testrest` of the official SDKs' tests, so
//!   existing clients work unchanged); failures get the gateway's `401 {"response":{"rmsg":"Authentication
//!   Failed"}}`. Validates the body (`400` with `responseStatus.details[].location`), then answers `201`,
//!   `application/jwt`: a capture context shaped like the real one (RS256 by a long-term key with a short kid;
//!   `flx.jwk` a per-session RSA-2048 `enc` key with a 32-character kid; `flx.origin` this sandbox).
//! - `GET /flex/v2/public-keys/{kid}`: the signing key as one JWK (`kty`, `e`, `use`, `n`, `kid`, `alg`).
//! - `POST /flex/v2/tokens` with `{"keyId":"<JWE>"}`: decrypts with the session key, checks that the context
//!   was issued here, is unexpired and unused (one-time), that the fields match `requiredFields` /
//!   `optionalFields` (flat or nested `data`), and the card number (Luhn), month and year; answers `201` with a
//!   transient token signed by the session key (verifiable with `flx.jwk`) and a `Digest: SHA-256=` header.
//! - `POST /microform/v2/sessions`: the same authentication, keys and session store; the body is a
//!   [`MicroformSessionRequest`](flex_types::MicroformSessionRequest); the capture context is a Microform one
//!   (`ctx[0].type` `mf-2.0.0`, `clientLibrary`, `targetOrigins`, `mfOrigin`, the networks), and its transient token
//!   (through the same `/flex/v2/tokens`) has the Microform v2 `content` shape.
//! - `POST /pts/v2/payments`: authenticated like sessions; authorizes a [`PaymentRequest`](flex_types::PaymentRequest)
//!   whose transient token this sandbox issued, verified with the key that signed it, unexpired and unused (a
//!   second use is `400` with `details[{field:"tokenInformation.jti", reason:"INVALID_DATA"}]`); the outcome follows
//!   test card numbers (decline, review, partial authorization; see the README). `GET /pts/v2/payments/{id}`
//!   returns the answer again.
//!
//! Time comes from a [`Clock`] ([`ManualClock`] in tests, so expiry needs no sleeping); state is bounded
//! ([`SandboxConfig::max_sessions`], [`SandboxConfig::max_replay_entries`], [`SandboxConfig::max_replay_bytes`],
//! [`SandboxConfig::max_transient_tokens`], [`SandboxConfig::max_payments`]), and so is the HTTP layer (timeouts,
//! head and body sizes, [`SandboxConfig::max_buffered_request_bytes`], [`SandboxConfig::max_connections`]; every
//! limit is listed in `docs/SECURITY.md`); RSA decryption, signing and key generation run off the async threads in
//! two bounded queues ([`SandboxConfig::max_cpu_queue`]), so a flood of JWEs cannot starve capture contexts; the
//! signing key rotates on demand; [`Faults`] injects latency, 5xx answers, malformed or wrongly signed JWTs and
//! dropped connections. Logs go through `tracing` and never contain card data, secrets or tokens.
//!
//! Plain HTTP by default; HTTPS on request ([`SandboxConfig::tls`], rustls with ring, ALPN `h2` and `http/1.1`),
//! with a PEM certificate or a CA and leaf generated at start-up ([`TlsIdentity`]; IP SAN `127.0.0.1`, DNS SAN
//! `localhost`), for clients that only speak `https://`. Handshakes need no SNI; a failed one ends only its
//! connection. The host the signatures cover is the authority the client used, with the port (`:authority`
//! under HTTP/2). Responses are never compressed.
//!
//! The official Python and Node SDKs run against it unchanged (`cargo xtask interop`).
//!
//! # Example
//!
//! A capture context from the sandbox, over loopback HTTP, signed as the test merchant with `flex-auth`:
//!
//! ```
//! use bytes::Bytes;
//! use flex_auth::{sign, Credentials, SharedSecret, SignableRequest, SigningParams, UnixTime};
//! use flex_sandbox::{Clock as _, Sandbox, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET};
//! use http_body_util::{BodyExt as _, Full};
//! use hyper_util::client::legacy::Client;
//! use hyper_util::rt::TokioExecutor;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let clock = flex_sandbox::ManualClock::starting_now();
//! let sandbox = Sandbox::builder().clock(clock.clone()).key_pool_size(0).start().await?;
//! let authority = sandbox.addr().to_string(); // "127.0.0.1:<port>", the host the signature covers
//!
//! let body = r#"{"fields":{"paymentInformation":{"card":{"number":{}}}}}"#;
//! let creds = Credentials::shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, SharedSecret::from_base64(TEST_SHARED_SECRET)?)?;
//! let signable = SignableRequest::new("POST", &authority, "/flex/v2/sessions", body.as_bytes())?;
//! let now = UnixTime::from_secs(clock.now()).ok_or("clock out of range")?;
//! let instructions = sign(&signable, &creds, &SigningParams::http_signature(now))?;
//!
//! let mut request = http::Request::post(format!("{}/flex/v2/sessions", sandbox.base_url()));
//! for (name, value) in instructions.headers() {
//!     request = request.header(name, value);
//! }
//! let request = request.header("content-type", "application/json").body(Full::new(Bytes::from(body)))?;
//! let client = Client::builder(TokioExecutor::new()).build_http();
//! let response = client.request(request).await?;
//! assert_eq!(response.status(), 201);
//! let context = String::from_utf8(response.into_body().collect().await?.to_bytes().to_vec())?;
//!
//! let claims = flex_jwt::dangerous::insecure_decode(&context)?;
//! let claims: flex_types::CaptureContextClaims<'_> = claims.claims()?;
//! assert_eq!(claims.flx.origin, sandbox.base_url());
//! assert_eq!(claims.lifetime_secs(), 900);
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Over HTTPS, start with `.tls(TlsIdentity::generate())`: [`RunningSandbox::base_url`] is then
//! `https://127.0.0.1:PORT` and [`RunningSandbox::ca_pem`] is the CA for the client to trust.
//!
//! In tests, [`TestKeys`] avoids the RSA key generation of every start (see its trade-off).
#![forbid(unsafe_code)]

mod api;
mod card;
mod clock;
mod config;
mod crypto;
mod error;
mod faults;
mod keys;
mod payments;
mod server;
mod state;
mod tls;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Merchant, SandboxConfig, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET, TestKeys};
pub use error::SandboxError;
pub use faults::Faults;
pub use server::{RunningSandbox, serve};
pub use tls::TlsIdentity;

/// Entry point: `Sandbox::builder()...start().await`.
#[derive(Debug)]
#[non_exhaustive]
pub struct Sandbox;

impl Sandbox {
    /// A default configuration: `127.0.0.1:0`, the test merchant, the system clock, 900 s contexts,
    /// 10 000 sessions at most, a pool of 4 fresh keys.
    pub fn builder() -> SandboxConfig {
        SandboxConfig::default()
    }
}
