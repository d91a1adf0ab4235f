//! The SDK's one boundary to its crypto library: every `ring` call of `flex-jwt`, `flex-auth` and `flex-jwe` is
//! here, behind byte-slice functions and this module's own types, so the library can be audited here alone and a
//! second provider (aws-lc-rs) can later be put behind the same functions.
//!
//! Failures carry no detail ([`CryptoFailure`]), as in `rustls-pki-types`' `InvalidSignature`. Not a general
//! crypto API: the functions are exactly what the JOSE layer and request authentication need.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::SecureRandom as _;
use ring::{digest, hmac, rand, signature};

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

/// Verifies an RSASSA-PKCS1-v1_5 signature over `message` with the public key `(n, e)` (big-endian, no sign
/// byte), for moduli of 2048 to 8192 bits.
///
/// ring re-validates the key and rebuilds its Montgomery context on every call (it has no pre-parsed key API);
/// that work is part of the measured floor. Size and exponent policy are the caller's, at key import.
///
/// # Errors
/// [`CryptoFailure`] if the signature does not verify or ring refuses the key.
#[inline]
pub fn rsa_pkcs1_verify(
    digest: Pkcs1Digest,
    n: &[u8],
    e: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoFailure> {
    let params = match digest {
        Pkcs1Digest::Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Pkcs1Digest::Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Pkcs1Digest::Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
    };
    signature::RsaPublicKeyComponents { n, e }.verify(params, message, signature).map_err(|_| CryptoFailure)
}

/// Why an RSA private key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RsaKeyProblem {
    /// Not a PKCS#8 / PKCS#1 RSA private key the provider can parse, or inconsistent components.
    Invalid,
    /// Parsed, but the modulus is outside 2048..=8192 bits or not a multiple of 512 bits (ring's signing range).
    UnsupportedSize,
}

/// Which DER encoding a private key uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrivateKeyDer {
    /// PKCS#8 `PrivateKeyInfo` (`-----BEGIN PRIVATE KEY-----`).
    Pkcs8,
    /// PKCS#1 `RSAPrivateKey` (`-----BEGIN RSA PRIVATE KEY-----`).
    Pkcs1,
}

fn parse_rsa_key_pair(der: &[u8], kind: PrivateKeyDer) -> Result<signature::RsaKeyPair, RsaKeyProblem> {
    let parsed = match kind {
        PrivateKeyDer::Pkcs8 => signature::RsaKeyPair::from_pkcs8(der),
        PrivateKeyDer::Pkcs1 => signature::RsaKeyPair::from_der(der),
    };
    // `KeyRejected` has no accessor; its `Display` is the stable reason name.
    parsed.map_err(|rejected| match rejected.to_string().as_str() {
        "TooSmall" | "TooLarge" | "PrivateModulusLenNotMultipleOf512Bits" => RsaKeyProblem::UnsupportedSize,
        _ => RsaKeyProblem::Invalid,
    })
}

/// Parses a private key once to validate it, and returns the PKCS#1 DER of its public half.
///
/// # Errors
/// The [`RsaKeyProblem`] that made the provider refuse the key.
pub fn rsa_validate_private_key(der: &[u8], kind: PrivateKeyDer) -> Result<Vec<u8>, RsaKeyProblem> {
    let pair = parse_rsa_key_pair(der, kind)?;
    Ok(pair.public().as_ref().to_vec())
}

/// RSASSA-PKCS1-v1_5 with SHA-256 (JWS `RS256`) of `msg`.
///
/// The key is re-parsed from the caller's (zeroizing) DER on every call, so no long-lived, non-zeroized copy of
/// the private exponent stays in memory between signatures.
///
/// # Errors
/// [`CryptoFailure`] if the key is refused or the random source fails.
pub fn rsa_pkcs1_sha256_sign(der: &[u8], kind: PrivateKeyDer, msg: &[u8]) -> Result<Vec<u8>, CryptoFailure> {
    let pair = parse_rsa_key_pair(der, kind).map_err(|_| CryptoFailure)?;
    let mut sig = vec![0u8; pair.public().modulus_len()];
    let rng = rand::SystemRandom::new();
    pair.sign(&signature::RSA_PKCS1_SHA256, &rng, msg, &mut sig).map_err(|_| CryptoFailure)?;
    Ok(sig)
}

/// Length in bytes of a SHA-256 digest and of an HMAC-SHA256 tag.
pub const SHA256_LEN: usize = 32;

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; SHA256_LEN] {
    let d = digest::digest(&digest::SHA256, data);
    let mut out = [0u8; SHA256_LEN];
    // invariant: a SHA-256 digest is always exactly 32 bytes, so the lengths match.
    out.copy_from_slice(d.as_ref());
    out
}

/// HMAC-SHA256 of `msg` under `key`.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; SHA256_LEN] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let tag = hmac::sign(&key, msg);
    let mut out = [0u8; SHA256_LEN];
    // invariant: an HMAC-SHA256 tag is always exactly 32 bytes, so the lengths match.
    out.copy_from_slice(tag.as_ref());
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
        let tag = self.0.sign();
        let mut out = [0u8; SHA256_LEN];
        // invariant: an HMAC-SHA256 tag is always exactly 32 bytes, so the lengths match.
        out.copy_from_slice(tag.as_ref());
        out
    }
}

impl core::fmt::Debug for HmacSha256 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("HmacSha256(..)")
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
