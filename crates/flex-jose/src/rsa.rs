//! The SDK's one RSA public-key type and parser, and its policy. Every public key the SDK accepts (JWS
//! verification keys in `flex-jwt`, JWE recipient keys in `flex-jwe`, the public half of `flex-auth`'s merchant
//! keys) is a [`PublicKey`] read here, from JWK members `n`/`e`, PKCS#1 or SPKI DER, or PEM of either, and checked
//! once: the modulus counted bit-exactly within [`MIN_MODULUS_BITS`]..=[`MAX_MODULUS_BITS`] (ring alone accepts a
//! 2041-bit key), odd; the exponent per [`ExponentPolicy`]; and no ROCA fingerprint (CVE-2017-15361).
//!
//! DER is read and written by RustCrypto's `pkcs1`, `spki` and `der` (strict DER: definite minimal lengths,
//! minimal INTEGERs, no trailing bytes), PEM by [`crate::pem`], base64url by [`crate::b64`].
//!
//! ```
//! use flex_jose::rsa::{ExponentPolicy, KeyError, PublicKey};
//!
//! // A 2048-bit all-ones modulus is odd and of the right size, but e = 3 needs the opt-in policy.
//! let n = [0xff; 256];
//! assert_eq!(PublicKey::from_components(&n, &[3], ExponentPolicy::F4Only), Err(KeyError::ExponentNotAllowed));
//! let key = PublicKey::from_components(&n, &[3], ExponentPolicy::AnyOdd)?;
//! assert_eq!(PublicKey::from_pkcs1_der(&key.to_pkcs1_der(), ExponentPolicy::AnyOdd)?, key);
//! # Ok::<(), KeyError>(())
//! ```

mod der;
mod private;
mod roca;

pub use private::PrivateKey;

use crate::{b64, pem};

/// Smallest modulus accepted, in bits (RFC 7518 §3.3), counted exactly.
pub const MIN_MODULUS_BITS: u32 = 2048;
/// Largest modulus accepted, in bits (ring's limit).
pub const MAX_MODULUS_BITS: u32 = 8192;

/// Which public exponents a key may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ExponentPolicy {
    /// Only `e = 65537` (the default; every Flex key uses it).
    #[default]
    F4Only,
    /// Any odd `e` with `3 <= e < 2^33` (ring's range). Opt-in for legacy keys.
    AnyOdd,
}

/// Why a key (public or private) was refused. Carries no input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The DER is malformed, or is not the structure asked for.
    Der,
    /// The PEM armour is malformed or its label is not one the reader takes (`RSA PUBLIC KEY`/`PUBLIC KEY` for a
    /// public key, `RSA PRIVATE KEY`/`PRIVATE KEY` for a private one).
    Pem,
    /// A JWK member (`n`, `e`) is not canonical unpadded base64url of its value in the fewest octets.
    Base64,
    /// The SPKI's algorithm is not `rsaEncryption`.
    NotRsa,
    /// The PEM text is longer than [`MAX_PEM_LEN`].
    TooLarge,
    /// The modulus is shorter than [`MIN_MODULUS_BITS`] (its exact size in bits).
    ModulusTooSmall {
        /// The modulus size in bits.
        bits: u32,
    },
    /// The modulus is longer than [`MAX_MODULUS_BITS`] (its exact size in bits).
    ModulusTooLarge {
        /// The modulus size in bits.
        bits: u32,
    },
    /// The modulus is negative (in DER) or even: no RSA modulus is.
    InvalidModulus,
    /// The exponent is negative (in DER) or not allowed by the [`ExponentPolicy`].
    ExponentNotAllowed,
    /// The modulus has the ROCA fingerprint: an Infineon RSALib key whose private key can be computed from it.
    RocaFingerprint,
}

impl core::fmt::Display for KeyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Der => f.write_str("DER is not a well-formed RSA key"),
            Self::Pem => f.write_str("PEM is malformed or has an unexpected label"),
            Self::Base64 => f.write_str("key member is not canonical base64url"),
            Self::NotRsa => f.write_str("key algorithm is not RSA"),
            Self::TooLarge => f.write_str("key input is too large"),
            Self::ModulusTooSmall { bits } => {
                write!(f, "RSA modulus of {bits} bits is below {MIN_MODULUS_BITS}")
            }
            Self::ModulusTooLarge { bits } => {
                write!(f, "RSA modulus of {bits} bits is above {MAX_MODULUS_BITS}")
            }
            Self::InvalidModulus => f.write_str("RSA modulus is negative or even"),
            Self::ExponentNotAllowed => f.write_str("RSA public exponent not allowed"),
            Self::RocaFingerprint => f.write_str("RSA modulus has the ROCA fingerprint (CVE-2017-15361)"),
        }
    }
}

