//! A minimal, strict DER reader and writer for exactly two structures: PKCS#1 `RSAPublicKey` and an X.509
//! `SubjectPublicKeyInfo` holding one.
//!
//! Strict means DER, not BER: definite lengths only, lengths in the shortest form, single-byte tags, INTEGERs
//! in their minimal two's-complement form, and no bytes after the outermost value or inside a structure after
//! its last field.

use crate::error::KeyError;

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_NULL: u8 = 0x05;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;

/// Content bytes of the OID 1.2.840.113549.1.1.1 (`rsaEncryption`, RFC 8017 Appendix C).
const RSA_ENCRYPTION_OID: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// At most this many length octets (16 MiB), far beyond any RSA key; longer forms are refused, not parsed.
const MAX_LENGTH_OCTETS: u8 = 3;

/// An RSA public key's components as they appear in DER, borrowed from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Components<'a> {
    /// The modulus, big-endian, without a sign byte.
    pub(crate) n: &'a [u8],
    /// The public exponent, big-endian, without a sign byte.
    pub(crate) e: &'a [u8],
}

/// A DER INTEGER: its magnitude when non-negative (minimal, no sign byte; empty for zero), or negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Integer<'a> {
    NonNegative(&'a [u8]),
    Negative,
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(input: &'a [u8]) -> Self {
        Self { rest: input }
    }

    fn byte(&mut self) -> Result<u8, KeyError> {
        let (first, rest) = self.rest.split_first().ok_or(KeyError::Der)?;
        self.rest = rest;
        Ok(*first)
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], KeyError> {
        let (value, rest) = self.rest.split_at_checked(len).ok_or(KeyError::Der)?;
        self.rest = rest;
        Ok(value)
    }

    fn length(&mut self) -> Result<usize, KeyError> {
        let first = self.byte()?;
        if first < 0x80 {
            return Ok(usize::from(first));
        }
        // 0x80 is BER's indefinite length; 0xff is reserved. Neither is DER.
        let count = first & 0x7f;
        if count == 0 || count > MAX_LENGTH_OCTETS {
            return Err(KeyError::Der);
        }
        let mut len = 0usize;
        for i in 0..count {
            let b = self.byte()?;
            if i == 0 && b == 0 {
                return Err(KeyError::Der); // a leading zero length octet is not the shortest form
            }
            len = (len << 8) | usize::from(b);
        }
        if len < 0x80 {
            return Err(KeyError::Der); // fits the short form, so the long form is not DER
        }
        Ok(len)
    }

    /// Reads one TLV with the expected single-byte `tag` and returns its content.
    fn tlv(&mut self, tag: u8) -> Result<&'a [u8], KeyError> {
        if self.byte()? != tag {
            return Err(KeyError::Der);
        }
        let len = self.length()?;
        self.take(len)
    }

    fn integer(&mut self) -> Result<Integer<'a>, KeyError> {
        let content = self.tlv(TAG_INTEGER)?;
        match content {
            [] => Err(KeyError::Der),
            [first, ..] if first & 0x80 != 0 => Ok(Integer::Negative),
            // A leading 0x00 is only allowed (and then required) before a byte with its top bit set.
            [0, second, ..] if second & 0x80 == 0 => Err(KeyError::Der),
            [0, magnitude @ ..] => Ok(Integer::NonNegative(magnitude)),
            magnitude => Ok(Integer::NonNegative(magnitude)),
        }
    }

    fn finish(self) -> Result<(), KeyError> {
        if self.rest.is_empty() { Ok(()) } else { Err(KeyError::Der) }
    }
}

/// Parses a PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (RFC 8017 A.1.1).
///
/// A negative modulus is [`KeyError::InvalidModulus`], a negative exponent [`KeyError::ExponentNotAllowed`];
/// every structural problem is [`KeyError::Der`].
pub(crate) fn parse_pkcs1(der: &[u8]) -> Result<Components<'_>, KeyError> {
    let mut outer = Reader::new(der);
    let mut seq = Reader::new(outer.tlv(TAG_SEQUENCE)?);
    outer.finish()?;
    let n = seq.integer()?;
    let e = seq.integer()?;
    seq.finish()?;
    match (n, e) {
        (Integer::Negative, _) => Err(KeyError::InvalidModulus),
        (_, Integer::Negative) => Err(KeyError::ExponentNotAllowed),
        (Integer::NonNegative(n), Integer::NonNegative(e)) => Ok(Components { n, e }),
    }
}

/// Parses an X.509 `SubjectPublicKeyInfo` (RFC 5280 §4.1) whose algorithm is `rsaEncryption` with NULL
/// parameters (RFC 3279 §2.3.1), and the PKCS#1 key inside its BIT STRING.
///
/// Another algorithm OID (EC, Ed25519, RSASSA-PSS, ...) is [`KeyError::NotRsa`].
pub(crate) fn parse_spki(der: &[u8]) -> Result<Components<'_>, KeyError> {
    let mut outer = Reader::new(der);
    let mut spki = Reader::new(outer.tlv(TAG_SEQUENCE)?);
    outer.finish()?;

    let mut alg = Reader::new(spki.tlv(TAG_SEQUENCE)?);
    let key_bits = spki.tlv(TAG_BIT_STRING)?;
    spki.finish()?;

    let oid = alg.tlv(TAG_OID)?;
    if oid != RSA_ENCRYPTION_OID {
        return Err(KeyError::NotRsa);
    }
    if !alg.tlv(TAG_NULL)?.is_empty() {
        return Err(KeyError::Der);
    }
    alg.finish()?;

    // The first content octet of a BIT STRING counts the unused bits of the last octet: a DER-encoded key
    // is a whole number of octets, so it must be 0.
    match key_bits.split_first() {
        Some((0, pkcs1)) => parse_pkcs1(pkcs1),
        _ => Err(KeyError::Der),
    }
}

