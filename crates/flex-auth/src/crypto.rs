//! Every `ring` call of this crate, behind byte-slice functions.
//!
//! Nothing outside this module names a `ring` type, so the backend can be swapped (or audited) here alone.
//! Failures carry no detail ([`CryptoFailure`]), as in `rustls-pki-types`' `InvalidSignature`.

use ring::{digest, hmac, rand, signature};

/// A detail-less failure of a cryptographic operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CryptoFailure;

/// Length in bytes of a SHA-256 digest and of an HMAC-SHA256 tag.
pub(crate) const SHA256_LEN: usize = 32;

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> [u8; SHA256_LEN] {
    let d = digest::digest(&digest::SHA256, data);
    let mut out = [0u8; SHA256_LEN];
    // invariant: a SHA-256 digest is always exactly 32 bytes, so the lengths match.
    out.copy_from_slice(d.as_ref());
    out
}

/// HMAC-SHA256 of `msg` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; SHA256_LEN] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let tag = hmac::sign(&key, msg);
    let mut out = [0u8; SHA256_LEN];
    // invariant: an HMAC-SHA256 tag is always exactly 32 bytes, so the lengths match.
    out.copy_from_slice(tag.as_ref());
    out
}

/// Streaming HMAC-SHA256 (the signing string is fed in pieces, never concatenated).
pub(crate) struct HmacSha256(hmac::Context);

impl HmacSha256 {
    pub(crate) fn new(key: &[u8]) -> Self {
        Self(hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, key)))
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    pub(crate) fn finish(self) -> [u8; SHA256_LEN] {
        let tag = self.0.sign();
        let mut out = [0u8; SHA256_LEN];
        // invariant: an HMAC-SHA256 tag is always exactly 32 bytes, so the lengths match.
        out.copy_from_slice(tag.as_ref());
        out
    }
}

/// Constant-time check that `tag` is the HMAC-SHA256 of `msg` under `key`.
pub(crate) fn hmac_sha256_verify(key: &[u8], msg: &[u8], tag: &[u8]) -> Result<(), CryptoFailure> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::verify(&key, msg, tag).map_err(|_| CryptoFailure)
}

/// Fills `out` from the operating system's CSPRNG.
pub(crate) fn fill_random(out: &mut [u8]) -> Result<(), CryptoFailure> {
    use rand::SecureRandom as _;
    rand::SystemRandom::new().fill(out).map_err(|_| CryptoFailure)
}

/// Why an RSA private key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RsaKeyProblem {
    /// Not a PKCS#8 / PKCS#1 RSA private key ring can parse, or inconsistent components.
    Invalid,
    /// Parsed, but the modulus is outside 2048..=8192 bits or not a multiple of 512 bits (ring's signing range).
    UnsupportedSize,
}

/// Which DER encoding a private key uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrivateKeyDer {
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
pub(crate) fn rsa_validate_private_key(der: &[u8], kind: PrivateKeyDer) -> Result<Vec<u8>, RsaKeyProblem> {
    let pair = parse_rsa_key_pair(der, kind)?;
    Ok(pair.public().as_ref().to_vec())
}

/// RSASSA-PKCS1-v1_5 with SHA-256 (JWS `RS256`) of `msg`.
///
/// The key is re-parsed from the (zeroizing) DER on every call, so no long-lived, non-zeroized copy of the
/// private exponent stays in memory between signatures.
pub(crate) fn rsa_pkcs1_sha256_sign(
    der: &[u8],
    kind: PrivateKeyDer,
    msg: &[u8],
) -> Result<Vec<u8>, CryptoFailure> {
    let pair = parse_rsa_key_pair(der, kind).map_err(|_| CryptoFailure)?;
    let mut sig = vec![0u8; pair.public().modulus_len()];
    let rng = rand::SystemRandom::new();
    pair.sign(&signature::RSA_PKCS1_SHA256, &rng, msg, &mut sig).map_err(|_| CryptoFailure)?;
    Ok(sig)
}
