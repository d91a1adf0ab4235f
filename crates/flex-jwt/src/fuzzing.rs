//! Entry points for the fuzz targets in `fuzz/` (not part of the supported API).
//!
//! Every hook takes arbitrary bytes and must never panic; the fuzz targets assert on what they return.

use std::sync::OnceLock;

use crate::b64;
use crate::dangerous;
use crate::error::{Error, Segment};
use crate::json::{self, Options};
use crate::jwt::Jwt;
use crate::key::{ExponentPolicy, RsaPublicKey};
use crate::kid::Kid;
use crate::verify::Verifier;

/// Modulus of the test key `rsa2048` (`testdata/keys/rsa2048.pub.jwk.json`), base64url.
const FIXED_N: &str = "yJ6eVvXXW3foAg6IKgaW1kDfL46Vk2-JGG7SNYEl_z-3jU19CWS-UTlTCI7TTiQiMs5qj1FmVNpTQYsNopcODKQPSwc7U64e\
nUqLazxUwSweTwV2ctwtcvUknJpRfx9Xe2yBH-zHUhmEFuf3jRfmcsef5tlrgKLWopfE_67IiM6fUtQ43NkV4eZq8UKZGv7G4oALevu-T1FUuZgkYlD\
vZLpll0bQjou5N06Ztnul03kHB3oNuyeip5gXxXrn5y3JPeIHe5KGEjDyHWM4EQZLey5Ytv8rdlyz5igiA8LJs_QpnXg5OVxaKA0dnze2IAxdiAYn7M\
UO8J1jM8hXJto0nw";
/// Its public exponent, 65537.
const FIXED_E: [u8; 3] = [1, 0, 1];
/// Its `kid`.
const FIXED_KID: &str = "rsa2048";
/// The clock used by [`verify_fixed_key`] (2023-11-14), inside the sample token's validity.
const FIXED_NOW: i64 = 1_700_000_000;

fn fixed_key() -> Option<&'static RsaPublicKey> {
    static KEY: OnceLock<Option<RsaPublicKey>> = OnceLock::new();
    KEY.get_or_init(|| {
        let n = b64::decode_vec(FIXED_N).ok()?;
        let kid = Kid::new(FIXED_KID).ok()?;
        Some(RsaPublicKey::from_components(&n, &FIXED_E, ExponentPolicy::F4Only).ok()?.with_kid(kid))
    })
    .as_ref()
}

/// Parses `data` as a JWT (and, for coverage, decodes it insecurely). Returns whether it parsed.
pub fn parse(data: &[u8]) -> bool {
    let Ok(text) = core::str::from_utf8(data) else { return false };
    let _ = dangerous::insecure_decode(text);
    Jwt::parse(text).is_ok()
}

/// Differential oracle for the header fast path: `false` if the fast path for the two common header shapes
/// returns a header that the general parser, on the same bytes taken as header JSON, does not return.
pub fn header_fast_path_agrees(data: &[u8]) -> bool {
    crate::header::common_shape_agrees(data)
}

/// Differential oracle for the two unverified payload readers: `false` if, for a token that [`Jwt::parse`]
/// accepts, the strict scanner (`dangerous::insecure_decode`) and the strict deserializer
/// (`dangerous::insecure_claims_into::<T>`, `T` a type that takes any JSON, such as `serde_json::Value`) disagree
/// on whether the payload is acceptable, or if both accept it and decode different bytes. `true` for anything else.
pub fn insecure_paths_agree<T: serde::de::DeserializeOwned>(data: &[u8]) -> bool {
    let Some(jwt) = core::str::from_utf8(data).ok().and_then(|text| Jwt::parse(text).ok()) else {
        return true;
    };
    let mut buf = Vec::new();
    let claims = dangerous::insecure_claims_into::<T>(&jwt, &mut buf);
    match dangerous::insecure_decode(jwt.as_str()) {
        Ok(decoded) => claims.is_ok() && decoded.payload_json().as_bytes() == buf.as_slice(),
        // insecure_decode also refuses bad signature segments, which insecure_claims_into never reads; only a
        // refusal that blames the payload must be shared.
        Err(
            Error::Json { segment: Segment::Payload, .. }
            | Error::Base64(Segment::Payload)
            | Error::Utf8(Segment::Payload),
        ) => claims.is_err(),
        Err(_) => true,
    }
}

/// Runs the whole pipeline against the fixed `rsa2048` test key at a fixed time; returns whether the token
/// verified (signature and claims). Only tokens signed by that key can ever return `true`.
pub fn verify_fixed_key(data: &[u8]) -> bool {
    let Ok(text) = core::str::from_utf8(data) else { return false };
    let Some(key) = fixed_key() else { return false };
    let verifier = Verifier::new();
    match verifier.verify_token(text, key, FIXED_NOW) {
        Ok(verified) => verified.claims::<serde::de::IgnoredAny>().is_ok(),
        Err(_) => false,
    }
}

/// **Checks no signature.** Everything [`Verifier::verify_into`] does on `token` except ring's RSA computation,
/// which is skipped, so `true` says nothing about who made the token: parse,
/// key lookup, the header and key checks, the signature's base64url decode, the payload's decode and the one
/// strict pass into `T` with the registered claims checked at `now`. The claims are dropped and only whether all
/// of that succeeded is returned, so nothing unverified leaves this function.
///
/// For the benchmarks: `verify_into` = this + ring's check, so timing this alone measures flex-jwt's own work
/// directly, instead of as the small difference of two large, noisy times.
pub fn verify_into_without_rsa_check<'b, T: serde::Deserialize<'b>, K: crate::KeyLookup + ?Sized>(
    verifier: &Verifier,
    token: &str,
    keys: &K,
    now: i64,
    buf: &'b mut Vec<u8>,
) -> bool {
    /// Accepts every signature: only ever used here.
    struct SkipRsa;
    impl crate::verify::RsaCheck for SkipRsa {
        fn check(_: crate::Algorithm, _: &RsaPublicKey, _: &[u8], _: &[u8]) -> Result<(), Error> {
            Ok(())
        }
    }
    verifier.verify_into_with::<SkipRsa, T, K>(token, keys, now, buf).is_ok()
}

