//! The SDK's one boundary to its crypto library: every crypto call of `flex-jwt`, `flex-auth` and `flex-jwe` is
//! here, behind byte-slice functions and this module's own types, so that the provider can be audited here alone
//! and chosen by a feature, as rustls chooses its `CryptoProvider`:
//!
//! | feature | provider | RSA verification key | RSA-OAEP |
//! |---|---|---|---|
//! | `ring` (default) | ring 0.17 | rebuilt on every call (ring has no prepared key) | the pure-Rust `rsa` crate |
//! | `aws-lc-rs` | aws-lc-rs (AWS-LC) | prepared once per key and digest, then reused | AWS-LC, constant time |
//! | `fips` | aws-lc-rs on AWS-LC's FIPS 140-3 module | as `aws-lc-rs` | as `aws-lc-rs` |
//!
//! When a build enables more than one, aws-lc-rs is used (it is never a default, so it was named on purpose)
//! and ring stays unused. [`PROVIDER`] names the one in use.
//!
//! The key policy is not the provider's: every key reaches this module as a [`PublicKey`] or [`PrivateKey`] that
//! already passed [`crate::rsa`]'s checks (exact size, exponent, ROCA).
//!
//! Failures carry no detail ([`CryptoFailure`]), as in `rustls-pki-types`' `InvalidSignature`. Not a general
//! crypto API: the functions are exactly what the JOSE layer and request authentication need.

#[cfg(any(feature = "aws-lc-rs", feature = "fips"))]
use aws_lc_rs as lib;
#[cfg(all(feature = "ring", not(any(feature = "aws-lc-rs", feature = "fips"))))]
use ring as lib;

#[cfg(any(feature = "aws-lc-rs", feature = "fips"))]
#[path = "crypto/with_aws_lc.rs"]
mod provider;
#[cfg(all(feature = "ring", not(any(feature = "aws-lc-rs", feature = "fips"))))]
#[path = "crypto/with_ring.rs"]
mod provider;

use lib::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use lib::rand::SecureRandom as _;
use lib::{digest, hmac, rand, signature};
use zeroize::Zeroizing;

use crate::rsa::{PrivateKey, PublicKey};

/// The provider in use: `"ring"`, `"aws-lc-rs"` or `"aws-lc-rs (FIPS)"`.
pub const PROVIDER: &str = provider::NAME;

/// `Debug` for types holding key material: the type's name and nothing of the key.
macro_rules! opaque_debug {
    ($($ty:ident),+) => {$(
        impl core::fmt::Debug for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($ty), "(..)"))
            }
        }
    )+};
}

opaque_debug!(RsaVerifyingKey, RsaSigningKey, RsaDecryptingKey, HmacSha256);

/// A cryptographic operation failed (a signature or tag did not verify, a key was refused, the system random
/// source failed). Deliberately carries no detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CryptoFailure;

impl core::fmt::Display for CryptoFailure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("cryptographic operation failed")
    }
}

impl std::error::Error for CryptoFailure {}

/// The digest of an RSASSA-PKCS1-v1_5 signature (JWS `RS256`, `RS384`, `RS512`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pkcs1Digest {
    /// SHA-256 (`RS256`).
    Sha256,
    /// SHA-384 (`RS384`).
    Sha384,
    /// SHA-512 (`RS512`).
    Sha512,
}

impl Pkcs1Digest {
    /// The provider's verification parameters for this digest (moduli of 2048 to 8192 bits).
    fn params(self) -> &'static signature::RsaParameters {
        match self {
            Self::Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Self::Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            Self::Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        }
    }
}

/// An RSA public key ready for RSASSA-PKCS1-v1_5 verification.
///
/// With aws-lc-rs the provider's parsed key is built on the first verification with each digest and reused by
/// every later one (and by every clone); with ring, which rebuilds its key on each call, this only holds the
/// modulus and exponent.
#[derive(Clone)]
pub struct RsaVerifyingKey(provider::VerifyingKey);

impl RsaVerifyingKey {
    /// Wraps a key that passed the policy. Cheap: nothing is prepared until the first verification.
    pub fn new(key: &PublicKey) -> Self {
        Self(provider::VerifyingKey::new(key))
    }

    /// Verifies an RSASSA-PKCS1-v1_5 signature over `message` with `digest`.
    ///
    /// # Errors
    /// [`CryptoFailure`] if the signature does not verify (wrong length included) or the provider refuses the key.
    #[inline]
    pub fn verify(&self, digest: Pkcs1Digest, message: &[u8], signature: &[u8]) -> Result<(), CryptoFailure> {
        self.0.verify(digest, message, signature)
    }
}

/// Why the provider refused an RSA private key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RsaKeyProblem {
    /// The private components are inconsistent (`n ≠ p·q`, a `d` or CRT value that does not match) or otherwise
    /// refused. Both providers check the same consistency.
    Invalid,
    /// The provider does not support this key for this use: ring signs only with 2048, 3072 and 4096-bit keys
    /// whose primes are of equal size (and `e` at least 65537).
    UnsupportedSize,
}

