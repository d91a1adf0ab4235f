//! Entry points for the fuzz targets in `fuzz/` (not part of the supported API).
//!
//! Every hook takes arbitrary bytes and must never panic; the fuzz targets assert on what they return.

use std::sync::OnceLock;

use crate::b64;
use crate::dangerous;
use crate::error::{Error, Segment};
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

/// The `jwt_parse` target: [`parse`], the agreement of the two unverified payload readers
/// ([`insecure_paths_agree`]), and segments that tile the input exactly. Returns the first violation.
pub fn jwt_parse(data: &[u8]) -> Result<(), &'static str> {
    let _ = parse(data);
    if !insecure_paths_agree::<serde::de::IgnoredAny>(data) {
        return Err("the strict scanner and the strict deserializer disagree on a payload");
    }
    if let Ok(text) = core::str::from_utf8(data)
        && let Ok(jwt) = Jwt::parse(text)
        && (jwt.signing_input().len() + 1 + jwt.signature_b64().len() != text.len() || jwt.as_str() != text)
    {
        return Err("segments do not tile the token");
    }
    Ok(())
}

/// The `jwk_parse` target: JWK, JWKS and `flx.jwk` import on arbitrary text. An accepted key must survive a JWK
/// and a PKCS#1 DER round trip unchanged, and a key set's `kid`s must all be found. Returns the first violation.
pub fn jwk_parse(data: &[u8]) -> Result<(), &'static str> {
    let Ok(text) = core::str::from_utf8(data) else { return Ok(()) };
    if let Ok(key) = RsaPublicKey::from_jwk(text) {
        let again =
            RsaPublicKey::from_jwk(&key.to_jwk_json()).map_err(|_| "an exported JWK does not re-import")?;
        if again.modulus() != key.modulus() || again.exponent() != key.exponent() || again.kid() != key.kid()
        {
            return Err("a JWK round trip changed the key");
        }
        let der = RsaPublicKey::from_pkcs1_der(&key.to_pkcs1_der())
            .map_err(|_| "exported DER does not re-import")?;
        if der.modulus() != key.modulus() {
            return Err("a DER round trip changed the key");
        }
    }
    if let Ok(set) = crate::KeySet::from_jwks(text) {
        if set.iter().count() != set.len() {
            return Err("a key set's len disagrees with its iterator");
        }
        if set.iter().filter_map(RsaPublicKey::kid).any(|kid| set.get(kid.as_str()).is_none()) {
            return Err("a key set's kid is not found");
        }
    }
    let _ = RsaPublicKey::from_flex_capture_context_jwk_json(text);
    if let Some(jwk) = flex_jose::fuzzing::strict::<flex_types::RsaJwk<'_>>(text) {
        let _ = jwk.has_private_members();
        let _ = RsaPublicKey::from_flex_capture_context_jwk(&jwk);
    }
    Ok(())
}

/// Parses `data` as a JWT (and, for coverage, decodes it insecurely). Returns whether it parsed.
pub fn parse(data: &[u8]) -> bool {
    let Ok(text) = core::str::from_utf8(data) else { return false };
    let _ = dangerous::insecure_decode(text);
    Jwt::parse(text).is_ok()
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

/// Deserializes `text` as claims the way the verifier does after the signature check (strict JSON and the
/// target type in one pass, `max_depth` 32); `None` if refused. For the differential fuzz target and benchmarks.
pub fn strict_claims<'de, T: serde::Deserialize<'de>>(text: &'de str) -> Option<T> {
    flex_jose::fuzzing::strict(text)
}

/// flex-jose's differential oracle (scanner, deserializer and serde_json on the same bytes) with
/// `flex_types::CaptureContextClaims` as the typed target. Returns a description of the first disagreement.
pub fn claims_differential(data: &[u8]) -> Result<(), &'static str> {
    flex_jose::fuzzing::differential::<flex_types::CaptureContextClaims<'_>>(data)
}

/// The strict base64url decoder (flex-jose's), for the Wycheproof base64 cases whose tokens use algorithms this
/// crate cannot verify.
pub fn base64url_decode(data: &str) -> Option<Vec<u8>> {
    b64::decode_vec(data).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