impl std::error::Error for KeyError {}

/// Longest PEM document [`PublicKey::from_pem`] reads, in bytes. An 8192-bit SPKI is about 1.5 KB of PEM.
pub const MAX_PEM_LEN: usize = 16 * 1024;

const PKCS1_PEM_LABEL: &str = "RSA PUBLIC KEY";
const SPKI_PEM_LABEL: &str = "PUBLIC KEY";

/// An RSA public key that passed the policy: modulus and exponent big-endian, without leading zero bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    n: Box<[u8]>,
    e: Box<[u8]>,
    bits: u32,
}

impl PublicKey {
    /// Builds a key from big-endian modulus and exponent bytes (leading zero bytes are stripped), checking the
    /// size bit-exactly, an odd modulus, the exponent against `policy`, and no ROCA fingerprint, in that order.
    ///
    /// # Errors
    /// [`KeyError::ModulusTooSmall`], [`KeyError::ModulusTooLarge`], [`KeyError::InvalidModulus`],
    /// [`KeyError::ExponentNotAllowed`] or [`KeyError::RocaFingerprint`].
    pub fn from_components(n: &[u8], e: &[u8], policy: ExponentPolicy) -> Result<Self, KeyError> {
        let n = strip_leading_zeros(n);
        let e = strip_leading_zeros(e);
        let bits = bit_length(n);
        if bits < MIN_MODULUS_BITS {
            return Err(KeyError::ModulusTooSmall { bits });
        }
        if bits > MAX_MODULUS_BITS {
            return Err(KeyError::ModulusTooLarge { bits });
        }
        if n.last().is_none_or(|b| b & 1 == 0) {
            return Err(KeyError::InvalidModulus);
        }
        check_exponent(e, policy)?;
        if roca::has_fingerprint(n) {
            return Err(KeyError::RocaFingerprint);
        }
        Ok(Self { n: n.into(), e: e.into(), bits })
    }

    /// From the JWK members `n` and `e` (RFC 7518 §6.3.1): each a `Base64urlUInt` (RFC 7518 §2), strict unpadded
    /// base64url ([`crate::b64`]) of the value in the fewest octets. RFC 7518 §6.3.1.1 singles out a zero
    /// octet prefixed to `n` as a producer bug, so a leading zero octet is refused, not stripped.
    ///
    /// # Errors
    /// [`KeyError::Base64`] (`n` first, then `e`), then the errors of [`PublicKey::from_components`].
    pub fn from_jwk_members(n: &str, e: &str, policy: ExponentPolicy) -> Result<Self, KeyError> {
        let n = decode_uint(n)?;
        let e = decode_uint(e)?;
        Self::from_components(&n, &e, policy)
    }

    /// From a PKCS#1 `RSAPublicKey` (RFC 8017 A.1.1) in strict DER: definite minimal lengths, minimal INTEGERs,
    /// no bytes after the structure or inside it after the exponent.
    ///
    /// # Errors
    /// [`KeyError::Der`] for malformed DER, [`KeyError::InvalidModulus`] for a negative modulus,
    /// [`KeyError::ExponentNotAllowed`] for a negative exponent, then the errors of
    /// [`PublicKey::from_components`].
    pub fn from_pkcs1_der(der: &[u8], policy: ExponentPolicy) -> Result<Self, KeyError> {
        let (n, e) = der::parse_pkcs1(der)?;
        Self::from_components(n, e, policy)
    }

    /// From an X.509 `SubjectPublicKeyInfo` (RFC 5280 §4.1) for `rsaEncryption` with NULL parameters
    /// (RFC 3279 §2.3.1), in strict DER, holding a PKCS#1 key in a BIT STRING without unused bits.
    ///
    /// # Errors
    /// [`KeyError::NotRsa`] for another algorithm (EC, Ed25519, RSASSA-PSS, ...), [`KeyError::Der`] for malformed
    /// DER or absent or non-NULL parameters, then the errors of [`PublicKey::from_pkcs1_der`].
    pub fn from_spki_der(der: &[u8], policy: ExponentPolicy) -> Result<Self, KeyError> {
        Self::from_pkcs1_der(der::parse_spki(der)?, policy)
    }