/// An RSA private key for RSASSA-PKCS1-v1_5 with SHA-256 (JWS `RS256`). No `Clone`; `Debug` shows nothing.
///
/// Each provider keeps its parsed key for the life of this value. AWS-LC clears it when it is freed; ring does not
/// (see docs/SECURITY.md, "Secrets").
pub struct RsaSigningKey {
    pair: provider::SigningKey,
    /// The modulus length in bytes: the signature's.
    len: usize,
}

impl RsaSigningKey {
    /// Builds the provider's key, checking the private components.
    ///
    /// # Errors
    /// The [`RsaKeyProblem`] that made the provider refuse the key.
    pub fn new(key: &PrivateKey) -> Result<Self, RsaKeyProblem> {
        let pair = provider::signing_key(key)?;
        Ok(Self { pair, len: key.public_key().modulus().len() })
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 of `message`.
    ///
    /// # Errors
    /// [`CryptoFailure`] if the provider fails.
    pub fn sign_rs256(&self, message: &[u8]) -> Result<Vec<u8>, CryptoFailure> {
        let mut sig = vec![0u8; self.len];
        let rng = rand::SystemRandom::new();
        self.pair.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig).map_err(|_| CryptoFailure)?;
        Ok(sig)
    }
}

/// The hash of RSAES-OAEP (and of its MGF1): JWE `RSA-OAEP` (SHA-1) or `RSA-OAEP-256` (SHA-256).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OaepHash {
    /// SHA-1 (`RSA-OAEP`).
    Sha1,
    /// SHA-256 (`RSA-OAEP-256`).
    Sha256,
}

/// A source of random bytes for the operations that take one.
///
/// Only the ring provider draws RSA randomness (OAEP seeds, blinding, key generation) from it; aws-lc-rs
/// always uses AWS-LC's own DRBG for those, as its FIPS module requires.
pub trait Random {
    /// Fills `dest` entirely.
    ///
    /// # Errors
    /// [`CryptoFailure`] if the source cannot produce bytes.
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), CryptoFailure>;
}

/// The operating system's CSPRNG through the provider ([`fill_random`]).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemRandom;

impl Random for SystemRandom {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), CryptoFailure> {
        fill_random(dest)
    }
}

/// An RSA private key for RSAES-OAEP decryption. No `Clone`; `Debug` shows nothing.
pub struct RsaDecryptingKey(provider::DecryptingKey);

impl RsaDecryptingKey {
    /// Builds the provider's key, checking the private components.
    ///
    /// # Errors
    /// The [`RsaKeyProblem`] that made the provider refuse the key.
    pub fn new(key: &PrivateKey) -> Result<Self, RsaKeyProblem> {
        provider::DecryptingKey::new(key).map(Self)
    }

    /// RSAES-OAEP decryption with `label`. `None` on any failure, deliberately without detail (Manger's attack).
    /// The ring provider blinds with bytes from `rng`; aws-lc-rs blinds internally.
    pub fn oaep_decrypt(
        &self,
        hash: OaepHash,
        label: &[u8],
        ciphertext: &[u8],
        rng: &mut dyn Random,
    ) -> Option<Zeroizing<Vec<u8>>> {
        self.0.oaep_decrypt(hash, label, ciphertext, rng)
    }
}

/// Why [`rsa_generate`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GenerateError {
    /// The provider does not generate keys of this size.
    UnsupportedSize,
    /// The random source failed.
    Random,
    /// The provider failed otherwise.
    Failed,
}

/// A fresh RSA key of `bits` bits with e = 65537 (ring provider: 2048..=4096 bits, through the `rsa` crate and
/// `rng`; aws-lc-rs: 2048, 3072 or 4096 bits, from AWS-LC's DRBG).
///
/// # Errors
/// [`GenerateError`].
pub fn rsa_generate(bits: u32, rng: &mut dyn Random) -> Result<PrivateKey, GenerateError> {
    if !(2048..=4096).contains(&bits) {
        return Err(GenerateError::UnsupportedSize);
    }
    provider::generate(bits, rng)
}

/// RSAES-OAEP encryption (empty label) of a short `message` (a JWE's CEK) to `key`. The ring provider draws the
/// OAEP seed from `rng`; aws-lc-rs from AWS-LC's DRBG.
///
/// # Errors
/// [`CryptoFailure`] if the random source or the provider fails, or the message is too long for the key.
pub fn rsa_oaep_encrypt(
    hash: OaepHash,
    key: &PublicKey,
    message: &[u8],
    rng: &mut dyn Random,
) -> Result<Vec<u8>, CryptoFailure> {
    provider::oaep_encrypt(hash, key, message, rng)
}

/// Length in bytes of a SHA-256 digest and of an HMAC-SHA256 tag.
pub const SHA256_LEN: usize = 32;

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; SHA256_LEN] {
    sha256_array(digest::digest(&digest::SHA256, data).as_ref())
}

