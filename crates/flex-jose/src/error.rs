//! The crate's errors: small, `Copy`, and never carrying input bytes.

use core::fmt;

/// Why a JSON document (header, claims or JWK) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonError {
    /// Not well-formed RFC 8259 JSON (includes trailing bytes and invalid escapes).
    Syntax,
    /// The top-level value is not an object.
    NotAnObject,
    /// An object has the same member name twice (compared after unescaping).
    DuplicateMember,
    /// Nesting deeper than the configured limit.
    TooDeep,
    /// An object has more members than the parser tracks for duplicate detection.
    TooManyMembers,
    /// A string contains an escaped lone surrogate or `\u0000`-style control that is refused by policy.
    InvalidString,
    /// The document is not valid UTF-8.
    InvalidUtf8,
    /// A number too large in magnitude for an `f64` (above `1e308`), which `serde_json` would refuse.
    NumberOutOfRange,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Syntax => "malformed JSON",
            Self::NotAnObject => "not a JSON object",
            Self::DuplicateMember => "duplicate member name",
            Self::TooDeep => "JSON nested too deeply",
            Self::TooManyMembers => "too many members in one object",
            Self::InvalidString => "invalid string escape",
            Self::InvalidUtf8 => "not UTF-8",
            Self::NumberOutOfRange => "number out of range",
        })
    }
}

impl std::error::Error for JsonError {}

/// Why a JSON value is not a NumericDate (RFC 7519 §2) as this crate reads them: an integer in `0..=i64::MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NumericDateError {
    /// The value is not a number.
    WrongType,
    /// A negative number, a fraction, an exponent (even `1e3` or `1.0`), or a value above `i64::MAX`.
    OutOfRange,
}

impl fmt::Display for NumericDateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::WrongType => "a NumericDate is not a number",
            Self::OutOfRange => "a NumericDate is not an integer in 0..=i64::MAX",
        })
    }
}

impl std::error::Error for NumericDateError {}

/// Why a compact serialization was refused before anything in it was decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompactError {
    /// The text is longer than the caller's cap (the cap, in bytes).
    TooLarge {
        /// The cap that was exceeded, in bytes.
        limit: usize,
    },
    /// The text does not have exactly the number of `.`-separated segments of its form (3 for JWS, 5 for JWE).
    SegmentCount,
}

impl fmt::Display for CompactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { limit } => write!(f, "compact serialization longer than {limit} bytes"),
            Self::SegmentCount => f.write_str("wrong number of compact serialization segments"),
        }
    }
}

impl std::error::Error for CompactError {}
