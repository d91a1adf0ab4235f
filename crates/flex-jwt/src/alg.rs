//! Signature algorithms. Only RSASSA-PKCS1-v1_5 variants exist here: `none`, HMAC and everything else
//! cannot be represented, so a token cannot talk a verifier into them.

use core::fmt;

/// An RSASSA-PKCS1-v1_5 JWS algorithm (RFC 7518 §3.3).
///
/// `RS256` is what Flex uses and the only one a [`crate::Verifier`] accepts by default;
/// `RS384` and `RS512` must be allowed explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
}

impl Algorithm {
    /// The JOSE name, as it appears in a header's `alg`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
        }
    }

    /// Parses an exact JOSE name (case-sensitive, as RFC 7515 requires). Any other name,
    /// `none` and `HS256` included, is `None`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "RS256" => Some(Self::Rs256),
            "RS384" => Some(Self::Rs384),
            "RS512" => Some(Self::Rs512),
            _ => None,
        }
    }

    /// The digest of this algorithm's RSASSA-PKCS1-v1_5 signature, in the crypto module's terms.
    pub(crate) const fn pkcs1_digest(self) -> flex_jose::crypto::Pkcs1Digest {
        match self {
            Self::Rs256 => flex_jose::crypto::Pkcs1Digest::Sha256,
            Self::Rs384 => flex_jose::crypto::Pkcs1Digest::Sha384,
            Self::Rs512 => flex_jose::crypto::Pkcs1Digest::Sha512,
        }
    }

    /// The algorithm's bit in an [`AlgorithmSet`].
    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of allowed algorithms (an allow-list). The default is `{RS256}`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AlgorithmSet(u8);

impl AlgorithmSet {
    /// The empty set: nothing verifies.
    pub const EMPTY: Self = Self(0);
    /// `{RS256}`, the default.
    pub const RS256_ONLY: Self = Self(1);

    /// This set plus `alg`.
    #[must_use]
    pub const fn with(self, alg: Algorithm) -> Self {
        Self(self.0 | alg.bit())
    }

    /// Whether `alg` is in the set.
    pub const fn contains(self, alg: Algorithm) -> bool {
        self.0 & alg.bit() != 0
    }
}

impl Default for AlgorithmSet {
    fn default() -> Self {
        Self::RS256_ONLY
    }
}

impl fmt::Debug for AlgorithmSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let all = [Algorithm::Rs256, Algorithm::Rs384, Algorithm::Rs512];
        f.debug_set().entries(all.iter().filter(|a| self.contains(**a))).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_exact_and_case_sensitive() {
        for alg in [Algorithm::Rs256, Algorithm::Rs384, Algorithm::Rs512] {
            assert_eq!(Algorithm::from_name(alg.as_str()), Some(alg));
        }
        for bad in ["none", "None", "HS256", "rs256", "PS256", "ES256", "RS256 ", ""] {
            assert_eq!(Algorithm::from_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn set_membership() {
        let set = AlgorithmSet::default();
        assert!(set.contains(Algorithm::Rs256));
        assert!(!set.contains(Algorithm::Rs512));
        let set = set.with(Algorithm::Rs512);
        assert!(set.contains(Algorithm::Rs512));
        assert!(!AlgorithmSet::EMPTY.contains(Algorithm::Rs256));
    }
}
