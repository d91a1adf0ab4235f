//! Zero-copy, hardened RS256 JWT verification for Cybersource Flex API v2 (capture contexts and transient tokens).
//!
//! Sans-IO: no sockets, files, environment or clock; `now` is an argument. All `ring` calls sit in one module.
//!
//! The pipeline is a typestate, so claims are never read before the signature checked out:
//! 1. [`Jwt::parse`] splits the compact token (exactly three segments, strict base64url, size caps) and parses the
//!    protected header once, into inline data (no heap). `alg` must be `RS256`/`RS384`/`RS512`: `none` and HMAC
//!    algorithms are not representable. `kid` is required and limited to `[A-Za-z0-9._-]{1,64}`.
//! 2. [`Verifier::verify_signature`] picks the key by `kid` (never via `jku`, `x5u`, `jwk` or `x5c`), applies the
//!    algorithm allow-list (`RS256` only by default), the key's own algorithm binding, `crit` and `typ` policy, and
//!    checks the signature. Up to here nothing of ours allocates; the signature sits in a stack buffer.
//! 3. [`Authenticated::validate`] decodes the claims, rejects duplicate members at any depth, and checks `exp`
//!    (required), `nbf`, `iat` (not in the future) and `iss` with checked arithmetic and a leeway (default 60 s).
//! 4. [`Verified::claims`] deserializes into your type, borrowing from the verified payload
//!    (e.g. `flex_types::CaptureContextClaims<'_>`).
//!
//! Steps 3 and 4 in one pass: [`Verifier::verify_into`] (or [`Authenticated::validate_into`]) decodes the payload
//! into a buffer you own and deserializes your type from it while the same pass checks strictness and reads the
//! registered claims; the value is returned only if every check passed. It is the fastest way to typed claims.
//! Claims JSON is read by the crate's own strict serde `Deserializer`, not serde_json: one implementation of the
//! strictness rules, and errors that carry a position, never input.
//!
//! Keys ([`RsaPublicKey`], [`KeySet`]) come from JWKs, PKCS#1 or SPKI DER, or PEM; their modulus must be
//! 2048..=8192 bits counted exactly (ring alone accepts a 2041-bit key), and `e = 65537` unless you opt into
//! [`ExponentPolicy::AnyOdd`]. Flex signs the transient token with the capture context's `flx.jwk`, which says
//! `"use":"enc"`: [`RsaPublicKey::from_flex_capture_context_jwk`] is the one named opt-in that accepts it.
//! [`dangerous::insecure_decode`] shows a token without verifying anything, and
//! [`dangerous::insecure_claims_into`] reads its claims that way.
//!
//! Errors ([`Error`]) are small `Copy` enums that say which check failed and never contain token bytes.
//!
//! # Example
//!
//! ```
//! use flex_jwt::{Claim, ClaimProblem, Error, KeySet, RsaPublicKey, Verifier};
//! use serde::Deserialize;
//!
//! const JWK: &str = r#"{"kty": "RSA", "kid": "rsa2048", "n": "yJ6eVvXXW3foAg6IKgaW1kDfL46Vk2-JGG7SNYEl_z-3jU19CWS-UTlTCI7TTiQiMs5qj1FmVNpTQYsNopcODKQPSwc7U64enUqLazxUwSweTwV2ctwtcvUknJpRfx9Xe2yBH-zHUhmEFuf3jRfmcsef5tlrgKLWopfE_67IiM6fUtQ43NkV4eZq8UKZGv7G4oALevu-T1FUuZgkYlDvZLpll0bQjou5N06Ztnul03kHB3oNuyeip5gXxXrn5y3JPeIHe5KGEjDyHWM4EQZLey5Ytv8rdlyz5igiA8LJs_QpnXg5OVxaKA0dnze2IAxdiAYn7MUO8J1jM8hXJto0nw", "e": "AQAB"}"#;
//! const TOKEN: &str = "eyJraWQiOiJyc2EyMDQ4IiwiYWxnIjoiUlMyNTYifQ.eyJpc3MiOiJmbGV4LXRlc3QiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6NDEwMjQ0NDgwMCwianRpIjoidGVzdC0wMDAxIn0.M10p7DYxZobLdOEyHfx3lq2gZ31uQafxm1ryINV0b1FR85ZDM67HyZtIYYXrVC-WpLKs2GA8Yq6TmwcR4ubDWjlhw2hmab0K1tm33deAnUYU9llGEa5ujiZzICwdKYdAElk2P--b66TTiZGGtItiBitbXkv1tAYeJb4XiVABjkrYF5ZXX7l-LXBgmecR9n6GV_mga1RqlpJuhXmVv44j86AiBoIp_jZS8rN8ZgEisf_89cafMbKCzpU5U370802jUSOFOqHAFSauIqrb1lwA9mVBppmw4Y5fskI7SaK4cbTjxH_EgaiTK6JAeprBxlb1cykhCXC1yv9e01oDF_9NNg";
//!
//! #[derive(Deserialize)]
//! struct Claims<'a> {
//!     iss: &'a str,
//!     jti: &'a str,
//! }
//!
//! let mut keys = KeySet::new();
//! keys.insert(RsaPublicKey::from_jwk(JWK)?)?;
//! let verifier = Verifier::new().with_issuer("flex-test");
//!
//! let now = 1_700_000_100; // seconds since the Unix epoch: you pass the clock in
//! let verified = verifier.verify_token(TOKEN, &keys, now)?;
//! let claims: Claims<'_> = verified.claims()?; // borrows from the verified payload
//! assert_eq!((claims.iss, claims.jti), ("flex-test", "test-0001"));
//!
//! // The same in one pass over the payload, borrowing from a buffer you can reuse for the next token.
//! let mut buf = Vec::new();
//! let claims: Claims<'_> = verifier.verify_into(TOKEN, &keys, now, &mut buf)?;
//! assert_eq!(claims.jti, "test-0001");
//!
//! // After `exp` (+ leeway) the same token is refused, and the error says exactly why.
//! let late = verifier.verify_token(TOKEN, &keys, 4_102_444_800 + 61).map(|_| ());
//! assert_eq!(late, Err(Error::Claim { claim: Claim::Exp, problem: ClaimProblem::Expired }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

