//! PKCS#1 `RSAPublicKey` and X.509 `SubjectPublicKeyInfo` in DER, read and written by RustCrypto's `pkcs1`,
//! `spki` and `der` (already compiled in through `rsa`): strict DER (definite lengths in the shortest form,
//! minimal INTEGERs, no trailing bytes at any level) from a well-kept reader instead of a hand-written one.
//!
//! The INTEGERs are read signed, so that a negative modulus or exponent gets its own error instead of a generic
//! DER one.

use der::asn1::{AnyRef, BitStringRef, IntRef, UintRef};
use der::{Decode as _, Encode as _};
use pkcs1::RsaPublicKey;
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

use super::KeyError;

/// `rsaEncryption` with NULL parameters, the algorithm of every RSA key in SPKI and PKCS#8.
pub(super) const RSA_ENCRYPTION: AlgorithmIdentifierRef<'static> =
    AlgorithmIdentifierRef { oid: pkcs1::ALGORITHM_OID, parameters: Some(AnyRef::NULL) };

/// [`KeyError::NotRsa`] unless `algorithm` is `rsaEncryption`, then [`KeyError::Der`] unless its parameters
/// are present and NULL (RFC 3279 §2.3.1: they MUST be).
pub(super) fn check_algorithm(algorithm: &AlgorithmIdentifierRef<'_>) -> Result<(), KeyError> {
    if algorithm.oid != RSA_ENCRYPTION.oid {
        return Err(KeyError::NotRsa);
    }
    if *algorithm == RSA_ENCRYPTION { Ok(()) } else { Err(KeyError::Der) }
}

/// The magnitude of a non-negative DER INTEGER (its sign octet removed), `None` for a negative one.
pub(super) fn magnitude<'a>(int: &IntRef<'a>) -> Option<&'a [u8]> {
    match int.as_bytes() {
        [first, ..] if first & 0x80 != 0 => None,
        [0, rest @ ..] => Some(rest),
        bytes => Some(bytes),
    }
}

/// The modulus and exponent of a PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
///
/// A negative modulus is [`KeyError::InvalidModulus`], a negative exponent [`KeyError::ExponentNotAllowed`];
/// every structural problem is [`KeyError::Der`].
pub(super) fn parse_pkcs1(der: &[u8]) -> Result<(&[u8], &[u8]), KeyError> {
    let key = RsaPublicKey::<IntRef<'_>>::from_der(der).map_err(|_| KeyError::Der)?;
    let n = magnitude(&key.modulus).ok_or(KeyError::InvalidModulus)?;
    let e = magnitude(&key.public_exponent).ok_or(KeyError::ExponentNotAllowed)?;
    Ok((n, e))
}

/// The PKCS#1 key inside an `rsaEncryption` `SubjectPublicKeyInfo`, after checking the whole structure.
pub(super) fn parse_spki(der: &[u8]) -> Result<&[u8], KeyError> {
    let spki = SubjectPublicKeyInfoRef::from_der(der).map_err(|_| KeyError::Der)?;
    check_algorithm(&spki.algorithm)?;
    // A DER key is a whole number of octets: a BIT STRING with unused bits is not one.
    spki.subject_public_key.as_bytes().ok_or(KeyError::Der)
}

/// Encodes a PKCS#1 `RSAPublicKey` from big-endian magnitudes without leading zeros.
pub(super) fn encode_pkcs1(n: &[u8], e: &[u8]) -> Vec<u8> {
    // invariant: callers pass a policy-checked key (a modulus of at most 1 KiB), far below every DER length
    // limit, so encoding cannot fail; the empty vector is unreachable.
    let encode = || -> der::Result<Vec<u8>> {
        RsaPublicKey { modulus: UintRef::new(n)?, public_exponent: UintRef::new(e)? }.to_der()
    };
    encode().unwrap_or_default()
}

/// Encodes a `SubjectPublicKeyInfo` for `rsaEncryption` (NULL parameters) around a PKCS#1 key.
pub(super) fn encode_spki(n: &[u8], e: &[u8]) -> Vec<u8> {
    let pkcs1 = encode_pkcs1(n, e);
    // invariant: as in `encode_pkcs1`; the empty vector is unreachable.
    let encode = || -> der::Result<Vec<u8>> {
        SubjectPublicKeyInfoRef {
            algorithm: RSA_ENCRYPTION,
            subject_public_key: BitStringRef::from_bytes(&pkcs1)?,
        }
        .to_der()
    };
    encode().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_then_parse_round_trips() {
        let n = [0xc1; 300];
        let e = [1, 0, 1];
        let pkcs1 = encode_pkcs1(&n, &e);
        assert_eq!(parse_pkcs1(&pkcs1), Ok((&n[..], &e[..])));
        let spki = encode_spki(&n, &e);
        assert_eq!(parse_spki(&spki).and_then(parse_pkcs1), Ok((&n[..], &e[..])));
        let small = [0x41; 3];
        assert_eq!(encode_pkcs1(&small, &[3]), [0x30, 8, 2, 3, 0x41, 0x41, 0x41, 2, 1, 3]);
        // A sign octet is added before a top bit, and read back off.
        assert_eq!(encode_pkcs1(&[0x80], &[3]), [0x30, 7, 2, 2, 0, 0x80, 2, 1, 3]);
        assert_eq!(parse_pkcs1(&[0x30, 7, 2, 2, 0, 0x80, 2, 1, 3]), Ok((&[0x80][..], &[3][..])));
    }

    #[test]
    fn strict_der() {
        // Non-minimal length, indefinite length, a needless sign octet, a negative modulus and exponent.
        assert_eq!(parse_pkcs1(&[0x30, 0x81, 6, 2, 1, 0x41, 2, 1, 3]), Err(KeyError::Der));
        assert_eq!(parse_pkcs1(&[0x30, 0x80, 2, 1, 0x41, 2, 1, 3, 0, 0]), Err(KeyError::Der));
        assert_eq!(parse_pkcs1(&[0x30, 7, 2, 2, 0, 0x41, 2, 1, 3]), Err(KeyError::Der));
        assert_eq!(parse_pkcs1(&[0x30, 6, 2, 1, 0xc1, 2, 1, 3]), Err(KeyError::InvalidModulus));
        assert_eq!(parse_pkcs1(&[0x30, 6, 2, 1, 0x41, 2, 1, 0x83]), Err(KeyError::ExponentNotAllowed));
        assert_eq!(parse_pkcs1(&[0x30, 6, 2, 1, 0x41, 2, 1, 3, 0]), Err(KeyError::Der));
    }
}