    /// From a PEM document ([`crate::pem`]'s strict RFC 7468): label `RSA PUBLIC KEY` holds PKCS#1, label
    /// `PUBLIC KEY` holds SPKI; at most [`MAX_PEM_LEN`] bytes.
    ///
    /// # Errors
    /// [`KeyError::TooLarge`], [`KeyError::Pem`] for the armour, its base64 and any other label, then the errors
    /// of the DER readers.
    pub fn from_pem(text: &str, policy: ExponentPolicy) -> Result<Self, KeyError> {
        let (label, der) = read_pem(text)?;
        match label {
            PKCS1_PEM_LABEL => Self::from_pkcs1_der(&der, policy),
            SPKI_PEM_LABEL => Self::from_spki_der(&der, policy),
            _ => Err(KeyError::Pem),
        }
    }

    /// The modulus size in bits, exactly.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// The big-endian modulus, without leading zero bytes.
    pub fn modulus(&self) -> &[u8] {
        &self.n
    }

    /// The big-endian public exponent, without leading zero bytes.
    pub fn exponent(&self) -> &[u8] {
        &self.e
    }

    /// The key as PKCS#1 `RSAPublicKey` DER (what `ring` and `openssl rsa -RSAPublicKey_in` take).
    pub fn to_pkcs1_der(&self) -> Vec<u8> {
        der::encode_pkcs1(&self.n, &self.e)
    }

    /// The key as X.509 `SubjectPublicKeyInfo` DER (`rsaEncryption`).
    pub fn to_spki_der(&self) -> Vec<u8> {
        der::encode_spki(&self.n, &self.e)
    }

    /// The key as a `PUBLIC KEY` (SPKI) PEM document with LF line ends.
    pub fn to_pem(&self) -> String {
        // invariant: `PUBLIC KEY` is a valid RFC 7468 label, so encoding cannot fail.
        pem::encode(SPKI_PEM_LABEL, &self.to_spki_der()).unwrap_or_default()
    }
}

impl core::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PublicKey").field("bits", &self.bits).finish_non_exhaustive()
    }
}

/// The label and DER of a key's PEM document of at most [`MAX_PEM_LEN`] bytes (the DER in a wiped buffer).
fn read_pem(text: &str) -> Result<(&str, zeroize::Zeroizing<Vec<u8>>), KeyError> {
    if text.len() > MAX_PEM_LEN {
        return Err(KeyError::TooLarge);
    }
    pem::decode(text).map_err(|_| KeyError::Pem)
}

/// Decodes a `Base64urlUInt`: strict base64url, non-empty, no leading zero octet (zero itself is one octet).
fn decode_uint(text: &str) -> Result<Vec<u8>, KeyError> {
    let bytes = b64::decode_vec(text).map_err(|_| KeyError::Base64)?;
    match bytes.as_slice() {
        [] | [0, _, ..] => Err(KeyError::Base64),
        _ => Ok(bytes),
    }
}

/// `bytes` without its leading zero bytes.
pub(crate) fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

/// Exact bit length of a big-endian number without leading zero bytes.
fn bit_length(n: &[u8]) -> u32 {
    n.first().map_or(0, |first| {
        let full_bytes = u32::try_from(n.len() - 1).unwrap_or(u32::MAX / 8);
        full_bytes.saturating_mul(8).saturating_add(8 - first.leading_zeros())
    })
}

