//! Error types. None of them carries a token, a key, card data or a third-party error type.

use core::fmt;

/// A key could not be built, parsed or generated.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// A base64url component (`n`, `e`) is not canonical unpadded base64url of its value in the fewest octets.
    InvalidEncoding,
    /// The bytes are not a valid RSA key of the expected format (PKCS#1, SPKI, PKCS#8, PEM).
    InvalidKey,
    /// The modulus is outside the accepted range (2048 to 8192 bits; at most 4096 to generate).
    UnsupportedKeySize {
        /// The modulus size that was found or requested.
        bits: usize,
    },
    /// The key id is empty.
    InvalidKid,
    /// The random source failed during key generation.
    Random,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidEncoding => f.write_str("RSA key component is not canonical unpadded base64url"),
            Self::InvalidKey => f.write_str("not a valid RSA key"),
            Self::UnsupportedKeySize { bits } => {
                write!(f, "unsupported RSA modulus size: {bits} bits (accepted: 2048 to 8192)")
            }
            Self::InvalidKid => f.write_str("the key id (kid) must not be empty"),
            Self::Random => f.write_str("the random number generator failed"),
        }
    }
}

impl core::error::Error for KeyError {}

/// flex-jose's refusal of a key: sizes are [`KeyError::UnsupportedKeySize`], malformed base64url
/// [`KeyError::InvalidEncoding`], every other refusal [`KeyError::InvalidKey`].
impl From<flex_jose::rsa::KeyError> for KeyError {
    fn from(refused: flex_jose::rsa::KeyError) -> Self {
        use flex_jose::rsa::KeyError as Refused;
        match refused {
            // An empty (or zero) modulus is no key at all rather than a small one.
            Refused::ModulusTooSmall { bits: 0 } => Self::InvalidKey,
            Refused::ModulusTooSmall { bits } | Refused::ModulusTooLarge { bits } => {
                Self::UnsupportedKeySize { bits: usize::try_from(bits).unwrap_or(usize::MAX) }
            }
            Refused::Base64 => Self::InvalidEncoding,
            _ => Self::InvalidKey,
        }
    }
}

/// A JWE could not be produced.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncryptError {
    /// The random source failed (CEK, IV or OAEP seed).
    Random,
    /// The plaintext is larger than [`MAX_PLAINTEXT_LEN`](crate::MAX_PLAINTEXT_LEN).
    PlaintextTooLarge {
        /// Length of the rejected plaintext in bytes.
        len: usize,
    },
    /// The payload could not be serialized.
    Payload(PayloadError),
    /// A cryptographic primitive failed unexpectedly.
    Internal,
}

impl fmt::Display for EncryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Random => f.write_str("the random number generator failed"),
            Self::PlaintextTooLarge { len } => {
                write!(f, "plaintext of {len} bytes exceeds the limit of {} bytes", crate::MAX_PLAINTEXT_LEN)
            }
            Self::Payload(err) => write!(f, "payload serialization failed: {err}"),
            Self::Internal => f.write_str("internal cryptographic failure"),
        }
    }
}

impl core::error::Error for EncryptError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Payload(err) => Some(err),
            _ => None,
        }
    }
}

impl From<PayloadError> for EncryptError {
    fn from(err: PayloadError) -> Self {
        Self::Payload(err)
    }
}

/// A JWE could not be decrypted.
///
/// Deliberately detail-less: malformed input, a disallowed algorithm, a wrong `kid`, a bad OAEP
/// padding and a bad GCM tag all produce the same value, so that the error cannot serve as a
/// padding oracle (RFC 7516 §11.5). `Display` and `Debug` are identical for every failure.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DecryptError {
    _private: (),
}

impl DecryptError {
    pub(crate) const fn new() -> Self {
        Self { _private: () }
    }
}

impl fmt::Debug for DecryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DecryptError")
    }
}

impl fmt::Display for DecryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JWE decryption failed")
    }
}

impl core::error::Error for DecryptError {}

/// Payload data could not be built, serialized or parsed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadError {
    /// A field path is empty, or has an empty segment (`"a..b"`, `".a"`, `"a."`).
    InvalidPath {
        /// The rejected path (field names are not sensitive; values never appear in errors).
        path: String,
    },
    /// The same field path was given twice.
    DuplicatePath {
        /// The repeated path.
        path: String,
    },
    /// A path needs an object where a value already is, or the reverse (`a.b` and `a.b.c`).
    PathConflict {
        /// The path that could not be inserted.
        path: String,
    },
    /// More fields than [`MAX_FIELDS`](crate::MAX_FIELDS).
    TooManyFields {
        /// The limit.
        max: usize,
    },
    /// A path with more segments, or `data` nested deeper, than
    /// [`MAX_PATH_DEPTH`](crate::MAX_PATH_DEPTH).
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// A JSON payload longer than [`MAX_PAYLOAD_LEN`](crate::MAX_PAYLOAD_LEN) bytes.
    TooLarge {
        /// Length of the payload in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The JSON is malformed or has the wrong shape. Only the position is kept, because the
    /// underlying parser's message may quote input (card data).
    Json {
        /// 1-based line of the error (0 if unknown).
        line: usize,
        /// 1-based column of the error (0 if unknown).
        column: usize,
    },
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidPath { path } => write!(f, "invalid field path {path:?}"),
            Self::DuplicatePath { path } => write!(f, "duplicate field path {path:?}"),
            Self::PathConflict { path } => {
                write!(f, "field path {path:?} conflicts with another field (value versus object)")
            }
            Self::TooManyFields { max } => write!(f, "more than {max} fields in data"),
            Self::TooDeep { max } => write!(f, "a field path has more than {max} segments"),
            Self::TooLarge { len, max } => {
                write!(f, "payload of {len} bytes exceeds the limit of {max} bytes")
            }
            Self::Json { line, column } => {
                write!(f, "malformed or mis-shaped JSON payload at line {line}, column {column}")
            }
        }
    }
}

impl core::error::Error for PayloadError {}

impl PayloadError {
    pub(crate) fn from_json(err: &serde_json::Error) -> Self {
        Self::Json { line: err.line(), column: err.column() }
    }

    /// [`Self::Json`] at the position of a refusal of the strict reader within `text`.
    pub(crate) fn from_refused(refused: &flex_jose::json::de::Refused, text: &str) -> Self {
        let (line, column) = refused.line_column(text);
        let wide = |n: u32| usize::try_from(n).unwrap_or(usize::MAX);
        Self::Json { line: wide(line), column: wide(column) }
    }
}
