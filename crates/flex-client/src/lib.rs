//! The Cybersource Flex API v2 client: one call for a verified capture context (Flex API or Microform v2), one
//! to verify a transient token, one to pay with it.
//!
//! This is the only `flex-*` crate that does network IO. It puts the sans-IO crates together:
//! `flex-auth` signs the merchant requests (`POST /flex/v2/sessions`, `POST /microform/v2/sessions`,
//! `POST /pts/v2/payments`, `GET /pts/v2/payments/{id}`; JWT or HTTP Signature, each attempt freshly signed),
//! `flex-jwt` verifies capture contexts and transient tokens, `flex-jwe` encrypts card data for the tokenization
//! step, and `flex-types` is the schema.
//!
//! - **Transport**: hyper 1 + hyper-util's pooled client, rustls with the provider of the build (see
//!   [Crypto providers](#crypto-providers); no OpenSSL), HTTP/1.1 and HTTP/2 by ALPN, keep-alive, the webpki
//!   roots plus any extra CA ([`ClientBuilder::add_root_certificate_pem`]). Time limits for connect, for each whole attempt (body
//!   included) and an operation deadline over every attempt and backoff of a call, a cap on response bodies,
//!   retries with full-jitter backoff for `GET`s and for requests that never left the client; a `POST` that
//!   may have reached the server is never retried, nor is a connection that failed for good (an untrusted
//!   certificate, a proxy refusing `CONNECT`), and a payment is never retried at all ([`Client::authorize`]).
//! - **Public keys**: fetched over the same transport as every other call (same pool, time limits and TLS;
//!   the official SDKs build a second, unconfigured client for this), cached by (host, kid) with
//!   single-flight on concurrent misses, a TTL, one refetch when a cached key fails a signature (rotation), a
//!   rate limit for unknown kids and a bounded size. A kid is validated before it goes into a URL.
//! - **Proxies**: HTTP proxies from the builder ([`ClientBuilder::proxy`]) or the usual variables
//!   (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, either case; [`Proxy`]): every connection is an HTTP `CONNECT`
//!   tunnel (hyper-util's), TLS runs end to end inside it, and proxy credentials are never shown.
//! - **Errors**: one opaque [`Error`] with an [`ErrorKind`]; a failed connection is one line naming the host
//!   and the root cause (`connection refused to 127.0.0.1:9`, `certificate not trusted (unknown issuer) for
//!   127.0.0.1:8443`, `cannot resolve host example.invalid`, `proxy 127.0.0.1:3128 refused CONNECT to
//!   api.cybersource.com:443: 407`, `timed out after 30 s: ...`); error answers of every Cybersource shape are
//!   parsed and the correlation id is always surfaced (body `correlationId` or `v-c-correlation-id`).
//! - **Logs**: `tracing` spans per operation and per HTTP attempt; tokens and ids appear only as `***` plus
//!   their last four characters ([`mask`]); secrets and card data never.
//!
//! This crate re-exports what a request needs ([`SessionRequest`], [`FieldPath`], [`MicroformSessionRequest`],
//! [`CardNetwork`], [`PaymentRequest`], [`Amount`], [`Currency`], [`BillTo`], [`PaymentData`], [`Credentials`],
//! [`SharedSecret`], [`MerchantPrivateKey`], [`RsaPublicKey`]) and what the answers hold (the claims types,
//! [`ContextKind`], [`CardExpiry`], [`PaymentResponse`], [`PaymentStatus`]), so it is the only dependency of the
//! common path.
//!
//! # Crypto providers
//!
//! One feature selects the crypto of the whole client: the JOSE layer (`flex_jose::crypto`: signatures, request
//! signing, card-data encryption), this crate's own SHA-256 (`Digest` header) and randomness (retry jitter), and
//! TLS (rustls's `CryptoProvider`, passed explicitly to the client's TLS configuration, never installed as the
//! process default).
//!
//! | feature | JOSE layer ([`CRYPTO_PROVIDER`]) | TLS ([`TLS_PROVIDER`]) |
//! |---|---|---|
//! | `ring` (default) | ring; RSA-OAEP from the pure-Rust `rsa` crate | rustls's ring provider |
//! | `aws-lc-rs` | aws-lc-rs (AWS-LC); RSA keys prepared once, constant-time RSA-OAEP | rustls's `aws_lc_rs` provider |
//! | `fips` | aws-lc-rs on AWS-LC's FIPS 140-3 module | rustls's FIPS provider ([`Client::tls_fips`] is true) |
//!
//! Select one with `default-features = false`, e.g. `flex-client = { version = "0.1", default-features = false,
//! features = ["aws-lc-rs"] }`: such a build compiles neither ring nor `rsa`. When more than one is enabled,
//! aws-lc-rs is used (its FIPS module with `fips`). `fips` builds AWS-LC's FIPS module from source: it needs CMake
//! and Go at build time and a platform the module supports (see aws-lc-rs's documentation); whether the resulting
//! binary counts as validated depends on the module's certificate and its operational environment, not on this
//! crate.
//!
//! # The server-side flow
//!
//! 1. When the checkout page loads, create a capture context ([`Client::create_capture_context`] for the Flex
//!    API, [`Client::create_microform_context`] for Microform v2) and **store its string with the checkout
//!    session** (it is a signed JWT; keep it exactly as received), then hand the same string to the page, which
//!    loads Microform (from the context's `clientLibrary`) or Unified Checkout with it.
//! 2. When the page posts the transient token back, **verify it against the stored string**:
//!    [`Client::verify_capture_context`] re-checks the stored context (signature, expiry) and gives the
//!    [`CaptureContext`] whose `flx.jwk` signs the token, then [`Client::verify_transient_token`] checks the
//!    token. Its masked number, BIN, card type and expiry are then trustworthy.
//! 3. **Authorize** with the verified token: [`Client::authorize`] sends it as
//!    `tokenInformation.transientTokenJwt` of `POST /pts/v2/payments` and returns a [`PaymentOutcome`]; a
//!    decline is an outcome, not an error. The payment request is never retried: after a network failure, look
//!    the payment up before paying again. [`Client::payment`] reads a payment back by its id.
//!
//! # Example
//!
//! The whole flow against the embedded offline sandbox (`flex-sandbox`), with the browser's step done here:
//!
//! ```
//! use flex_client::{Amount, Client, ErrorKind, FieldPath, PaymentData, PaymentOutcome, PaymentRequest};
//! use flex_client::SessionRequest;
//! use flex_sandbox::{Sandbox, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::builder().start().await?;
//! // Against Cybersource: `ClientBuilder::from_env()` (FLEX_ENV, FLEX_MERCHANT_ID, FLEX_KEY_ID,
//! // FLEX_SHARED_SECRET or FLEX_PRIVATE_KEY_FILE, HTTPS_PROXY, FLEX_CA_FILE, ...).
//! let client = Client::builder()
//!     .base_url(sandbox.base_url())
//!     .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, TEST_SHARED_SECRET)
//!     .build()?;
//!
//! // 1. Server side: a verified capture context; store its string with the checkout session.
//! let request = SessionRequest::new()
//!     .require(FieldPath::CardNumber)
//!     .optional(FieldPath::CardExpirationMonth)
//!     .optional(FieldPath::CardExpirationYear);
//! let context = client.create_capture_context(&request).await?;
//! let stored: String = context.as_str().to_owned();
//!
//! // Browser/app side (here for the example): card data to a transient token.
//! let card = PaymentData::flat()
//!     .with("paymentInformation.card.number", "4111111111111111")?
//!     .with("paymentInformation.card.expirationMonth", "12")?
//!     .with("paymentInformation.card.expirationYear", "2031")?;
//! let token = client.tokenize(&context, card).await?;
//!
//! // 2. Server side again, when the token arrives: verify it against the stored context string.
//! let context = client.verify_capture_context(&stored).await?;
//! let verified = client.verify_transient_token(&token, &context).await?;
//! assert_eq!(verified.masked_card_number(), Some("411111XXXXXX1111"));
//!
//! // A tampered token is refused with a typed error.
//! let tampered = format!("{token}x");
//! let err = client.verify_transient_token(&tampered, &context).await.unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::Verification);
//!
//! // 3. Server side: pay with the verified token. A decline would be `Ok(PaymentOutcome::Declined { .. })`.
//! let payment = PaymentRequest::builder(verified.as_str(), Amount::parse("10.00", "USD")?)
//!     .reference("order-42")
//!     .build()?;
//! let outcome = client.authorize(&payment).await?;
//! assert!(matches!(outcome, PaymentOutcome::Authorized(_)));
//! assert_eq!(outcome.response().authorized_amount(), Some("10.00"));
//! // The token is spent: a second payment with it is a 400 naming `tokenInformation.jti`.
//! let err = client.authorize(&payment).await.unwrap_err();
//! assert_eq!(err.details(), [(Some("tokenInformation.jti"), Some("INVALID_DATA"))]);
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Microform v2
//!
//! The same flow with a Microform capture context: the page names where it is hosted, and the transient token
//! carries the Microform v2 card details (BIN, detected card types, expiry).
//!
//! ```
//! use flex_client::{CardNetwork, Client, ContextKind, MicroformSessionRequest, PaymentData};
//! use flex_sandbox::{Sandbox, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sandbox = Sandbox::builder().start().await?;
//! # let client = Client::builder()
//! #     .base_url(sandbox.base_url())
//! #     .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, TEST_SHARED_SECRET)
//! #     .build()?;
//! let request = MicroformSessionRequest::builder()
//!     .target_origin("https://shop.example")
//!     .card_networks([CardNetwork::Visa, CardNetwork::Mastercard])
//!     .build()?;
//! let context = client.create_microform_context(&request).await?;
//! assert_eq!(context.kind(), ContextKind::Microform);
//! let page = context.microform().ok_or("not a Microform context")?;
//! assert_eq!(page.target_origins, ["https://shop.example"]);
//! assert!(page.client_library.is_some() && page.client_library_integrity.is_some());
//!
//! // What the hosted fields post (done here for the example).
//! let card = PaymentData::flat()
//!     .with("paymentInformation.card.number", "4111111111111111")?
//!     .with("paymentInformation.card.securityCode", "123")?
//!     .with("paymentInformation.card.expirationMonth", "12")?
//!     .with("paymentInformation.card.expirationYear", "2031")?;
//! let token = client.tokenize(&context, card).await?;
//! let verified = client.verify_transient_token(&token, &context).await?;
//! assert_eq!(verified.kind(), ContextKind::Microform);
//! assert_eq!((verified.bin(), verified.masked_card_number()), (Some("411111"), Some("XXXXXXXXXXXX1111")));
//! assert_eq!(verified.expiry().map(|e| (e.month, e.year)), Some((12, 2031)));
//! # sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Proxy and CA settings
//!
//! ```
//! use flex_client::{Client, Proxy};
//!
//! # fn main() -> Result<(), flex_client::Error> {
//! let proxy = Proxy::parse("http://user:password@proxy.internal:3128")?.with_no_proxy("localhost,10.0.0.0/8");
//! assert_eq!(proxy.https_proxy().as_deref(), Some("http://***@proxy.internal:3128"));
//! let client = Client::builder()
//!     .proxy(proxy)
//!     // Extra trusted roots, e.g. the CA `cybs-flex sandbox serve --tls-generate-ca ca.pem` wrote
//!     // (`add_root_certificate_file`, or `FLEX_CA_FILE` with `from_env`).
//!     // .add_root_certificate_file("ca.pem")
//!     .build()?;
//! # drop(client);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

