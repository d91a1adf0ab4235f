//! The SDK's one RSA public-key policy, applied to every public key it accepts (JWS verification keys in
//! `flex-jwt`, JWE recipient keys in `flex-jwe`): the modulus counted bit-exactly within
//! [`MIN_MODULUS_BITS`]..=[`MAX_MODULUS_BITS`] (ring alone accepts a 2041-bit key), odd; the exponent per
//! [`ExponentPolicy`]; and no ROCA fingerprint (CVE-2017-15361).

mod roca;

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

/// Why a public key was refused by the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyError {
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
    /// The modulus is even (or zero): no RSA modulus is.
    InvalidModulus,
    /// The exponent is not allowed by the [`ExponentPolicy`].
    ExponentNotAllowed,
    /// The modulus has the ROCA fingerprint: an Infineon RSALib key whose private key can be computed from it.
    RocaFingerprint,
}

impl core::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::ModulusTooSmall { bits } => {
                write!(f, "RSA modulus of {bits} bits is below {MIN_MODULUS_BITS}")
            }
            Self::ModulusTooLarge { bits } => {
                write!(f, "RSA modulus of {bits} bits is above {MAX_MODULUS_BITS}")
            }
            Self::InvalidModulus => f.write_str("RSA modulus is even"),
            Self::ExponentNotAllowed => f.write_str("RSA public exponent not allowed"),
            Self::RocaFingerprint => f.write_str("RSA modulus has the ROCA fingerprint (CVE-2017-15361)"),
        }
    }
}

impl std::error::Error for PolicyError {}

/// A public key's components that passed the policy: big-endian, without leading zero bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Checked<'a> {
    /// The modulus.
    pub n: &'a [u8],
    /// The public exponent.
    pub e: &'a [u8],
    /// The modulus size in bits, exactly.
    pub bits: u32,
}

/// Checks big-endian modulus and exponent bytes (leading zero bytes are stripped) against the policy: the size
/// bit-exactly, an odd modulus, the exponent against `policy`, and no ROCA fingerprint, in that order.
///
/// # Errors
/// The [`PolicyError`] of the first rule that fails.
pub fn check_public_key<'a>(
    n: &'a [u8],
    e: &'a [u8],
    policy: ExponentPolicy,
) -> Result<Checked<'a>, PolicyError> {
    let n = strip_leading_zeros(n);
    let e = strip_leading_zeros(e);
    let bits = bit_length(n);
    if bits < MIN_MODULUS_BITS {
        return Err(PolicyError::ModulusTooSmall { bits });
    }
    if bits > MAX_MODULUS_BITS {
        return Err(PolicyError::ModulusTooLarge { bits });
    }
    if n.last().is_none_or(|b| b & 1 == 0) {
        return Err(PolicyError::InvalidModulus);
    }
    check_exponent(e, policy)?;
    if roca::has_fingerprint(n) {
        return Err(PolicyError::RocaFingerprint);
    }
    Ok(Checked { n, e, bits })
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

/// Exact bit length of a big-endian number without leading zero bytes.
fn bit_length(n: &[u8]) -> u32 {
    match n.first() {
        None => 0,
        Some(first) => {
            let full_bytes = u32::try_from(n.len() - 1).unwrap_or(u32::MAX / 8);
            full_bytes.saturating_mul(8).saturating_add(8 - first.leading_zeros())
        }
    }
}

fn check_exponent(e: &[u8], policy: ExponentPolicy) -> Result<(), PolicyError> {
    const F4: [u8; 3] = [0x01, 0x00, 0x01];
    match policy {
        ExponentPolicy::F4Only if e == F4 => Ok(()),
        ExponentPolicy::F4Only => Err(PolicyError::ExponentNotAllowed),
        ExponentPolicy::AnyOdd => {
            // 3 <= e < 2^33 and odd: at most 5 bytes, and if 5 bytes the top byte is 0 or 1.
            let odd = e.last().is_some_and(|b| b & 1 == 1);
            let small_enough = e.len() < 5 || (e.len() == 5 && e.first().is_some_and(|b| *b <= 1));
            let at_least_three = e.len() > 1 || e.first().is_some_and(|b| *b >= 3);
            if odd && small_enough && at_least_three { Ok(()) } else { Err(PolicyError::ExponentNotAllowed) }
        }
    }
}
