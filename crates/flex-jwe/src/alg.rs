//! The JOSE algorithm identifiers this crate speaks.

use core::fmt;

use flex_jose::crypto::OaepHash;

/// The content-encryption algorithm (`enc`): the only one this crate produces or accepts.
pub const CONTENT_ENCRYPTION: &str = "A256GCM";

/// A key-management algorithm (`alg`): how the content-encryption key is wrapped to the RSA key.
///
/// Both use RSAES-OAEP (RFC 8017 §7.1) with an empty label:
///
/// | variant | `alg` | OAEP hash | MGF1 hash |
/// |---|---|---|---|
/// | [`RsaOaep`](Self::RsaOaep) (default) | `RSA-OAEP` | SHA-1 | SHA-1 |
/// | [`RsaOaep256`](Self::RsaOaep256) | `RSA-OAEP-256` | SHA-256 | SHA-256 |
///
/// `RSA-OAEP` is what the official Flex mobile SDK sends; SHA-1 is still sound inside OAEP.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KeyAlgorithm {
    /// `RSA-OAEP`: OAEP with SHA-1 and MGF1-SHA-1 (the default, as the Flex iOS SDK sends).
    #[default]
    RsaOaep,
    /// `RSA-OAEP-256`: OAEP with SHA-256 and MGF1-SHA-256.
    RsaOaep256,
}

impl KeyAlgorithm {
    /// Every algorithm this crate implements, in preference order of the Flex SDKs.
    pub const ALL: [Self; 2] = [Self::RsaOaep, Self::RsaOaep256];

    /// The `alg` header value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RsaOaep => "RSA-OAEP",
            Self::RsaOaep256 => "RSA-OAEP-256",
        }
    }

    /// Parses an `alg` header value (exact, case-sensitive match).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.as_str() == name)
    }

    /// The hash of RSAES-OAEP and of its MGF1.
    pub(crate) const fn oaep_hash(self) -> OaepHash {
        match self {
            Self::RsaOaep => OaepHash::Sha1,
            Self::RsaOaep256 => OaepHash::Sha256,
        }
    }

    /// The algorithm's bit in the allow-list bit set (one bit per discriminant).
    pub(crate) const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
