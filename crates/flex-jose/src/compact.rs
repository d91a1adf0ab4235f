//! Compact serialization (RFC 7515 §7.1, RFC 7516 §7.1): the size cap, then the split at the dots.
//!
//! Splitting only cuts: it decodes nothing and leaves the emptiness rules to the caller, because they differ (a
//! JWS may have an empty payload, Wycheproof tcId 259; a JWE's encrypted key is never empty for RSA-OAEP). Every
//! segment is borrowed from the input.

use crate::error::CompactError;

/// The three segments of a compact JWS, borrowed from the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Jws<'t> {
    /// The encoded protected header.
    pub header: &'t str,
    /// The encoded payload.
    pub payload: &'t str,
    /// The encoded signature.
    pub signature: &'t str,
    /// `header '.' payload`, the bytes the signature covers.
    pub signing_input: &'t str,
}

/// The five segments of a compact JWE, borrowed from the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Jwe<'t> {
    /// The encoded protected header (also the AAD of the content encryption).
    pub header: &'t str,
    /// The encoded encrypted key.
    pub encrypted_key: &'t str,
    /// The encoded initialization vector.
    pub iv: &'t str,
    /// The encoded ciphertext.
    pub ciphertext: &'t str,
    /// The encoded authentication tag.
    pub tag: &'t str,
}

/// Splits a compact JWS of at most `max_len` bytes into exactly three segments.
///
/// # Errors
/// [`CompactError::TooLarge`] above `max_len` (checked first, before any byte is looked at), else
/// [`CompactError::SegmentCount`] unless there are exactly two dots.
pub fn split_jws(token: &str, max_len: usize) -> Result<Jws<'_>, CompactError> {
    let [header, payload, signature] = split::<3>(token, max_len)?;
    // Both segments are prefixes of `token` separated by one ASCII dot.
    let signing_input = token.get(..header.len() + 1 + payload.len()).ok_or(CompactError::SegmentCount)?;
    Ok(Jws { header, payload, signature, signing_input })
}

/// Splits a compact JWE of at most `max_len` bytes into exactly five segments.
///
/// # Errors
/// As [`split_jws`], with four dots.
pub fn split_jwe(text: &str, max_len: usize) -> Result<Jwe<'_>, CompactError> {
    let [header, encrypted_key, iv, ciphertext, tag] = split::<5>(text, max_len)?;
    Ok(Jwe { header, encrypted_key, iv, ciphertext, tag })
}

/// Cuts `text` at its dots into exactly `N` segments. A SIMD byte search (`memchr`): on a capture context this is
/// most of what the split costs otherwise.
#[inline]
fn split<const N: usize>(text: &str, max_len: usize) -> Result<[&str; N], CompactError> {
    if text.len() > max_len {
        return Err(CompactError::TooLarge { limit: max_len });
    }
    let mut segments = [""; N];
    let mut rest = text;
    let (last, leading) = segments.split_last_mut().ok_or(CompactError::SegmentCount)?;
    for segment in leading {
        let dot = memchr::memchr(b'.', rest.as_bytes()).ok_or(CompactError::SegmentCount)?;
        // The dot is ASCII, so both cuts are on character boundaries.
        let (Some(before), Some(after)) = (rest.get(..dot), rest.get(dot + 1..)) else {
            return Err(CompactError::SegmentCount);
        };
        *segment = before;
        rest = after;
    }
    if memchr::memchr(b'.', rest.as_bytes()).is_some() {
        return Err(CompactError::SegmentCount);
    }
    *last = rest;
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jws() {
        let parts = split_jws("ab.cd.ef", 8).unwrap();
        assert_eq!((parts.header, parts.payload, parts.signature), ("ab", "cd", "ef"));
        assert_eq!(parts.signing_input, "ab.cd");
        assert_eq!(split_jws("..", 8).unwrap().signing_input, ".");
        for bad in ["", "abc", "a.b", "a.b.c.d", "a.b.c.", "...."] {
            assert_eq!(split_jws(bad, 64), Err(CompactError::SegmentCount), "{bad}");
        }
        assert_eq!(split_jws("ab.cd.ef", 7), Err(CompactError::TooLarge { limit: 7 }));
        // The cap is checked before anything else.
        assert_eq!(split_jws("abcdefgh", 7), Err(CompactError::TooLarge { limit: 7 }));
    }

    #[test]
    fn jwe() {
        let parts = split_jwe("h.k.i.c.t", 64).unwrap();
        assert_eq!(
            [parts.header, parts.encrypted_key, parts.iv, parts.ciphertext, parts.tag],
            ["h", "k", "i", "c", "t"]
        );
        assert_eq!(split_jwe("....", 64).unwrap().tag, "");
        for bad in ["", "h.k.i.c", "h.k.i.c.t.", "a.b.c"] {
            assert_eq!(split_jwe(bad, 64), Err(CompactError::SegmentCount), "{bad}");
        }
        assert_eq!(split_jwe("h.k.i.c.t", 8), Err(CompactError::TooLarge { limit: 8 }));
    }

    proptest::proptest! {
        /// Against `str::split`: the same segments whenever there are exactly N of them, an error otherwise.
        #[test]
        fn agrees_with_str_split(text in "[a.é]{0,12}") {
            let want: Vec<&str> = text.split('.').collect();
            let jws = split_jws(&text, usize::MAX).ok().map(|p| vec![p.header, p.payload, p.signature]);
            proptest::prop_assert_eq!(jws, (want.len() == 3).then(|| want.clone()));
            let jwe = split_jwe(&text, usize::MAX)
                .ok()
                .map(|p| vec![p.header, p.encrypted_key, p.iv, p.ciphertext, p.tag]);
            proptest::prop_assert_eq!(jwe, (want.len() == 5).then_some(want));
        }
    }
}
