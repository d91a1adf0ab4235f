//! Key identifiers, bounded and restricted to a safe charset so that a `kid` can never smuggle a path,
//! a query or a control character into a key lookup or a URL (RFC 8725 §3.10).

use core::fmt;

/// The longest `kid` accepted, in bytes.
pub const MAX_KID_LEN: usize = 64;

/// Whether each byte value may appear in a [`Kid`]: `[A-Za-z0-9._-]` (one load per byte instead of range tests).
const KID_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || c == b'-';
        b += 1;
    }
    table
};

/// A validated key identifier: 1 to [`MAX_KID_LEN`] bytes of `[A-Za-z0-9._-]`.
///
/// Stored inline (no heap), so parsing a header never allocates.
// The derived comparisons and hash see the whole array: every byte past `len` is zero (`from_ascii`, the one
// constructor, starts from zeros), so they agree with comparing the identifiers.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Kid {
    len: u8,
    bytes: [u8; MAX_KID_LEN],
}

/// Why a string is not a valid [`Kid`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidKid {
    /// The string is empty.
    Empty,
    /// The string is longer than [`MAX_KID_LEN`] bytes.
    TooLong,
    /// The string has a byte outside `[A-Za-z0-9._-]`.
    Charset,
}

impl fmt::Display for InvalidKid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "kid is empty",
            Self::TooLong => "kid is longer than 64 bytes",
            Self::Charset => "kid has a character outside [A-Za-z0-9._-]",
        })
    }
}

impl std::error::Error for InvalidKid {}

impl Kid {
    /// Validates `s` as a key identifier.
    pub fn new(s: &str) -> Result<Self, InvalidKid> {
        Self::from_ascii(s.as_bytes())
    }

    /// [`Self::new`] on bytes that need not have been checked as UTF-8: the charset is ASCII, so whatever it
    /// accepts is UTF-8 (the header fast path finds the `kid` in the decoded bytes and saves the UTF-8 check).
    pub(crate) fn from_ascii(src: &[u8]) -> Result<Self, InvalidKid> {
        if src.is_empty() {
            return Err(InvalidKid::Empty);
        }
        if src.len() > MAX_KID_LEN {
            return Err(InvalidKid::TooLong);
        }
        if !src.iter().all(|&b| KID_BYTE[usize::from(b)]) {
            return Err(InvalidKid::Charset);
        }
        let mut bytes = [0u8; MAX_KID_LEN];
        bytes[..src.len()].copy_from_slice(src);
        // The length was checked against MAX_KID_LEN (64) above, so it fits in a u8.
        let len = u8::try_from(src.len()).map_err(|_| InvalidKid::TooLong)?;
        Ok(Self { len, bytes })
    }

    /// The identifier.
    pub fn as_str(&self) -> &str {
        // Only ASCII bytes are ever stored (checked in `new`), so this never fails.
        core::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The identifier's bytes (ASCII). Comparisons use these: [`Self::as_str`] has to run a UTF-8 check, which
    /// costs more than the comparison itself for a key lookup on the verify path.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }
}

impl PartialEq<str> for Kid {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl fmt::Debug for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Kid {
    type Err = InvalidKid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_flex_kids() {
        for ok in [
            "sn",
            "j4",
            "00nMfpbP967J85ALZDXSO6mdsYcD3ZoG",
            "08c94330-f618-42a3-b09d-e1e43be5efda",
            "a.b_c-d",
        ] {
            assert_eq!(Kid::new(ok).unwrap().as_str(), ok);
        }
        assert_eq!(Kid::new(&"a".repeat(64)).unwrap().as_str().len(), 64);
    }

    #[test]
    fn every_byte_value_is_classified_as_the_charset_says() {
        for b in 0..=255u8 {
            let allowed = b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
            assert_eq!(KID_BYTE[usize::from(b)], allowed, "{b:#04x}");
            if let Ok(s) = core::str::from_utf8(&[b, b'a']) {
                assert_eq!(Kid::new(s).is_ok(), allowed, "{b:#04x}");
            }
        }
    }

    #[test]
    fn rejects_injection() {
        assert_eq!(Kid::new(""), Err(InvalidKid::Empty));
        assert_eq!(Kid::new(&"a".repeat(65)), Err(InvalidKid::TooLong));
        for bad in ["../../dev/null", "a/b", "a?b", "a b", "a\0", "' OR 1=1 --", "é", "a%2e"] {
            assert_eq!(Kid::new(bad), Err(InvalidKid::Charset), "{bad:?}");
        }
    }
}