fn check_exponent(e: &[u8], policy: ExponentPolicy) -> Result<(), KeyError> {
    const F4: [u8; 3] = [0x01, 0x00, 0x01];
    match policy {
        ExponentPolicy::F4Only if e == F4 => Ok(()),
        ExponentPolicy::F4Only => Err(KeyError::ExponentNotAllowed),
        ExponentPolicy::AnyOdd => {
            // 3 <= e < 2^33 and odd: at most 5 bytes, and if 5 bytes the top byte is 0 or 1.
            let odd = e.last().is_some_and(|b| b & 1 == 1);
            let small_enough = e.len() < 5 || (e.len() == 5 && e.first().is_some_and(|b| *b <= 1));
            let at_least_three = e.len() > 1 || e.first().is_some_and(|b| *b >= 3);
            if odd && small_enough && at_least_three { Ok(()) } else { Err(KeyError::ExponentNotAllowed) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F4: [u8; 3] = [1, 0, 1];

    fn modulus(bits: u32) -> Vec<u8> {
        let bytes = bits.div_ceil(8) as usize;
        let mut n = vec![0xffu8; bytes];
        let top_bits = bits - (bytes as u32 - 1) * 8;
        n[0] = if top_bits == 8 { 0xff } else { (1u8 << top_bits) - 1 };
        n
    }

    fn bits(n: &[u8], e: &[u8], policy: ExponentPolicy) -> Result<u32, KeyError> {
        PublicKey::from_components(n, e, policy).map(|key| key.bits())
    }

    #[test]
    fn modulus_size_is_bit_exact() {
        let f4 = ExponentPolicy::F4Only;
        assert_eq!(bits(&modulus(2041), &F4, f4), Err(KeyError::ModulusTooSmall { bits: 2041 }));
        assert_eq!(bits(&modulus(2047), &F4, f4), Err(KeyError::ModulusTooSmall { bits: 2047 }));
        assert_eq!(bits(&modulus(2048), &F4, f4), Ok(2048));
        let mut padded = vec![0, 0];
        padded.extend(modulus(2048));
        assert_eq!(bits(&padded, &F4, f4), Ok(2048));
        assert_eq!(bits(&modulus(8192), &F4, f4), Ok(8192));
        assert_eq!(bits(&modulus(8193), &F4, f4), Err(KeyError::ModulusTooLarge { bits: 8193 }));
        let mut even = modulus(2048);
        even[255] = 0xfe;
        assert_eq!(bits(&even, &F4, f4), Err(KeyError::InvalidModulus));
    }

    #[test]
    fn exponent_policy() {
        let n = modulus(2048);
        assert_eq!(bits(&n, &[3], ExponentPolicy::F4Only), Err(KeyError::ExponentNotAllowed));
        assert_eq!(bits(&n, &[3], ExponentPolicy::AnyOdd), Ok(2048));
        for bad in [&[1u8][..], &[2], &[0x01, 0x00, 0x00], &[2, 0, 0, 0, 1], &[]] {
            assert_eq!(bits(&n, bad, ExponentPolicy::AnyOdd), Err(KeyError::ExponentNotAllowed), "{bad:?}");
        }
        assert_eq!(bits(&n, &[1, 0, 0, 0, 1], ExponentPolicy::AnyOdd), Ok(2048));
    }

    #[test]
    fn jwk_members_are_minimal_base64url() {
        let n = b64::encode(&modulus(2048));
        let key = PublicKey::from_jwk_members(&n, "AQAB", ExponentPolicy::F4Only).unwrap();
        assert_eq!((key.bits(), key.exponent()), (2048, &F4[..]));
        let padded_n = b64::encode(&[&[0][..], &modulus(2048)].concat());
        for (n, e) in [(padded_n.as_str(), "AQAB"), (&n, "AAEAAQ"), ("", "AQAB"), (&n, ""), (&n, "AQAB=")] {
            assert_eq!(PublicKey::from_jwk_members(n, e, ExponentPolicy::F4Only), Err(KeyError::Base64));
        }
        // A single zero octet is the minimal encoding of zero: refused by the policy, not the encoding.
        assert_eq!(
            PublicKey::from_jwk_members(&n, "AA", ExponentPolicy::F4Only),
            Err(KeyError::ExponentNotAllowed)
        );
    }

    #[test]
    fn pem_labels_and_round_trips() {
        let key = PublicKey::from_components(&modulus(2048), &F4, ExponentPolicy::F4Only).unwrap();
        let policy = ExponentPolicy::F4Only;
        assert_eq!(PublicKey::from_pem(&key.to_pem(), policy).as_ref(), Ok(&key));
        let pkcs1 = pem::encode(PKCS1_PEM_LABEL, &key.to_pkcs1_der()).unwrap();
        assert_eq!(PublicKey::from_pem(&pkcs1, policy).as_ref(), Ok(&key));
        assert_eq!(PublicKey::from_spki_der(&key.to_spki_der(), policy).as_ref(), Ok(&key));
        let wrong_label = pem::encode(PKCS1_PEM_LABEL, &key.to_spki_der()).unwrap();
        assert_eq!(PublicKey::from_pem(&wrong_label, policy), Err(KeyError::Der));
        let private = pem::encode("PRIVATE KEY", &key.to_pkcs1_der()).unwrap();
        assert_eq!(PublicKey::from_pem(&private, policy), Err(KeyError::Pem));
        let huge = format!("{}{}", key.to_pem(), " ".repeat(MAX_PEM_LEN));
        assert_eq!(PublicKey::from_pem(&huge, policy), Err(KeyError::TooLarge));
        assert_eq!(format!("{key:?}"), "PublicKey { bits: 2048, .. }");
    }
}
