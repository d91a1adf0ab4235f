//! The strict JOSE primitives of the flex SDK, each implemented once: `flex-jwt`, `flex-jwe` and `flex-auth` read
//! tokens through this crate, so one strictness holds everywhere.
//!
//! - [`b64`]: base64url (RFC 7515 §2): URL-safe alphabet, no padding, no whitespace, canonical last character.
//! - [`compact`]: the compact serialization of a JWS (three segments) or a JWE (five), after a size cap.
//! - [`json`]: a strict JSON reader (RFC 8259) and serde `Deserializer`: duplicate member names refused at any
//!   depth (compared after unescaping), integer-only NumericDate, depth and size caps, errors with a position and
//!   never input.
//! - [`rsa`]: the one RSA key types and parsers (public: JWK `n`/`e`, PKCS#1 and SPKI DER, PEM; private: PKCS#8
//!   and PKCS#1 DER, PEM) and the key policy (exact modulus size, odd modulus, exponent, ROCA).
//! - [`pem`]: strict PEM (RFC 7468) for public and private keys, through RustCrypto's `pem-rfc7468`.
//! - `crypto` (with a provider feature: `ring`, the default, `aws-lc-rs` or `fips`): the SDK's one boundary to its
//!   crypto library: RSASSA-PKCS1-v1_5 (with keys prepared once under aws-lc-rs), RSAES-OAEP, HMAC-SHA256,
//!   SHA-256, AES-256-GCM and the system random source, behind this crate's own types.
//!
//! Sans-IO: no sockets, files, environment or clock (the system random source is the one exception, and only
//! `crypto::fill_random` and the crypto functions that need randomness read it).
//!
//! ```
//! use flex_jose::{b64, compact, json};
//!
//! let token = "eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.c2ln";
//! let parts = compact::split_jws(token, 16 * 1024)?;
//! let header = b64::decode_vec(parts.header)?;
//! assert_eq!(header, br#"{"alg":"RS256"}"#);
//! assert_eq!(json::validate_object(br#"{"x":1,"x":2}"#, 8), Err(flex_jose::JsonError::DuplicateMember));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod b64;
pub mod compact;
#[cfg(any(feature = "ring", feature = "aws-lc-rs", feature = "fips"))]
pub mod crypto;
mod error;
/// Hooks for `fuzz/` and the crates' differential tests (the oracles against serde_json). Unstable, not for
/// production: compiled only with the non-default `fuzzing` feature.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod json;
pub mod pem;
pub mod rsa;

pub use error::{CompactError, JsonError, NumericDateError};
