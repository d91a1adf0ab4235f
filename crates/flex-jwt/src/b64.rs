//! Strict base64url (RFC 7515 §2, RFC 4648 §5): URL-safe alphabet, no padding, no whitespace, canonical trailing
//! bits, and a length that is not `1 mod 4`.
//!
//! A small table-driven decoder: JWS segments are public, so constant time buys nothing here, and the
//! constant-time `base64ct` decoder was the largest cost of ours on the verify path. The unit tests check it
//! against `base64ct::Base64UrlUnpadded` (which is equally strict) on arbitrary input.

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

/// The 6-bit value of each byte, or [`INVALID`] for bytes outside the base64url alphabet.
const TABLE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut value = 0;
    while value < alphabet.len() {
        // `value < 64` and every alphabet byte indexes the 256-entry table: no overflow, no panic.
        table[alphabet[value] as usize] = value as u8;
        value += 1;
    }
    table
};

/// Marks a byte outside the alphabet; any value with one of the top two bits set would do.
const INVALID: u8 = 0xFF;

/// Decodes `src` into the front of `dst` without allocating; fails if `dst` is too small.
///
/// Table-driven rather than constant-time: every JWS segment is public data, and this sits on the hot path
/// (base64ct's constant-time decoder cost several microseconds per capture context). The strictness rules are
/// the module's: alphabet, length, canonical trailing bits; `tests/proptest.rs` checks it against base64ct.
pub(crate) fn decode_into<'b>(src: &str, dst: &'b mut [u8]) -> Result<&'b [u8], InvalidBase64> {
    let bytes = src.as_bytes();
    let len = decoded_len(bytes.len()).ok_or(InvalidBase64)?;
    let out = dst.get_mut(..len).ok_or(InvalidBase64)?;
    let mut quads = bytes.chunks_exact(4);
    let mut triples = out.chunks_exact_mut(3);
    for (quad, triple) in (&mut quads).zip(&mut triples) {
        let [a, b, c, d] = <[u8; 4]>::try_from(quad).map_err(|_| InvalidBase64)?;
        let (a, b, c, d) = (sextet(a), sextet(b), sextet(c), sextet(d));
        if (a | b | c | d) & 0xC0 != 0 {
            return Err(InvalidBase64);
        }
        let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        let [_, x, y, z] = n.to_be_bytes();
        triple.copy_from_slice(&[x, y, z]);
    }
    let tail = triples.into_remainder();
    match (quads.remainder(), tail) {
        ([], []) => {}
        (&[a, b], [x]) => {
            let (a, b) = (sextet(a), sextet(b));
            // The unused low 4 bits of the last character must be zero (canonical encoding).
            if (a | b) & 0xC0 != 0 || b & 0x0F != 0 {
                return Err(InvalidBase64);
            }
            *x = a << 2 | b >> 4;
        }
        (&[a, b, c], [x, y]) => {
            let (a, b, c) = (sextet(a), sextet(b), sextet(c));
            // The unused low 2 bits of the last character must be zero (canonical encoding).
            if (a | b | c) & 0xC0 != 0 || c & 0x03 != 0 {
                return Err(InvalidBase64);
            }
            *x = a << 2 | b >> 4;
            *y = b << 4 | c >> 2;
        }
        // `decoded_len` matched the output length to the input length; any other pairing is impossible.
        _ => return Err(InvalidBase64),
    }
    Ok(out)
}

fn sextet(c: u8) -> u8 {
    TABLE[usize::from(c)]
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

    proptest::proptest! {
        /// Differential: on any string over the alphabet plus the usual impostors, this decoder and
        /// base64ct's strict unpadded base64url decoder accept exactly the same inputs, with the same bytes.
        #[test]
        fn agrees_with_base64ct(s in "[A-Za-z0-9_+/= .-]{0,67}") {
            use base64ct::{Base64UrlUnpadded, Encoding};
            proptest::prop_assert_eq!(decode_vec(&s).ok(), Base64UrlUnpadded::decode_vec(&s).ok());
        }

        /// Every byte string round-trips through base64ct's encoder and this decoder.
        #[test]
        fn decodes_every_encoding(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            use base64ct::{Base64UrlUnpadded, Encoding};
            let encoded = Base64UrlUnpadded::encode_string(&bytes);
            proptest::prop_assert_eq!(decode_vec(&encoded).ok(), Some(bytes));
        }
    }
}