#[cfg(not(any(feature = "ring", feature = "aws-lc-rs", feature = "fips")))]
compile_error!(
    "flex-jwt needs a crypto provider: enable its `ring` (default), `aws-lc-rs` or `fips` feature"
);

/// The crypto provider this build uses, chosen by feature: `"ring"` (the default), `"aws-lc-rs"` or
/// `"aws-lc-rs (FIPS)"`. When a build enables more than one, aws-lc-rs is used.
pub const CRYPTO_PROVIDER: &str = crypto::PROVIDER;

// base64url, the strict JSON reader and every crypto call (its `crypto` module) are flex-jose's, shared with
// flex-jwe and flex-auth.
use flex_jose::{b64, crypto, json};

mod alg;
pub mod dangerous;
mod error;
/// Hooks for `fuzz/` and the benchmarks (among them a verify that skips the RSA check). Unstable, not for
/// production: compiled only with the non-default `fuzzing` feature.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod header;
mod jwt;
mod key;
mod kid;
mod verify;

pub use alg::{Algorithm, AlgorithmSet};
pub use error::{Claim, ClaimProblem, Error, HeaderError, JsonError, KeyError, Segment};
pub use header::{Header, KeyReferences, MAX_CRIT, MAX_CRIT_NAME_LEN, MAX_MEDIA_TYPE_LEN};
pub use jwt::{Jwt, Limits};
pub use key::{
    ExponentPolicy, KeyOptions, KeySet, KeyUse, MAX_KEY_SET_LEN, MAX_MODULUS_BITS, MIN_MODULUS_BITS,
    RsaPublicKey,
};
pub use kid::{InvalidKid, Kid, MAX_KID_LEN};
pub use verify::{
    Authenticated, DEFAULT_LEEWAY_SECS, DEFAULT_MAX_JSON_DEPTH, KeyLookup, MAX_LEEWAY_SECS, Verified,
    Verifier,
};
