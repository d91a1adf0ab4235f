//! Strict base64url (RFC 7515 §2, RFC 4648 §5): URL-safe alphabet, no padding, no whitespace, canonical trailing
//! bits, and a length that is not `1 mod 4`.
//!
//! `base64ct::Base64UrlUnpadded` already refuses `=`, `+`, `/`, whitespace and non-canonical trailing bits; the
//! length and trailing-bit checks are repeated here explicitly so that strictness does not depend on a dependency's
//! implementation detail (the unit tests pin both).

use base64ct::{Base64UrlUnpadded, Encoding};

/// A segment is not strict base64url. Deliberately carries no detail (and no input bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidBase64;

/// The exact decoded length of `encoded_len` characters of unpadded base64, or `None` if no string of that length
/// is valid (`len ≡ 1 mod 4`).
pub(crate) const fn decoded_len(encoded_len: usize) -> Option<usize> {
    let full = (encoded_len / 4) * 3;
    match encoded_len % 4 {
        0 => Some(full),
        2 => Some(full + 1),
        3 => Some(full + 2),
        _ => None,
    }
}

/// The 6-bit value of a base64url character.
const fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

/// Whether the unused low bits of the last character are zero (so exactly one string encodes each byte string).
fn canonical_tail(src: &[u8]) -> bool {
    let Some(&last) = src.last() else { return true };
    let Some(v) = sextet(last) else { return false };
    match src.len() % 4 {
        2 => v & 0x0F == 0,
        3 => v & 0x03 == 0,
        _ => true,
    }
}

/// Decodes `src` into the front of `dst` without allocating; fails if `dst` is too small.
pub(crate) fn decode_into<'b>(src: &str, dst: &'b mut [u8]) -> Result<&'b [u8], InvalidBase64> {
    let bytes = src.as_bytes();
    let len = decoded_len(bytes.len()).ok_or(InvalidBase64)?;
    if !canonical_tail(bytes) {
        return Err(InvalidBase64);
    }
    let out = dst.get_mut(..len).ok_or(InvalidBase64)?;
    let decoded = Base64UrlUnpadded::decode(bytes, out).map_err(|_| InvalidBase64)?;
    if decoded.len() == len { Ok(decoded) } else { Err(InvalidBase64) }
}

/// Decodes `src` into a new `Vec` (used only after the signature check, or off the hot path).
pub(crate) fn decode_vec(src: &str) -> Result<Vec<u8>, InvalidBase64> {
    let len = decoded_len(src.len()).ok_or(InvalidBase64)?;
    let mut out = vec![0u8; len];
    decode_into(src, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(decoded_len(0), Some(0));
        assert_eq!(decoded_len(1), None);
        assert_eq!(decoded_len(2), Some(1));
        assert_eq!(decoded_len(3), Some(2));
        assert_eq!(decoded_len(4), Some(3));
        assert_eq!(decoded_len(342), Some(256));
        assert_eq!(decoded_len(5), None);
    }

    #[test]
    fn decodes_canonical() {
        assert_eq!(decode_vec("").unwrap(), b"");
        assert_eq!(decode_vec("Zm9v").unwrap(), b"foo");
        assert_eq!(decode_vec("Zm8").unwrap(), b"fo");
        assert_eq!(decode_vec("Zg").unwrap(), b"f");
        assert_eq!(decode_vec("-_8").unwrap(), [0xfb, 0xff]);
        let mut buf = [0u8; 2];
        assert_eq!(decode_into("Zm8", &mut buf).unwrap(), b"fo");
        assert_eq!(decode_into("Zm9v", &mut buf), Err(InvalidBase64));
    }

    #[test]
    fn rejects_non_strict() {
        for bad in [
            "Zm9v=",
            "Zg==",
            "Zg=",
            "+_8",
            "-/8",
            "Zm 9v",
            "Zm9v\n",
            " Zm9v",
            "Z",
            "Zm9vY",
            "Zh",
            "Zm9",
            "AB",
            "AAB",
            "Zm9v.",
            "Zm\u{e9}v",
            "Zm9v\0",
        ] {
            assert_eq!(decode_vec(bad), Err(InvalidBase64), "{bad:?}");
        }
    }

    #[test]
    fn base64ct_alone_is_strict_too() {
        // Pin the dependency's behaviour: if it ever loosens, the explicit checks above still hold.
        let mut buf = [0u8; 8];
        assert!(Base64UrlUnpadded::decode("Zh", &mut buf).is_err());
        assert!(Base64UrlUnpadded::decode("Zg==", &mut buf).is_err());
        assert!(Base64UrlUnpadded::decode("Z", &mut buf).is_err());
    }
}
