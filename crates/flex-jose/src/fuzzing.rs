//! Entry points and the differential oracles for the fuzz targets in `fuzz/` (not part of the supported API).
//!
//! This is the one place where the strict reader is held to serde_json: the targets of every crate that reads
//! JSON through [`crate::json`] call these. Every hook takes arbitrary bytes and must never panic.

use serde::Deserialize;

use crate::b64;
use crate::json::{self, Options};

/// The options the oracles read with: claims-like depth, heap spill allowed.
const OPTIONS: Options = Options { max_depth: 32, spill: true };

/// Deserializes `text` with the strict one-pass deserializer (claims options: `max_depth` 32, spill allowed);
/// `None` if refused.
pub fn strict<'de, T: Deserialize<'de>>(text: &'de str) -> Option<T> {
    json::de::from_str(text, OPTIONS, &mut |_| {}).ok()
}

/// Runs the strict scanner over `data` and reads every top-level member through every accessor (string,
/// NumericDate, string array, name). Returns whether the document was accepted.
pub fn scan(data: &[u8]) -> bool {
    let Ok(text) = core::str::from_utf8(data) else {
        return json::validate_object(data, OPTIONS.max_depth).is_ok();
    };
    let mut touched = 0usize;
    let accepted = json::scan_object(text, OPTIONS, |m| {
        let _ = m.value.numeric_date();
        if let Some(s) = m.value.as_str() {
            touched = touched.wrapping_add(s.to_cow().len());
        }
        if let Some(items) = m.value.array_strings() {
            touched = touched.wrapping_add(items.count());
        }
        touched = touched.wrapping_add(m.name.chars().count());
    })
    .is_ok();
    accepted && touched < usize::MAX
}

