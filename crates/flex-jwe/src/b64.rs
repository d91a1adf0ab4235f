//! Strict base64url (RFC 4648 §5, no padding), as JOSE compact serialization requires.
//!
//! `base64ct` rejects padding, characters outside the URL-safe alphabet, impossible lengths and
//! non-canonical encodings (non-zero trailing bits), so every byte string has exactly one accepted
//! encoding. That property is what makes "any changed character is rejected" hold.

use base64ct::{Base64UrlUnpadded, Encoding};

/// Encodes without padding.
pub(crate) fn encode(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Decodes strictly; `None` on any deviation from the canonical encoding.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(text).ok()
}

/// Decodes strictly into `out` (which must be exactly the decoded length).
pub(crate) fn decode_exact(text: &str, out: &mut [u8]) -> Option<()> {
    let decoded = Base64UrlUnpadded::decode(text, out).ok()?;
    (decoded.len() == out.len()).then_some(())
}
