//! Cybersource REST request authentication, signing **and** verifying, sans-IO.
//!
//! Two schemes (`reference/flex-api.md` §7):
//! - **HTTP Signature** (HMAC-SHA256 over `host`, `date`, `request-target`, `digest`, `v-c-merchant-id`),
//!   deprecated by Cybersource from September 2026;
//! - **JWT authentication v2** (`Authorization: Bearer`), `HS256` with the shared secret or `RS256` with a
//!   merchant private key, the claims binding host, path, method and body digest.
//!
//! The API follows aws-sigv4: a borrowed [`SignableRequest`] plus [`Credentials`] plus [`SigningParams`]
//! (the time is an argument, never read from a clock) give [`SigningInstructions`], the exact headers to add.
//! With the `http` feature, `SigningInstructions::apply_to_request` sets them on an `http::Request`.
//! [`Verifier`] checks both schemes against keys found through a [`CredentialLookup`]; it serves the
//! offline sandbox.
//!
//! This crate never touches sockets, files, environment variables or the clock. Secrets are decoded once,
//! zeroized on drop, not `Clone`, and print redacted; so do the signing instructions.
//!
//! # Example
//!
//! ```
//! use flex_auth::{
//!     sign, Credentials, KeyStore, ReceivedRequest, RegisteredKey, SharedSecret, SignableRequest,
//!     SigningParams, UnixTime, Verifier, VerifierConfig, VerifyingKey,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! const SECRET: &str = "yBJxy6LjM2TmcPGu+GaJrHtkke25fPpUX+UY6/L/1tE=";
//! const KEY_ID: &str = "08c94330-f618-42a3-b09d-e1e43be5efda";
//! let body = br#"{"fields":{"paymentInformation":{"card":{"number":{}}}}}"#;
//! let now = UnixTime::from_secs(1_563_409_083).ok_or("time out of range")?;
//!
//! // Client side: sign.
//! let creds = Credentials::shared_secret("testrest", KEY_ID, SharedSecret::from_base64(SECRET)?)?;
//! let request = SignableRequest::new("POST", "apitest.cybersource.com", "/flex/v2/sessions", body)?;
//! let instructions = sign(&request, &creds, &SigningParams::http_signature(now))?;
//! assert_eq!(instructions.get("Date"), Some("Thu, 18 Jul 2019 00:18:03 GMT"));
//! assert!(instructions.to_string().contains("Signature: <redacted>"));
//!
//! // Server side: verify.
//! let mut keys = KeyStore::new();
//! let secret = SharedSecret::from_base64(SECRET)?;
//! keys.insert(KEY_ID, RegisteredKey::new("testrest", VerifyingKey::SharedSecret(secret))?)?;
//! let verifier = Verifier::new(keys, VerifierConfig::default());
//! let headers: Vec<(&str, &str)> = instructions.headers().collect();
//! let received = ReceivedRequest {
//!     method: "POST",
//!     authority: "apitest.cybersource.com",
//!     path_and_query: "/flex/v2/sessions",
//!     headers: &headers,
//!     body,
//! };
//! let who = verifier.verify(&received, now)?;
//! assert_eq!(who.merchant_id, "testrest");
//! # Ok(())
//! # }
//! ```
//!
//! # Choices where the official SDKs disagree
//! - `digest-algorithm` (Node) vs `digestAlgorithm` (Python), and `request-method` `post` vs `POST`: the
//!   signer defaults to Node's spelling ([`JwtClaimOptions`]); the verifier accepts both.
//! - P12 key stores are not read (no well-kept pure-Rust PKCS#12 reader without legacy RC2/3DES code);
//!   convert to PKCS#8 with `openssl` (see [`MerchantPrivateKey`]).

#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

#[cfg(not(any(feature = "ring", feature = "aws-lc-rs", feature = "fips")))]
compile_error!(
    "flex-auth needs a crypto provider: enable its `ring` (default), `aws-lc-rs` or `fips` feature"
);

/// The crypto provider this build uses, chosen by feature: `"ring"` (the default), `"aws-lc-rs"` or
/// `"aws-lc-rs (FIPS)"`. When a build enables more than one, aws-lc-rs is used.
pub const CRYPTO_PROVIDER: &str = crypto::PROVIDER;

// Every `ring` call (HMAC, SHA-256, RS256 signing, randomness) is flex-jose's `crypto` module.
use flex_jose::crypto;

mod canonical;
mod error;
mod jws;
mod keys;
mod sign;
mod signature_header;
mod time;
mod verify;

#[cfg(test)]
mod test_vectors;

pub use error::{CredentialError, SigningError, VerifyError};
/// RS256 verifying keys are `flex-jwt`'s, with its import formats and key policy (2048..=8192 bits exactly,
/// e = 65537), re-exported for convenience.
pub use flex_jwt::RsaPublicKey;
pub use keys::{Credentials, MerchantPrivateKey, SharedSecret, SigningKey};
pub use sign::{
    DigestAlgorithmClaim, JWT_LIFETIME_SECS, JwtClaimOptions, JwtId, MethodCase, SignableRequest,
    SigningInstructions, SigningParams, SigningScheme, sign,
};
pub use time::{HttpDate, UnixTime};
pub use verify::{
    AuthScheme, Authenticated, CredentialLookup, KeyStore, MAX_JTI_LEN, ReceivedRequest, RegisteredKey,
    Verifier, VerifierConfig, VerifyingKey,
};

/// Hooks for fuzzing and property tests. Unstable, not for production: compiled only with the non-default
/// `fuzzing` feature.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    /// Runs the strict `Signature` header parser; `true` if it accepted the input.
    pub fn parse_signature_header(input: &str) -> bool {
        crate::signature_header::parse(input).is_some()
    }

    /// Runs the strict IMF-fixdate parser.
    pub fn parse_http_date(input: &str) -> Option<i64> {
        crate::time::UnixTime::parse_http_date(input).map(crate::time::UnixTime::as_secs)
    }
}
