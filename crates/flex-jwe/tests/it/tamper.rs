//! Every single-character change and every single-bit flip of a JWE is rejected, with one error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::{b64d, b64e, rsa2048, rsa2048_recipient};
use flex_jwe::{DecryptError, KeyAlgorithm, SystemRandom};

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const PLAINTEXT: &[u8] = b"{\"n\":\"4111111111111111\"}";

fn reference_error() -> DecryptError {
    rsa2048().decrypt("").unwrap_err()
}

/// Asserts every candidate is rejected with exactly the reference error (value, Display, Debug).
/// Splits the work over two threads (each candidate costs one RSA private operation).
fn assert_all_rejected(candidates: &[(String, String)]) {
    let expected = reference_error();
    let (display, debug) = (expected.to_string(), format!("{expected:?}"));
    std::thread::scope(|scope| {
        for half in candidates.chunks(candidates.len().div_ceil(2).max(1)) {
            let (display, debug) = (&display, &debug);
            scope.spawn(move || {
                for (what, jwe) in half {
                    match rsa2048().decrypt(jwe) {
                        Ok(_) => panic!("accepted a modified JWE: {what}"),
                        Err(err) => {
                            assert_eq!(err, expected, "{what}");
                            assert_eq!(&err.to_string(), display, "{what}");
                            assert_eq!(&format!("{err:?}"), debug, "{what}");
                        }
                    }
                }
            });
        }
    });
}

fn jwe(alg: KeyAlgorithm) -> String {
    let jwe = rsa2048_recipient().encrypt_with(alg, PLAINTEXT, &mut SystemRandom::new()).unwrap();
    assert_eq!(&**rsa2048().decrypt(&jwe).unwrap(), PLAINTEXT);
    jwe
}

/// Replaces the character at `pos` by `with`.
fn replace_at(jwe: &str, pos: usize, with: u8) -> String {
    let mut bytes = jwe.as_bytes().to_vec();
    bytes[pos] = with;
    String::from_utf8(bytes).unwrap()
}

/// `count` replacement characters for position `pos`: cyclic successors in the alphabet, so the
/// first one always changes the lowest bit (which catches non-canonical trailing bits).
fn replacements(original: u8, count: usize) -> Vec<u8> {
    let start = ALPHABET.iter().position(|&c| c == original);
    match start {
        Some(i) => (1..=count.min(63)).map(|k| ALPHABET[(i + k) % 64]).collect(),
        // A '.': any alphabet character merges two segments.
        None => ALPHABET.iter().copied().take(count.min(64)).collect(),
    }
}

#[test]
fn every_character_changed_is_rejected() {
    let jwe = jwe(KeyAlgorithm::RsaOaep);
    let mut candidates = Vec::new();
    for (pos, &original) in jwe.as_bytes().iter().enumerate() {
        for with in replacements(original, 2) {
            candidates.push((
                format!("pos {pos}: {:?} -> {:?}", original as char, with as char),
                replace_at(&jwe, pos, with),
            ));
        }
    }
    // The last character of every segment, and every header character, with all 63 alternatives
    // (non-canonical trailing bits must never decode to the same bytes).
    let mut pos = 0;
    for segment in jwe.split('.') {
        let last = pos + segment.len() - 1;
        for with in replacements(jwe.as_bytes()[last], 63).into_iter().skip(2) {
            candidates.push((
                format!("last of segment at {last} -> {:?}", with as char),
                replace_at(&jwe, last, with),
            ));
        }
        pos += segment.len() + 1;
    }
    let header_len = jwe.find('.').unwrap();
    for p in 0..header_len {
        for with in replacements(jwe.as_bytes()[p], 63).into_iter().skip(2) {
            candidates.push((format!("header pos {p} -> {:?}", with as char), replace_at(&jwe, p, with)));
        }
    }
    // Deleting or duplicating any single character.
    for p in 0..jwe.len() {
        let mut deleted = jwe.clone();
        deleted.remove(p);
        candidates.push((format!("delete {p}"), deleted));
        let mut doubled = jwe.clone();
        doubled.insert(p, jwe.as_bytes()[p] as char);
        candidates.push((format!("duplicate {p}"), doubled));
    }
    assert!(candidates.len() > 2 * jwe.len());
    assert_all_rejected(&candidates);
}

/// Flips each bit of each decoded segment and re-encodes canonically. With `sample_key_bits`, only
/// one bit per byte of the encrypted key (rotating), since each of those costs an RSA operation.
fn bit_flips(jwe: &str, sample_key_bits: bool) -> Vec<(String, String)> {
    let parts: Vec<&str> = jwe.split('.').collect();
    let mut out = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        let bytes = b64d(part);
        for byte in 0..bytes.len() {
            for bit in 0..8 {
                if sample_key_bits && index == 1 && bit != byte % 8 {
                    continue;
                }
                let mut flipped = bytes.clone();
                flipped[byte] ^= 1 << bit;
                let mut modified: Vec<String> = parts.iter().map(|p| (*p).to_owned()).collect();
                modified[index] = b64e(&flipped);
                out.push((format!("segment {index} byte {byte} bit {bit}"), modified.join(".")));
            }
        }
        // Truncated and extended segments.
        if !bytes.is_empty() {
            let mut modified: Vec<String> = parts.iter().map(|p| (*p).to_owned()).collect();
            modified[index] = b64e(&bytes[..bytes.len() - 1]);
            out.push((format!("segment {index} truncated"), modified.join(".")));
        }
        let mut longer = bytes.clone();
        longer.push(0);
        let mut modified: Vec<String> = parts.iter().map(|p| (*p).to_owned()).collect();
        modified[index] = b64e(&longer);
        out.push((format!("segment {index} extended"), modified.join(".")));
    }
    // Swapping segments.
    let mut swapped: Vec<&str> = parts.clone();
    swapped.swap(2, 4);
    out.push(("iv <-> tag".into(), swapped.join(".")));
    out
}

#[test]
fn every_bit_flip_is_rejected_rsa_oaep() {
    let flips = bit_flips(&jwe(KeyAlgorithm::RsaOaep), false);
    assert!(flips.len() > 8 * 256);
    assert_all_rejected(&flips);
}

#[test]
fn every_bit_flip_is_rejected_rsa_oaep_256() {
    assert_all_rejected(&bit_flips(&jwe(KeyAlgorithm::RsaOaep256), true));
}

#[test]
#[ignore = "exhaustive: 63 alternatives at every position, ~28k RSA operations (about 4 minutes in release on 2 busy cores)"]
fn every_character_every_alternative_is_rejected() {
    let jwe = jwe(KeyAlgorithm::RsaOaep);
    let mut candidates = Vec::new();
    for (pos, &original) in jwe.as_bytes().iter().enumerate() {
        for with in replacements(original, 64) {
            if with != original {
                candidates.push((format!("pos {pos} -> {:?}", with as char), replace_at(&jwe, pos, with)));
            }
        }
    }
    assert_all_rejected(&candidates);
}