/// The differential oracle of the strict reader against the scanner and serde_json on the same bytes (after
/// [`scan`] for coverage of the member accessors):
/// - the scanner never accepts a document that serde_json rejects;
/// - the deserializer accepts a document (into `serde_json::Value`) exactly when the scanner does;
/// - what it builds equals serde_json's `Value`, floats bit for bit. This needs serde_json's `float_roundtrip`
///   feature, which the tests and the fuzz crate turn on: serde_json's default float reading is a few units in the
///   last place off on some inputs (ours is correctly rounded), and this oracle would report those;
/// - into `T`, it succeeds exactly when the scanner accepts and serde_json deserializes a `T`, and both are equal.
///
/// Returns a description of the first disagreement.
pub fn differential<'de, T: Deserialize<'de> + PartialEq>(data: &'de [u8]) -> Result<(), &'static str> {
    // The scanner's accessors (strings, NumericDate, string arrays, names) on the same bytes, for coverage.
    let _ = scan(data);
    if !scanner_within_serde_json(data) {
        return Err("strict scanner accepted what serde_json rejects");
    }
    let scanned = json::validate_object(data, OPTIONS.max_depth).is_ok();
    let Ok(text) = core::str::from_utf8(data) else { return Ok(()) };
    let ours = strict::<serde_json::Value>(text);
    if ours.is_some() != scanned {
        return Err("deserializer and scanner disagree on acceptance");
    }
    if let Some(ours) = &ours {
        let theirs: serde_json::Value =
            serde_json::from_str(text).map_err(|_| "accepted what serde_json rejects")?;
        if !same_value(ours, &theirs) {
            return Err("deserializer and serde_json built different values");
        }
    }
    let typed = strict::<T>(text);
    let reference = if scanned { serde_json::from_str::<T>(text).ok() } else { None };
    match (typed, reference) {
        (None, None) => Ok(()),
        (Some(a), Some(b)) if a == b => Ok(()),
        (Some(_), Some(_)) => Err("typed values differ from serde_json's"),
        (Some(_), None) => Err("typed value accepted where serde_json or the scanner refuse"),
        (None, Some(_)) => Err("typed value refused where serde_json and the scanner accept"),
    }
}

/// `false` if the strict scanner accepts a document that serde_json rejects (the scanner must be at least as
/// strict as serde_json on every input).
pub fn scanner_within_serde_json(data: &[u8]) -> bool {
    json::validate_object(data, OPTIONS.max_depth).is_err()
        || serde_json::from_slice::<serde_json::Value>(data).is_ok_and(|v| v.is_object())
}

/// `Value` equality with floats compared bit for bit (so `-0.0` is not `0.0`), which `Value`'s own `==` does not.
fn same_value(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as V;
    match (a, b) {
        (V::Number(x), V::Number(y)) if x.is_f64() || y.is_f64() => {
            x.is_f64() == y.is_f64() && x.as_f64().map(f64::to_bits) == y.as_f64().map(f64::to_bits)
        }
        (V::Array(x), V::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(x, y)),
        (V::Object(x), V::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}

/// The strict base64url decoder, for fuzzing and for the Wycheproof base64 cases whose tokens use algorithms no
/// verifier of the SDK accepts.
pub fn base64url_decode(data: &str) -> Option<Vec<u8>> {
    b64::decode_vec(data).ok()
}

/// The `jose` fuzz target: [`b64_and_compact`], [`rsa_keys`], then [`differential`] into `serde_json::Value`.
/// Returns the first violation.
pub fn jose(data: &[u8]) -> Result<(), &'static str> {
    b64_and_compact(data)?;
    rsa_keys(data)?;
    differential::<serde_json::Value>(data)
}

/// RSA public-key import on arbitrary bytes, as PKCS#1 DER, SPKI DER and PEM text: an accepted DER key re-encodes
/// to exactly the input (strict DER has one encoding of every key), and an accepted PEM key survives a PEM round
/// trip. Returns a description of the first violation.
pub fn rsa_keys(data: &[u8]) -> Result<(), &'static str> {
    use crate::rsa::{ExponentPolicy, PublicKey};
    const POLICY: ExponentPolicy = ExponentPolicy::AnyOdd;
    if let Ok(key) = PublicKey::from_pkcs1_der(data, POLICY)
        && key.to_pkcs1_der() != data
    {
        return Err("an accepted PKCS#1 key does not re-encode to its input");
    }
    if let Ok(key) = PublicKey::from_spki_der(data, POLICY)
        && key.to_spki_der() != data
    {
        return Err("an accepted SPKI key does not re-encode to its input");
    }
    if let Ok(text) = core::str::from_utf8(data)
        && let Ok(key) = PublicKey::from_pem(text, POLICY)
        && PublicKey::from_pem(&key.to_pem(), POLICY).as_ref() != Ok(&key)
    {
        return Err("a PEM key does not survive a PEM round trip");
    }
    Ok(())
}

/// The base64url decoder and the compact splitters on arbitrary bytes: a decoded text re-encodes to itself (there
/// is one accepted encoding of every byte string) and split segments tile the input. Returns a description of
/// the first violation.
pub fn b64_and_compact(data: &[u8]) -> Result<(), &'static str> {
    let Ok(text) = core::str::from_utf8(data) else { return Ok(()) };
    if let Ok(bytes) = b64::decode_vec(text)
        && b64::encode(&bytes) != text
    {
        return Err("a decoded base64url text does not re-encode to itself");
    }
    if let Ok(jws) = crate::compact::split_jws(text, usize::MAX)
        && jws.signing_input.len() + 1 + jws.signature.len() != text.len()
    {
        return Err("JWS segments do not tile the input");
    }
    if let Ok(jwe) = crate::compact::split_jwe(text, usize::MAX) {
        let total = [jwe.header, jwe.encrypted_key, jwe.iv, jwe.ciphertext, jwe.tag]
            .iter()
            .map(|s| s.len())
            .sum::<usize>();
        if total + 4 != text.len() {
            return Err("JWE segments do not tile the input");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The oracle compares floats exactly, so the test build must have serde_json's correctly rounded reading
    /// (`float_roundtrip`, from the dev-dependencies). Its default reading gives `...9e25` here.
    #[test]
    fn serde_json_reads_floats_correctly_rounded_in_tests() {
        let text = "-1.4628751917259885e+141";
        let core: f64 = text.parse().unwrap();
        assert_eq!(serde_json::from_str::<f64>(text).unwrap().to_bits(), core.to_bits());
    }

    /// CI found this subnormal, which serde_json's default reading puts one unit in the last place off.
    #[test]
    fn subnormal_from_ci_agrees() {
        let text = r#"{"":[{"":-1.89425418475576e-309}]}"#;
        assert_eq!(differential::<serde_json::Value>(text.as_bytes()), Ok(()));
        let ours = strict::<serde_json::Value>(text).and_then(|v| v[""][0][""].as_f64());
        assert_eq!(ours.map(f64::to_bits), Some((-1.89425418475576e-309f64).to_bits()));
    }

    #[test]
    fn negative_zero_is_not_zero() {
        assert!(!same_value(&serde_json::json!(-0.0), &serde_json::json!(0.0)));
        assert!(!same_value(&serde_json::json!(1.0), &serde_json::json!(1)));
        assert!(same_value(&serde_json::json!([{"a": -0.0}]), &serde_json::json!([{"a": -0.0}])));
    }

    #[test]
    fn oracles_hold_on_samples() {
        for doc in [&br#"{"a":1}"#[..], br#"{"a":1,"a":2}"#, b"{", b"\xff", br#"{"a":[1.5e3,"\u00e9"]}"#] {
            assert_eq!(differential::<serde_json::Value>(doc), Ok(()));
            assert_eq!(b64_and_compact(doc), Ok(()));
        }
        assert!(scan(br#"{"exp":1,"s":"x","l":["a"]}"#));
        assert!(!scan(br#"{"exp":1,"exp":2}"#));
        assert_eq!(b64_and_compact(b"Zm9v.Zm8.Zg"), Ok(()));
        let key =
            crate::rsa::PublicKey::from_components(&[0xff; 256], &[1, 0, 1], Default::default()).unwrap();
        for doc in [key.to_pkcs1_der(), key.to_spki_der(), key.to_pem().into_bytes()] {
            assert_eq!(rsa_keys(&doc), Ok(()));
        }
        assert_eq!(b64_and_compact(b"a.b.c.d.e"), Ok(()));
    }
}
