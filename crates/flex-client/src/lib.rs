//! The Cybersource Flex API v2 client: one call for a verified capture context, one to verify a transient token.
//!
//! This is the only `flex-*` crate that does network IO. It puts the sans-IO crates together:
//! `flex-auth` signs `POST /flex/v2/sessions` (JWT or HTTP Signature, each attempt freshly signed),
//! `flex-jwt` verifies capture contexts and transient tokens, `flex-jwe` encrypts card data for the tokenization
//! step, and `flex-types` is the schema.
//!
//! - **Transport**: hyper 1 + hyper-util's pooled client, rustls with the *ring* provider (no aws-lc, no
//!   OpenSSL), HTTP/1.1 and HTTP/2 by ALPN, keep-alive, the webpki roots plus any extra CA
//!   ([`ClientBuilder::add_root_certificate_pem`]). Time limits for connect, for each whole attempt (body
//!   included) and an operation deadline over every attempt and backoff of a call, a cap on response bodies, retries with full-jitter backoff for `GET`s and for requests that never left
//!   the client; a `POST` that may have reached the server is never retried.
//! - **Public keys**: fetched over the same transport as every other call (same pool, time limits and TLS;
//!   the official SDKs build a second, unconfigured client for this), cached by (host, kid) with
//!   single-flight on concurrent misses, a TTL, one refetch when a cached key fails a signature (rotation), a
//!   rate limit for unknown kids and a bounded size. A kid is validated before it goes into a URL.
//! - **Errors**: one opaque [`Error`] with an [`ErrorKind`]; error answers of every Cybersource shape are
//!   parsed and the correlation id is always surfaced (body `correlationId` or `v-c-correlation-id`).
//! - **Logs**: `tracing` spans per operation and per HTTP attempt; tokens and ids appear only as `***` plus
//!   their last four characters ([`mask`]); secrets and card data never.
//!
//! # Example
//!
//! The whole flow against the embedded offline sandbox (`flex-sandbox`):
//!
//! ```
//! use flex_client::{Client, ErrorKind, PaymentData};
//! use flex_sandbox::{Sandbox, TEST_KEY_ID, TEST_MERCHANT_ID, TEST_SHARED_SECRET};
//! use flex_types::{FieldPath, SessionRequest};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::builder().start().await?;
//! let client = Client::builder()
//!     .base_url(sandbox.base_url())
//!     .shared_secret(TEST_MERCHANT_ID, TEST_KEY_ID, TEST_SHARED_SECRET)
//!     .build()?;
//!
//! // Server side: a verified capture context.
//! let request = SessionRequest::new()
//!     .require(FieldPath::CardNumber)
//!     .optional(FieldPath::CardExpirationMonth)
//!     .optional(FieldPath::CardExpirationYear);
//! let context = client.create_capture_context(&request).await?;
//! assert_eq!(context.claims().iss, "Flex API");
//!
//! // Browser/app side (here for the test): card data to a transient token.
//! let card = PaymentData::flat()
//!     .with("paymentInformation.card.number", "4111111111111111")?
//!     .with("paymentInformation.card.expirationMonth", "12")?
//!     .with("paymentInformation.card.expirationYear", "2031")?;
//! let token = client.tokenize(&context, card).await?;
//!
//! // Server side again: verify it before using it in a payment.
//! let verified = client.verify_transient_token(&token, &context).await?;
//! assert_eq!(verified.claims().masked_card_number(), Some("411111XXXXXX1111"));
//!
//! // A tampered token is refused with a typed error.
//! let tampered = format!("{token}x");
//! let err = client.verify_transient_token(&tampered, &context).await.unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::Verification);
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod cause;
mod client;
mod config;
mod connect;
mod context;
mod crypto;
mod error;
mod keys;
mod mask;
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
pub use proxy::Proxy;

// What a request needs, so that this crate is the only dependency of the common path.
pub use flex_auth::{Credentials, MerchantPrivateKey, SharedSecret};
pub use flex_jwt::RsaPublicKey;
pub use flex_types::{CaptureContextClaims, FieldPath, SessionRequest, TransientTokenClaims};
