//! The one error type of `flex-jwt`: small, `Copy`, allocation-free, and never carrying token bytes.

use core::fmt;

use crate::alg::Algorithm;
use crate::kid::InvalidKid;

/// A part of a compact JWS (`header.payload.signature`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Segment {
    /// The protected header (first segment).
    Header,
    /// The payload, i.e. the claims of a JWT (second segment).
    Payload,
    /// The signature (third segment).
    Signature,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Header => "header",
            Self::Payload => "payload",
            Self::Signature => "signature",
        })
    }
}

/// Why a JSON document (header, claims or JWK) was refused: flex-jose's, the one strict JSON reader of the SDK.
pub use flex_jose::JsonError;

/// A registered claim that the verifier checks itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// `exp`, expiration time.
    Exp,
    /// `nbf`, not before.
    Nbf,
    /// `iat`, issued at.
    Iat,
    /// `iss`, issuer.
    Iss,
}

impl Claim {
    /// The claim's JSON name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Exp => "exp",
            Self::Nbf => "nbf",
            Self::Iat => "iat",
            Self::Iss => "iss",
        }
    }
}

impl fmt::Display for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What is wrong with a registered claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimProblem {
    /// The claim is required and absent.
    Missing,
    /// The claim has the wrong JSON type (e.g. a string `exp`): an error, never "absent".
    WrongType,
    /// A NumericDate that is not an integer in `0..=i64::MAX`, or overflows when the leeway is applied.
    OutOfRange,
    /// `exp` is in the past (beyond the leeway).
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid,
    /// `iat` is in the future (beyond the leeway).
    IssuedInFuture,
    /// The value differs from the configured expectation (e.g. `iss`).
    Mismatch,
}

impl fmt::Display for ClaimProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Missing => "is missing",
            Self::WrongType => "has the wrong type",
            Self::OutOfRange => "is out of range",
            Self::Expired => "has expired",
            Self::NotYetValid => "is not yet valid",
            Self::IssuedInFuture => "is in the future",
            Self::Mismatch => "does not match the expected value",
        })
    }
}

/// Why a protected header was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// No `alg` member.
    MissingAlg,
    /// `alg` names an algorithm this crate cannot represent (`none`, `HS256`, `PS256`, ...).
    UnsupportedAlgorithm,
    /// No `kid` member (Flex always sends one; keys are looked up by it).
    MissingKid,
    /// `kid` is not a safe identifier.
    InvalidKid(InvalidKid),
    /// A member has the wrong JSON type (the member name is static text, never token bytes).
    WrongType {
        /// The member's name.
        member: &'static str,
    },
    /// `b64` is present (RFC 7797 unencoded payloads are never valid for a JWT).
    B64,
    /// `crit` is empty, has duplicates, names a registered header, names a member that is absent, or has
    /// more entries than supported.
    InvalidCrit,
    /// `typ` or `cty` is longer or stranger than any sane media type.
    InvalidMediaType,
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingAlg => f.write_str("header has no alg"),
            Self::UnsupportedAlgorithm => f.write_str("header alg is not an RSASSA-PKCS1-v1_5 algorithm"),
            Self::MissingKid => f.write_str("header has no kid"),
            Self::InvalidKid(e) => write!(f, "header {e}"),
            Self::WrongType { member } => write!(f, "header member {member} has the wrong type"),
            Self::B64 => f.write_str("header has b64 (unencoded payload), refused for JWTs"),
            Self::InvalidCrit => f.write_str("header crit is malformed"),
            Self::InvalidMediaType => f.write_str("header typ or cty is not a valid media type"),
        }
    }
}

/// Why an RSA public key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The JWK's `kty` is not `RSA`, or the SPKI's algorithm is not `rsaEncryption`.
    NotRsa,
    /// The JWK has private members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`).
    PrivateMembers,
    /// A required member (`n`, `e`, `kty`) is missing or has the wrong type.
    MissingMember {
        /// The member's name.
        member: &'static str,
    },
    /// `use` is present and is not `sig` (see `RsaPublicKey::from_flex_capture_context_jwk` for Flex's `enc` key).
    WrongUse,
    /// `key_ops` is present and does not allow `verify`.
    WrongKeyOps,
    /// `alg` is present and is not an RSASSA-PKCS1-v1_5 algorithm.
    WrongAlgorithm,
    /// The modulus is shorter than 2048 bits (counted exactly, not rounded to bytes).
    ModulusTooSmall {
        /// The modulus length in bits.
        bits: u32,
    },
    /// The modulus is longer than 8192 bits.
    ModulusTooLarge {
        /// The modulus length in bits.
        bits: u32,
    },
    /// The modulus is even or otherwise not a plausible RSA modulus.
    InvalidModulus,
    /// The exponent is not 65537 and the policy does not allow it, or is even, or is below 3.
    ExponentNotAllowed,
    /// A base64url member is not strict, canonical base64url, or has leading zero bytes where they are not allowed.
    Base64,
    /// The JWK JSON is malformed.
    Json(JsonError),
    /// The DER is malformed or is not an RSA public key.
    Der,
    /// The PEM armour is malformed or has an unexpected label.
    Pem,
    /// The `kid` is not a safe identifier.
    InvalidKid(InvalidKid),
    /// Two keys in a set have the same `kid`.
    DuplicateKid,
    /// A key put into a set has no `kid`.
    MissingKid,
    /// The input (PEM, JWK or JWK set) is longer than the importer accepts.
    TooLarge,
    /// A key set would hold more than [`crate::MAX_KEY_SET_LEN`] keys.
    TooManyKeys,
    /// The modulus has the ROCA fingerprint (CVE-2017-15361): an Infineon RSALib key whose private key can be
    /// computed from the public key.
    RocaFingerprint,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotRsa => f.write_str("key type is not RSA"),
            Self::PrivateMembers => f.write_str("public JWK carries private key members"),
            Self::MissingMember { member } => {
                write!(f, "JWK member {member} is missing or has the wrong type")
            }
            Self::WrongUse => f.write_str("JWK use is not \"sig\""),
            Self::WrongKeyOps => f.write_str("JWK key_ops does not allow verify"),
            Self::WrongAlgorithm => f.write_str("JWK alg is not an RSASSA-PKCS1-v1_5 algorithm"),
            Self::ModulusTooSmall { bits } => write!(f, "RSA modulus has {bits} bits, fewer than 2048"),
            Self::ModulusTooLarge { bits } => write!(f, "RSA modulus has {bits} bits, more than 8192"),
            Self::InvalidModulus => f.write_str("RSA modulus is invalid"),
            Self::ExponentNotAllowed => f.write_str("RSA public exponent is not allowed"),
            Self::Base64 => f.write_str("key member is not canonical base64url"),
            Self::Json(e) => write!(f, "JWK: {e}"),
            Self::Der => f.write_str("DER is not a well-formed RSA public key"),
            Self::Pem => f.write_str("PEM is malformed or has an unexpected label"),
            Self::InvalidKid(e) => write!(f, "key {e}"),
            Self::DuplicateKid => f.write_str("two keys have the same kid"),
            Self::MissingKid => f.write_str("key has no kid"),
            Self::TooLarge => f.write_str("key input is too large"),
            Self::TooManyKeys => f.write_str("key set has too many keys"),
            Self::RocaFingerprint => f.write_str("RSA modulus has the ROCA fingerprint (CVE-2017-15361)"),
        }
    }
}