#[cfg(not(any(feature = "ring", feature = "aws-lc-rs", feature = "fips")))]
compile_error!(
    "flex-client needs a crypto provider: enable its `ring` (default), `aws-lc-rs` or `fips` feature"
);

/// The crypto provider of the JOSE layer (capture-context and transient-token signatures, request signing, card-data
/// encryption) and of this crate's own digests and randomness: `flex_jose::crypto::PROVIDER`, `"ring"`,
/// `"aws-lc-rs"` or `"aws-lc-rs (FIPS)"`. The crate's `ring` / `aws-lc-rs` / `fips` features select it; when a build
/// enables more than one, aws-lc-rs is used.
pub const CRYPTO_PROVIDER: &str = crypto::JOSE_PROVIDER;

/// The crypto provider of TLS (rustls's `CryptoProvider`, given explicitly to every connection's configuration):
/// `"ring"`, `"aws-lc-rs"` or `"aws-lc-rs (FIPS)"`, selected by the same features with the same precedence as
/// [`CRYPTO_PROVIDER`]. [`Client::tls_fips`] says whether the TLS configuration is FIPS-compatible.
pub const TLS_PROVIDER: &str = crypto::TLS_PROVIDER;

mod cause;
mod client;
mod config;
mod connect;
mod context;
mod crypto;
mod error;
mod keys;
mod mask;
mod payment;
mod proxy;
mod transport;

pub use client::{Client, ClientBuilder};
pub use config::{
    AuthScheme, Environment, KeyCachePolicy, MAX_OPERATION_TIMEOUT_SECS, OriginPattern, RetryPolicy,
};
pub use context::{CaptureContext, TransientToken};
pub use error::{Error, ErrorKind};
pub use flex_jwe::PaymentData;
pub use keys::KeyCacheStats;
pub use mask::mask;
pub use payment::PaymentOutcome;
pub use proxy::Proxy;

// What a request needs, so that this crate is the only dependency of the common path.
pub use flex_auth::{Credentials, MerchantPrivateKey, SharedSecret};
pub use flex_jwt::RsaPublicKey;
pub use flex_types::{
    Amount, AmountError, BillTo, CaptureContextClaims, CardExpiry, CardNetwork, CardSummary, ContextKind,
    CtxData, Currency, FieldPath, MicroformRequestError, MicroformSessionRequest,
    MicroformSessionRequestBuilder, PaymentRequest, PaymentRequestBuilder, PaymentRequestError,
    PaymentResponse, PaymentStatus, PaymentType, SessionRequest, TransientTokenClaims,
};
