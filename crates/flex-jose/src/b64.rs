//! Strict base64url (RFC 7515 §2, RFC 4648 §5): URL-safe alphabet, no padding, no whitespace, canonical trailing
//! bits, and a length that is not `1 mod 4`.
//!
//! A small table-driven decoder: JWS segments are public, so constant time buys nothing here, and the
//! constant-time `base64ct` decoder was the largest cost of ours on the verify path. The unit tests check it
//! against `base64ct::Base64UrlUnpadded` (which is equally strict) on arbitrary input.

use core::fmt;

use base64ct::{Base64UrlUnpadded, Encoding as _};

/// A segment is not strict base64url. Deliberately carries no detail (and no input bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvalidBase64;

impl fmt::Display for InvalidBase64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not strict base64url")
    }
}

impl std::error::Error for InvalidBase64 {}

/// Encodes `bytes` as unpadded base64url. Encoding has no strictness to get wrong, so this is `base64ct`'s
/// encoder (constant-time, which secrets such as a JWE's encrypted key do not need but do not mind).
pub fn encode(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Appends the unpadded base64url encoding of `bytes` to `out`.
pub fn encode_to(out: &mut String, bytes: &[u8]) {
    out.push_str(&encode(bytes));
}

/// The exact decoded length of `encoded_len` characters of unpadded base64, or `None` if no string of that length
/// is valid (`len ≡ 1 mod 4`).
#[inline]
pub const fn decoded_len(encoded_len: usize) -> Option<usize> {
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

/// Set in every [`WIDE`] entry of a byte outside the alphabet. It sits in the top two bytes, which a valid entry
/// never touches and which never reach the output (see [`WIDE`]).
const WIDE_INVALID: u64 = 1 << 63;

/// The bits of the top two bytes of a [`WIDE`] word, where only [`WIDE_INVALID`] can be set.
const WIDE_FLAGS: u64 = 0xFFFF << 48;

/// [`TABLE`] pre-shifted for each of eight positions, in output order: `WIDE[i][c]` holds the sextet of `c` at the
/// bits it takes in the six bytes that eight characters decode to, read as a little-endian word (its six bits may
/// straddle two bytes), or [`WIDE_INVALID`]. Eight characters are then eight loads and seven ORs that leave their
/// six output bytes, in order, in the low six bytes of one word, ready to store; one test of the accumulated ORs
/// at the end says whether any byte was outside the alphabet. 16 KiB of tables, of which only the 64 alphabet
/// entries of each (4 KiB) are hot.
const WIDE: [[u64; 256]; 8] = {
    let mut tables = [[0u64; 256]; 8];
    let mut position = 0;
    while position < 8 {
        let mut c = 0;
        while c < 256 {
            let sextet = TABLE[c];
            // Big-endian, the 48 bits of eight characters are the top six bytes of `sextet << (58 - 6i)`; the
            // byte swap puts the first output byte lowest.
            tables[position][c] = if sextet == INVALID {
                WIDE_INVALID
            } else {
                ((sextet as u64) << (58 - 6 * position)).swap_bytes()
            };
            c += 1;
        }
        position += 1;
    }
    tables
};

/// Eight characters as one [`WIDE`] word: the six bytes they encode, in order, in its low six bytes.
#[inline(always)]
fn wide8(chars: &[u8; 8]) -> u64 {
    let &[a, b, c, d, e, f, g, h] = chars;
    WIDE[0][usize::from(a)]
        | WIDE[1][usize::from(b)]
        | WIDE[2][usize::from(c)]
        | WIDE[3][usize::from(d)]
        | WIDE[4][usize::from(e)]
        | WIDE[5][usize::from(f)]
        | WIDE[6][usize::from(g)]
        | WIDE[7][usize::from(h)]
}

/// Stores the six output bytes of a [`wide8`] word at `out[at..]`: all eight bytes of the word where there is
/// room (the next store overwrites the last two), else the six.
#[inline(always)]
fn put_word(out: &mut [u8], at: usize, word: u64) {
    let word = word.to_le_bytes();
    if let Some(dst) = out.get_mut(at..at + 8) {
        dst.copy_from_slice(&word);
    } else if let (Some(dst), Some(src)) = (out.get_mut(at..at + 6), word.get(..6)) {
        dst.copy_from_slice(src);
    }
}

/// Decodes `src` into the front of `dst` without allocating; fails if `dst` is too small.
///
/// Table-driven rather than constant-time: every JWS segment is public data, and this sits on the hot path
/// (base64ct's constant-time decoder cost several microseconds per capture context). The strictness rules are
/// the module's: alphabet, length, canonical trailing bits; the unit tests check it against base64ct.
#[inline]
pub fn decode_into<'b>(src: &str, dst: &'b mut [u8]) -> Result<&'b [u8], InvalidBase64> {
    let bytes = src.as_bytes();
    let len = decoded_len(bytes.len()).ok_or(InvalidBase64)?;
    let out = dst.get_mut(..len).ok_or(InvalidBase64)?;
    // No early exit inside the loops: the words of every group are ORed together and tested once.
    let mut flags = 0u64;
    // Thirty-two characters to twenty-four bytes at a time: four words, each stored whole over the last two
    // bytes of the one before, the last one's six bytes on their own, so that no store needs a bounds check.
    // Then eight characters to six bytes, then the last quad, if any, then the tail.
    let (words, rest_bytes) = bytes.as_chunks::<8>();
    // Every eight characters decode to six bytes: the words' output is a prefix of `out`.
    let (out_words, rest_out) = out.split_at_mut_checked(words.len() * 6).ok_or(InvalidBase64)?;
    // Both sides as arrays of fixed-size blocks, zipped: one counter, no per-block length test.
    let (blocks, rest_words) = words.as_chunks::<4>();
    let out_blocks = out_words.as_chunks_mut::<24>().0;
    for ([a, b, c, d], out) in blocks.iter().zip(out_blocks.iter_mut()) {
        let (a, b, c, d) = (wide8(a), wide8(b), wide8(c), wide8(d));
        flags |= a | b | c | d;
        for (at, word) in [(0, a), (6, b), (12, c), (18, d)] {
            put_word(out, at, word);
        }
    }
    let done = blocks.len() * 24;
    for (i, chars) in rest_words.iter().enumerate() {
        let word = wide8(chars);
        flags |= word;
        put_word(out_words, done + 6 * i, word);
    }
    let mut quads = rest_bytes.chunks_exact(4);
    let mut triples = rest_out.chunks_exact_mut(3);
    for (quad, triple) in (&mut quads).zip(&mut triples) {
        if let (&[a, b, c, d], [x, y, z]) = (quad, triple) {
            let n = WIDE[0][usize::from(a)]
                | WIDE[1][usize::from(b)]
                | WIDE[2][usize::from(c)]
                | WIDE[3][usize::from(d)];
            flags |= n;
            let [lo, mid, hi, ..] = n.to_le_bytes();
            (*x, *y, *z) = (lo, mid, hi);
        }
    }
    if flags & WIDE_FLAGS != 0 {
        return Err(InvalidBase64);
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

/// Decodes `src` into `out`, which must be exactly as long as the decoded bytes (an IV, a tag).
pub fn decode_exact(src: &str, out: &mut [u8]) -> Result<(), InvalidBase64> {
    if decoded_len(src.len()) != Some(out.len()) {
        return Err(InvalidBase64);
    }
    decode_into(src, out).map(|_| ())
}

/// Decodes `src` into a new `Vec` (used only after the signature check, or off the hot path).
pub fn decode_vec(src: &str) -> Result<Vec<u8>, InvalidBase64> {
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

    /// Every byte value at every position of a 19-character encoding (two blocks of eight, then a tail of
    /// three: each loop and the tail), and every pair of byte values at one pair position, against base64ct.
    #[test]
    fn every_byte_at_every_position_agrees_with_base64ct() {
        use base64ct::{Base64UrlUnpadded, Encoding};
        let valid = b"QUJDREVGR0hJSktMTU8";
        assert_eq!(decode_vec("QUJDREVGR0hJSktMTU8").unwrap(), b"ABCDEFGHIJKLMO");
        let check = |bytes: &[u8]| {
            // Only UTF-8 strings can reach the decoder; anything else is refused before it.
            if let Ok(s) = core::str::from_utf8(bytes) {
                assert_eq!(decode_vec(s).ok(), Base64UrlUnpadded::decode_vec(s).ok(), "{s:?}");
            }
        };
        for at in 0..valid.len() {
            for b in 0..=255u8 {
                let mut bytes = *valid;
                bytes[at] = b;
                check(&bytes);
            }
        }
        for first in 0..=255u8 {
            for second in 0..=255u8 {
                let mut bytes = *valid;
                (bytes[10], bytes[11]) = (first, second);
                check(&bytes);
            }
        }
    }

    proptest::proptest! {
        /// Any string at all, multi-byte characters included, against base64ct.
        #[test]
        fn agrees_with_base64ct_on_any_string(s in proptest::prelude::any::<String>()) {
            use base64ct::{Base64UrlUnpadded, Encoding};
            proptest::prop_assert_eq!(decode_vec(&s).ok(), Base64UrlUnpadded::decode_vec(&s).ok());
        }

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