/// Runs the strict JSON scanner (as used for claims) over `data` and reads every top-level member the way the
/// verifier does. Returns whether the document was accepted.
pub fn claims_json(data: &[u8]) -> bool {
    let Ok(text) = core::str::from_utf8(data) else {
        return json::validate_object(data, 32).is_ok();
    };
    let mut touched = 0usize;
    let accepted = json::scan_object(text, Options { max_depth: 32, spill: true }, |m| {
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

/// Deserializes `text` as claims the way the verifier does after the signature check (strict JSON and the
/// target type in one pass, `max_depth` 32); `None` if refused. For the differential fuzz target and benchmarks.
pub fn strict_claims<'de, T: serde::Deserialize<'de>>(text: &'de str) -> Option<T> {
    json::de::from_str(text, Options { max_depth: 32, spill: true }, &mut |_| {}).ok()
}

/// Differential oracle for the claims deserializer, against the strict scanner and serde_json on the same bytes:
/// - it accepts a document (into `serde_json::Value`) exactly when the scanner does;
/// - what it builds equals serde_json's `Value`, floats bit for bit. This needs serde_json's `float_roundtrip`
///   feature, which flex-jwt's tests and the fuzz crate turn on: serde_json's default float reading is a few units
///   in the last place off on some inputs (ours is correctly rounded), and this oracle would report those;
/// - into `flex_types::CaptureContextClaims`, it succeeds exactly when the scanner accepts and serde_json
///   deserializes them, and both give equal claims.
///
/// Returns a description of the first disagreement.
pub fn claims_differential(data: &[u8]) -> Result<(), &'static str> {
    let Ok(text) = core::str::from_utf8(data) else { return Ok(()) };
    let scanned = json::validate_object(data, 32).is_ok();
    let ours = strict_claims::<serde_json::Value>(text);
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
    type Claims<'a> = flex_types::CaptureContextClaims<'a>;
    let typed = strict_claims::<Claims<'_>>(text);
    let reference = if scanned { serde_json::from_str::<Claims<'_>>(text).ok() } else { None };
    match (typed, reference) {
        (None, None) => Ok(()),
        (Some(a), Some(b)) if a == b => Ok(()),
        (Some(_), Some(_)) => Err("typed claims differ from serde_json's"),
        (Some(_), None) => Err("typed claims accepted where serde_json or the scanner refuse"),
        (None, Some(_)) => Err("typed claims refused where serde_json and the scanner accept"),
    }
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

/// Differential oracle: `false` if the strict scanner accepts a document that `serde_json` rejects (the scanner
/// must be at least as strict as serde_json on every input).
pub fn json_differential(data: &[u8]) -> bool {
    if json::validate_object(data, 32).is_err() {
        return true;
    }
    serde_json::from_slice::<serde_json::Value>(data).is_ok_and(|v| v.is_object())
}

/// The crate's strict base64url decoder (no padding, URL-safe alphabet, canonical trailing bits), exposed for
/// fuzzing and for the Wycheproof base64 cases whose tokens use algorithms this crate cannot verify.
pub fn base64url_decode(data: &str) -> Option<Vec<u8>> {
    b64::decode_vec(data).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The oracle compares floats exactly, so the test build must have serde_json's correctly rounded reading
    /// (`float_roundtrip`, from flex-jwt's dev-dependencies). Its default reading gives `...9e25` here.
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
        assert_eq!(claims_differential(text.as_bytes()), Ok(()));
        let ours = strict_claims::<serde_json::Value>(text).and_then(|v| v[""][0][""].as_f64());
        assert_eq!(ours.map(f64::to_bits), Some((-1.89425418475576e-309f64).to_bits()));
    }

    #[test]
    fn the_insecure_readers_agree_on_good_and_bad_payloads() {
        const HEADER: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ"; // {"alg":"RS256","kid":"k"}
        // {"a":1}; {"a":1,"a":2}; a non-canonical payload; a good payload with a signature that is not base64url;
        // and inputs that are no token at all.
        for payload_and_signature in
            ["eyJhIjoxfQ.eA", "eyJhIjoxLCJhIjoyfQ.eA", "eyJhIjoxfR.eA", "eyJhIjoxfQ.e="]
        {
            let token = format!("{HEADER}.{payload_and_signature}");
            assert!(insecure_paths_agree::<serde_json::Value>(token.as_bytes()), "{token}");
        }
        assert!(insecure_paths_agree::<serde_json::Value>(b"not a token"));
        assert!(insecure_paths_agree::<serde_json::Value>(&[0xFF, b'.', b'.']));
    }

    #[test]
    fn negative_zero_is_not_zero() {
        assert!(!same_value(&serde_json::json!(-0.0), &serde_json::json!(0.0)));
        assert!(!same_value(&serde_json::json!(1.0), &serde_json::json!(1)));
        assert!(same_value(&serde_json::json!([{"a": -0.0}]), &serde_json::json!([{"a": -0.0}])));
    }
}