impl std::error::Error for KeyError {}

/// Why a token was refused. Says which check failed, never echoes token bytes, never allocates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The token is longer than the configured limit (bytes).
    TokenTooLarge {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The encoded header is longer than the configured limit (bytes).
    HeaderTooLarge {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The token does not have exactly three `.`-separated segments (JSON serialization included).
    SegmentCount,
    /// A segment that must not be empty is empty.
    EmptySegment(Segment),
    /// A segment is not strict base64url (no padding, no `+`/`/`, no whitespace, canonical trailing bits).
    Base64(Segment),
    /// A decoded segment is not UTF-8.
    Utf8(Segment),
    /// A decoded segment is not acceptable JSON.
    Json {
        /// Which segment.
        segment: Segment,
        /// What is wrong with it.
        error: JsonError,
    },
    /// The protected header was refused.
    Header(HeaderError),
    /// The header's `alg` is valid but not in the verifier's allow-list.
    AlgorithmNotAllowed(Algorithm),
    /// The header's `alg` differs from the algorithm the key is bound to.
    KeyAlgorithmMismatch,
    /// No key with the header's `kid` is known.
    UnknownKid,
    /// The header has a `crit` member that the verifier does not allow.
    CritNotAllowed,
    /// The header's `typ` differs from the configured expectation.
    TypeMismatch,
    /// The signature does not verify under the key.
    InvalidSignature,
    /// A registered claim failed a check.
    Claim {
        /// Which claim.
        claim: Claim,
        /// What is wrong with it.
        problem: ClaimProblem,
    },
    /// The verified claims do not have the shape of the requested type. Position in the decoded payload only.
    ClaimsShape {
        /// 1-based line in the decoded payload.
        line: u32,
        /// 1-based column in the decoded payload.
        column: u32,
    },
    /// The key was refused.
    Key(KeyError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TokenTooLarge { limit } => write!(f, "token is longer than {limit} bytes"),
            Self::HeaderTooLarge { limit } => write!(f, "token header is longer than {limit} bytes"),
            Self::SegmentCount => f.write_str("token does not have exactly three segments"),
            Self::EmptySegment(s) => write!(f, "token {s} is empty"),
            Self::Base64(s) => write!(f, "token {s} is not strict base64url"),
            Self::Utf8(s) => write!(f, "token {s} is not UTF-8"),
            Self::Json { segment, error } => write!(f, "token {segment}: {error}"),
            Self::Header(e) => e.fmt(f),
            Self::AlgorithmNotAllowed(alg) => write!(f, "algorithm {alg} is not allowed"),
            Self::KeyAlgorithmMismatch => f.write_str("header alg differs from the key's algorithm"),
            Self::UnknownKid => f.write_str("no key matches the token's kid"),
            Self::CritNotAllowed => f.write_str("header crit names an extension that is not allowed"),
            Self::TypeMismatch => f.write_str("header typ differs from the expected type"),
            Self::InvalidSignature => f.write_str("signature does not verify"),
            Self::Claim { claim, problem } => write!(f, "claim {claim} {problem}"),
            Self::ClaimsShape { line, column } => {
                write!(f, "claims do not match the expected type (at line {line}, column {column})")
            }
            Self::Key(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Key(e) => Some(e),
            _ => None,
        }
    }
}

impl From<KeyError> for Error {
    fn from(e: KeyError) -> Self {
        Self::Key(e)
    }
}

impl From<HeaderError> for Error {
    fn from(e: HeaderError) -> Self {
        Self::Header(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_small_send_sync_and_static() {
        fn assert_traits<T: Send + Sync + Copy + 'static + std::error::Error>() {}
        assert_traits::<Error>();
        assert_traits::<KeyError>();
        assert!(size_of::<Error>() <= 32, "{}", size_of::<Error>());
    }
}