fn push_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        // The branch condition bounds len below 0x80, so the cast is lossless.
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let significant = bytes.get(skip..).unwrap_or_default();
    // At most size_of::<usize>() (8) octets, so the count fits the low 7 bits.
    out.push(0x80 | significant.len() as u8);
    out.extend_from_slice(significant);
}

fn push_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    push_length(out, content.len());
    out.extend_from_slice(content);
}

/// Appends a non-negative INTEGER given its big-endian magnitude without leading zeros.
fn push_unsigned(out: &mut Vec<u8>, magnitude: &[u8]) {
    let needs_sign_byte = magnitude.first().is_none_or(|b| b & 0x80 != 0);
    let len = magnitude.len() + usize::from(needs_sign_byte);
    out.push(TAG_INTEGER);
    push_length(out, len);
    if needs_sign_byte {
        out.push(0);
    }
    out.extend_from_slice(magnitude);
}

/// Encodes a PKCS#1 `RSAPublicKey`.
pub(crate) fn encode_pkcs1(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(n.len() + e.len() + 16);
    push_unsigned(&mut body, n);
    push_unsigned(&mut body, e);
    let mut out = Vec::with_capacity(body.len() + 4);
    push_tlv(&mut out, TAG_SEQUENCE, &body);
    out
}

/// Encodes a `SubjectPublicKeyInfo` for `rsaEncryption` around a PKCS#1 key.
pub(crate) fn encode_spki(n: &[u8], e: &[u8]) -> Vec<u8> {
    let pkcs1 = encode_pkcs1(n, e);
    let mut alg = Vec::with_capacity(15);
    push_tlv(&mut alg, TAG_OID, &RSA_ENCRYPTION_OID);
    push_tlv(&mut alg, TAG_NULL, &[]);
    let mut bits = Vec::with_capacity(pkcs1.len() + 1);
    bits.push(0);
    bits.extend_from_slice(&pkcs1);
    let mut body = Vec::with_capacity(alg.len() + bits.len() + 8);
    push_tlv(&mut body, TAG_SEQUENCE, &alg);
    push_tlv(&mut body, TAG_BIT_STRING, &bits);
    let mut out = Vec::with_capacity(body.len() + 4);
    push_tlv(&mut out, TAG_SEQUENCE, &body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_must_be_minimal_and_definite() {
        let mut r = Reader::new(&[0x81, 0x7f]);
        assert_eq!(r.length(), Err(KeyError::Der));
        let mut r = Reader::new(&[0x82, 0x00, 0x80]);
        assert_eq!(r.length(), Err(KeyError::Der));
        let mut r = Reader::new(&[0x80]);
        assert_eq!(r.length(), Err(KeyError::Der));
        let mut r = Reader::new(&[0x84, 1, 0, 0, 0]);
        assert_eq!(r.length(), Err(KeyError::Der));
        let mut r = Reader::new(&[0x81, 0x80]);
        assert_eq!(r.length(), Ok(0x80));
        let mut r = Reader::new(&[0x82, 0x01, 0x00]);
        assert_eq!(r.length(), Ok(0x100));
    }

    #[test]
    fn integers_must_be_minimal() {
        fn int(bytes: &[u8]) -> Result<Integer<'_>, KeyError> {
            Reader::new(bytes).integer()
        }
        assert_eq!(int(&[2, 1, 0]), Ok(Integer::NonNegative(&[])));
        assert_eq!(int(&[2, 1, 0x7f]), Ok(Integer::NonNegative(&[0x7f])));
        assert_eq!(int(&[2, 2, 0, 0x80]), Ok(Integer::NonNegative(&[0x80])));
        assert_eq!(int(&[2, 1, 0x80]), Ok(Integer::Negative));
        assert_eq!(int(&[2, 2, 0, 0x7f]), Err(KeyError::Der));
        assert_eq!(int(&[2, 0]), Err(KeyError::Der));
        assert_eq!(int(&[2, 2, 1]), Err(KeyError::Der));
    }

    #[test]
    fn encode_then_parse_round_trips() {
        let n = [0xc1; 300];
        let e = [1, 0, 1];
        let pkcs1 = encode_pkcs1(&n, &e);
        assert_eq!(parse_pkcs1(&pkcs1), Ok(Components { n: &n, e: &e }));
        let spki = encode_spki(&n, &e);
        assert_eq!(parse_spki(&spki), Ok(Components { n: &n, e: &e }));
        let small = [0x41; 3];
        assert_eq!(encode_pkcs1(&small, &[3]), [0x30, 8, 2, 3, 0x41, 0x41, 0x41, 2, 1, 3]);
    }
}