/// HMAC-SHA256 of `msg` under `key`.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; SHA256_LEN] {
    sha256_array(hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), msg).as_ref())
}

/// A SHA-256 digest or HMAC-SHA256 tag as an array.
fn sha256_array(bytes: &[u8]) -> [u8; SHA256_LEN] {
    let mut out = [0u8; SHA256_LEN];
    // invariant: a SHA-256 digest and an HMAC-SHA256 tag are always exactly 32 bytes, so the lengths match.
    out.copy_from_slice(bytes);
    out
}

/// Streaming HMAC-SHA256 (a message fed in pieces, never concatenated). `Debug` shows nothing of the key.
pub struct HmacSha256(hmac::Context);

impl HmacSha256 {
    /// A MAC under `key`.
    pub fn new(key: &[u8]) -> Self {
        Self(hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, key)))
    }

    /// Feeds the next piece of the message.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The tag of everything fed.
    pub fn finish(self) -> [u8; SHA256_LEN] {
        sha256_array(self.0.sign().as_ref())
    }
}

/// Constant-time check that `tag` is the HMAC-SHA256 of `msg` under `key`.
///
/// # Errors
/// [`CryptoFailure`] if it is not.
pub fn hmac_sha256_verify(key: &[u8], msg: &[u8], tag: &[u8]) -> Result<(), CryptoFailure> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::verify(&key, msg, tag).map_err(|_| CryptoFailure)
}

/// Fills `out` from the operating system's CSPRNG.
///
/// # Errors
/// [`CryptoFailure`] if the system random source fails.
pub fn fill_random(out: &mut [u8]) -> Result<(), CryptoFailure> {
    rand::SystemRandom::new().fill(out).map_err(|_| CryptoFailure)
}

/// Length of an A256GCM key (a JWE's CEK).
pub const AES256_GCM_KEY_LEN: usize = 32;
/// Length of an A256GCM IV.
pub const AES256_GCM_IV_LEN: usize = NONCE_LEN;
/// Length of an A256GCM authentication tag.
pub const AES256_GCM_TAG_LEN: usize = 16;

fn aes256_gcm_key(key: &[u8; AES256_GCM_KEY_LEN]) -> Option<LessSafeKey> {
    UnboundKey::new(&AES_256_GCM, key).ok().map(LessSafeKey::new)
}

/// AES-256-GCM: encrypts `in_out` in place and returns the tag. `None` only if the provider refuses (input too
/// long).
pub fn aes256_gcm_seal(
    key: &[u8; AES256_GCM_KEY_LEN],
    iv: &[u8; AES256_GCM_IV_LEN],
    aad: &[u8],
    in_out: &mut [u8],
) -> Option<[u8; AES256_GCM_TAG_LEN]> {
    let tag = aes256_gcm_key(key)?
        .seal_in_place_separate_tag(Nonce::assume_unique_for_key(*iv), Aad::from(aad), in_out)
        .ok()?;
    tag.as_ref().try_into().ok()
}

/// AES-256-GCM: decrypts `in_out` (ciphertext || tag) in place and returns the plaintext length; `None` if the
/// tag does not verify.
pub fn aes256_gcm_open(
    key: &[u8; AES256_GCM_KEY_LEN],
    iv: &[u8; AES256_GCM_IV_LEN],
    aad: &[u8],
    in_out: &mut [u8],
) -> Option<usize> {
    aes256_gcm_key(key)?
        .open_in_place(Nonce::assume_unique_for_key(*iv), Aad::from(aad), in_out)
        .ok()
        .map(|plaintext| plaintext.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aes256_gcm_round_trip_and_tamper() {
        let (key, iv) = ([7u8; AES256_GCM_KEY_LEN], [9u8; AES256_GCM_IV_LEN]);
        let mut buf = b"card data".to_vec();
        let tag = aes256_gcm_seal(&key, &iv, b"aad", &mut buf).unwrap();
        assert_ne!(buf, b"card data");
        buf.extend_from_slice(&tag);
        let mut tampered = buf.clone();
        assert_eq!(aes256_gcm_open(&key, &iv, b"other", &mut tampered), None);
        assert_eq!(aes256_gcm_open(&key, &iv, b"aad", &mut buf), Some(9));
        assert_eq!(buf.get(..9), Some(&b"card data"[..]));
    }

    #[test]
    fn hmac_streaming_matches_one_shot_and_verifies() {
        let mut mac = HmacSha256::new(b"key");
        mac.update(b"hello ");
        mac.update(b"world");
        let tag = mac.finish();
        assert_eq!(tag, hmac_sha256(b"key", b"hello world"));
        assert_eq!(hmac_sha256_verify(b"key", b"hello world", &tag), Ok(()));
        assert_eq!(hmac_sha256_verify(b"key", b"hello worle", &tag), Err(CryptoFailure));
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(sha256(b"abc")[..4], [0xba, 0x78, 0x16, 0xbf]);
    }
}
