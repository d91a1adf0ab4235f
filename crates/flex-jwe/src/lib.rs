//! Compact JWE for the Cybersource Flex API v2 tokenization step.
//!
//! A Flex v2 client encrypts the captured card fields to the RSA key of the capture context
//! (`flx.jwk`) and posts the result to `/flex/v2/tokens`. This crate builds that JWE and, for the
//! offline sandbox, decrypts it:
//!
//! * RFC 7516 compact serialization `b64u(header).b64u(encrypted key).b64u(iv).b64u(ciphertext).b64u(tag)`;
//! * protected header exactly `{"alg":"RSA-OAEP","enc":"A256GCM","kid":"<kid>"}` (what the official
//!   iOS SDK sends), with `RSA-OAEP-256` as an option;
//! * a fresh 32-byte CEK and 12-byte IV per message, AES-256-GCM with the ASCII of the encoded
//!   header as AAD;
//! * the plaintext [`TokenizePayload`] `{"context":…,"data":{…},"index":0}`, with `data` as flat
//!   dotted keys or nested objects ([`PaymentData`]); card values are zeroized on drop and masked
//!   in `Debug`.
//!
//! Decryption ([`DecryptionKey`]) parses strictly and fails with one detail-less
//! [`DecryptError`] for every kind of bad input, continuing with a random CEK when RSA-OAEP fails
//! so that no padding oracle appears (RFC 7516 §11.5).
//!
//! # Sans-IO
//! No sockets, files, environment variables or clock. Randomness comes from the OS CSPRNG
//! ([`SystemRandom`]) unless a [`RandomSource`] is passed in (tests only).
//!
//! # Crypto
//! Every operation is `flex_jose::crypto`'s, on the provider the features choose ([`CRYPTO_PROVIDER`]):
//! `ring` (the default; RSA-OAEP and key generation then come from the pure-Rust `rsa` crate, which ring lacks),
//! `aws-lc-rs` or `fips` (AWS-LC's constant-time RSA-OAEP decryption). See the README for RUSTSEC-2023-0071
//! (timing of the `rsa` crate's private-key operations), which concerns decryption on the ring provider only.
//!
//! # Example
//! ```
//! use flex_jwe::{DecryptionKey, PaymentData, RecipientKey, TokenizePayload};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The sandbox makes a key and publishes its public half as `flx.jwk`.
//! let sandbox_key = DecryptionKey::generate(2048)?.with_kid("sandbox-1");
//! let (n, e) = (sandbox_key.public_n(), sandbox_key.public_e());
//!
//! // The client encrypts the card fields to `flx.jwk` (kid, n, e).
//! let recipient = RecipientKey::from_jwk_components("sandbox-1", &n, &e)?;
//! let data = PaymentData::flat()
//!     .with("paymentInformation.card.number", "4111111111111111")?
//!     .with("paymentInformation.card.securityCode", "123")?;
//! let payload = TokenizePayload::new("eyJraWQiOiJzYW5kYm94LTEifQ.e30.c2ln", data);
//! let jwe = recipient.encrypt_payload(&payload)?;
//! assert_eq!(jwe.split('.').count(), 5);
//!
//! // The sandbox decrypts it.
//! let plaintext = sandbox_key.decrypt(&jwe)?;
//! let received = TokenizePayload::from_json(&plaintext)?;
//! let number = received.data.get("paymentInformation.card.number").map(|v| v.expose());
//! assert_eq!(number, Some("4111111111111111"));
//! assert!(format!("{:?}", received.data).contains("***1111"));
//!
//! // Any change is rejected with the same error.
//! let tampered = jwe.replacen("eyJ", "eyK", 1);
//! assert!(sandbox_key.decrypt(&tampered).is_err());
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

#[cfg(not(any(feature = "ring", feature = "aws-lc-rs", feature = "fips")))]
compile_error!(
    "flex-jwe needs a crypto provider: enable its `ring` (default), `aws-lc-rs` or `fips` feature"
);

/// The crypto provider this build uses, chosen by feature: `"ring"` (the default), `"aws-lc-rs"` or
/// `"aws-lc-rs (FIPS)"`. When a build enables more than one, aws-lc-rs is used.
pub const CRYPTO_PROVIDER: &str = flex_jose::crypto::PROVIDER;

// base64url, the compact split and the strict JSON reader are flex-jose's, shared with flex-jwt and flex-auth.
use flex_jose::b64;

mod alg;
mod decrypt;
mod encrypt;
mod error;
mod header;
mod payload;
mod random;

pub use alg::{CONTENT_ENCRYPTION, KeyAlgorithm};
pub use decrypt::{Decrypted, DecryptionKey};
pub use encrypt::RecipientKey;
pub use error::{DecryptError, EncryptError, KeyError, PayloadError};
pub use payload::{
    FlatData, MAX_FIELDS, MAX_PATH_DEPTH, MAX_PAYLOAD_LEN, NestedData, PaymentData, SensitiveValue,
    TokenizePayload,
};
pub use random::{RandomError, RandomSource, SystemRandom};
pub use zeroize::Zeroizing;

/// The exponent policy every key of this crate passes: flex-jose's, with any odd exponent `3 <= e < 2^33`.
const KEY_POLICY: flex_jose::rsa::ExponentPolicy = flex_jose::rsa::ExponentPolicy::AnyOdd;

/// Largest compact JWE [`DecryptionKey::decrypt`] looks at (1 MiB); longer input is rejected
/// before any decoding.
pub const MAX_COMPACT_LEN: usize = 1 << 20;

/// Largest plaintext [`RecipientKey::encrypt`] accepts (512 KiB), so that every JWE this crate
/// makes stays under [`MAX_COMPACT_LEN`].
pub const MAX_PLAINTEXT_LEN: usize = 512 * 1024;

/// Hooks for `fuzz/` (decryption with a throw-away key compiled in). Unstable, not for production: compiled only
/// with the non-default `fuzzing` feature.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

/// Low-level hooks for test vectors (Wycheproof): raw OAEP decryption, which unlike [`DecryptionKey::decrypt`] tells
/// a padding failure apart. NOT part of the stable API, not for production: compiled only with the non-default
/// `fuzzing` feature.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod hazmat {
    use crate::{DecryptError, DecryptionKey, KeyAlgorithm, Zeroizing};

    /// Raw RSAES-OAEP decryption of `ciphertext` with `label` (JWE always uses an empty label).
    ///
    /// # Errors
    /// [`DecryptError`] for any failure.
    pub fn oaep_decrypt(
        key: &DecryptionKey,
        alg: KeyAlgorithm,
        label: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
        key.oaep_decrypt_raw(alg, label, ciphertext).ok_or(DecryptError::new())
    }
}
