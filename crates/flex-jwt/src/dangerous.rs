//! **Unverified** inspection of a token. Nothing here checks a signature, a key or a claim.
//!
//! Use it to *look at* a token (the `flex jwt decode` command, logs, debugging), never to make a decision: anyone
//! can mint a token that decodes. To trust a token, use [`crate::Verifier`].

use serde::Deserialize;

use crate::b64;
use crate::error::{Error, Segment};
use crate::json::{self, Options};
use crate::jwt::{Jwt, Limits};
use crate::verify::{DEFAULT_MAX_JSON_DEPTH, payload_error, payload_into};

/// The decoded, **unverified** parts of a compact JWS.
pub struct InsecureDecoded {
    header_json: String,
    payload_json: String,
    signature_len: usize,
}

impl InsecureDecoded {
    /// The header JSON, exactly as encoded. UNVERIFIED.
    pub fn header_json(&self) -> &str {
        &self.header_json
    }

    /// The payload JSON, exactly as encoded. UNVERIFIED.
    pub fn payload_json(&self) -> &str {
        &self.payload_json
    }

    /// The decoded signature length in bytes (the signature itself is not checked).
    pub fn signature_len(&self) -> usize {
        self.signature_len
    }

    /// Deserializes the UNVERIFIED payload (position-only errors, as [`crate::Verified::claims`]).
    pub fn claims<'de, T: Deserialize<'de>>(&'de self) -> Result<T, Error> {
        payload_claims(&self.payload_json)
    }
}

impl core::fmt::Debug for InsecureDecoded {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InsecureDecoded")
            .field("header_len", &self.header_json.len())
            .field("payload_len", &self.payload_json.len())
            .field("signature_len", &self.signature_len)
            .finish()
    }
}

/// Decodes a compact JWS **without verifying anything**: no signature, no key, no algorithm policy, no claims.
///
/// It is still strict about the encoding, so what it shows is what a verifier would see: [`Limits::DEFAULT`]
/// size caps, exactly three segments, non-empty header and signature, strict base64url for every segment, UTF-8,
/// and a strict JSON object (no duplicate members, depth ≤ 32) for both header and payload. Any `alg` is shown,
/// including ones a [`crate::Verifier`] can never accept (`none`, `HS256`), because this is for inspection.
pub fn insecure_decode(token: &str) -> Result<InsecureDecoded, Error> {
    let flex_jose::compact::Jws { header, payload, signature, .. } =
        crate::jwt::split(token, &Limits::DEFAULT)?;
    let header_json = decode_json(header, Segment::Header)?;
    let payload_json = decode_json(payload, Segment::Payload)?;
    let signature_len = b64::decode_vec(signature).map_err(|_| Error::Base64(Segment::Signature))?.len();
    Ok(InsecureDecoded { header_json, payload_json, signature_len })
}

/// Deserializes the **unverified** payload of a parsed token into `T`, borrowing from `buf`: no signature, key,
/// algorithm policy or claim (`exp`, `iss`, ...) is checked.
///
/// This is the cheap way to *look at* the claims of a token whose header [`Jwt::parse`] has already read (to
/// log them, or to pick a verifier by issuer before verifying): one pass decodes the payload into `buf`
/// (cleared first; reuse it across tokens) and reads it as strict JSON (no duplicate members, depth ≤ 32)
/// straight into `T`. Errors are those of [`crate::Authenticated::validate_into`] minus the claim checks:
/// base64url, UTF-8, strict JSON, or [`Error::ClaimsShape`] with a position only.
///
/// ```
/// use flex_jwt::{Jwt, dangerous};
///
/// // {"alg":"RS256","kid":"k"} . {"iss":"Flex API","exp":1} . (a signature nobody checks here)
/// let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJpc3MiOiJGbGV4IEFQSSIsImV4cCI6MX0.c2ln";
/// let jwt = Jwt::parse(token)?;
/// #[derive(serde::Deserialize)]
/// struct Claims<'a> {
///     iss: &'a str,
///     exp: i64,
/// }
/// let mut buf = Vec::new();
/// let claims: Claims<'_> = dangerous::insecure_claims_into(&jwt, &mut buf)?;
/// assert_eq!((jwt.kid().map(|k| k.as_str()), claims.iss, claims.exp), (Some("k"), "Flex API", 1));
/// # Ok::<(), flex_jwt::Error>(())
/// ```
pub fn insecure_claims_into<'b, T: Deserialize<'b>>(jwt: &Jwt<'_>, buf: &'b mut Vec<u8>) -> Result<T, Error> {
    let payload = payload_into(jwt.payload_b64(), buf)?;
    payload_claims(payload)
}

/// The claims of an unverified payload, the error built inside the deserializer's call (mapping its result
/// afterwards would move the claims value once more on its way out).
fn payload_claims<'de, T: Deserialize<'de>>(payload: &'de str) -> Result<T, Error> {
    let options = Options { max_depth: DEFAULT_MAX_JSON_DEPTH, spill: true };
    json::de::from_str_unobserved(payload, options, |refused| payload_error(payload, refused))
}

fn decode_json(segment: &str, which: Segment) -> Result<String, Error> {
    let bytes = b64::decode_vec(segment).map_err(|_| Error::Base64(which))?;
    let text = String::from_utf8(bytes).map_err(|_| Error::Utf8(which))?;
    json::scan_object(&text, Options { max_depth: DEFAULT_MAX_JSON_DEPTH, spill: true }, |_| {})
        .map_err(|error| Error::Json { segment: which, error })?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::JsonError;

    #[test]
    fn decodes_anything_well_formed() {
        // {"alg":"none"} . {"a":1} . "x"
        let d = insecure_decode("eyJhbGciOiJub25lIn0.eyJhIjoxfQ.eA").unwrap();
        assert_eq!(d.header_json(), r#"{"alg":"none"}"#);
        assert_eq!(d.payload_json(), r#"{"a":1}"#);
        assert_eq!(d.signature_len(), 1);
        #[derive(serde::Deserialize)]
        struct A {
            a: u8,
        }
        assert_eq!(d.claims::<A>().unwrap().a, 1);
        assert!(!format!("{d:?}").contains("none"));
    }

    #[test]
    fn stays_strict() {
        assert_eq!(insecure_decode("eyJhbGciOiJub25lIn0.eyJhIjoxfQ").unwrap_err(), Error::SegmentCount);
        assert_eq!(
            insecure_decode("eyJhbGciOiJub25lIn0.eyJhIjoxfQ.").unwrap_err(),
            Error::EmptySegment(Segment::Signature)
        );
        assert_eq!(
            insecure_decode("eyJhbGciOiJub25lIn0.eyJhIjoxfQ=.eA").unwrap_err(),
            Error::Base64(Segment::Payload)
        );
        // {"a":1,"a":2}
        assert_eq!(
            insecure_decode("eyJhbGciOiJub25lIn0.eyJhIjoxLCJhIjoyfQ.eA").unwrap_err(),
            Error::Json { segment: Segment::Payload, error: JsonError::DuplicateMember }
        );
        // payload "foo" is not JSON
        assert_eq!(
            insecure_decode("eyJhbGciOiJub25lIn0.Zm9v.eA").unwrap_err(),
            Error::Json { segment: Segment::Payload, error: JsonError::Syntax }
        );
    }

    #[test]
    fn insecure_claims_read_the_payload_strictly_and_check_nothing_else() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct A<'a> {
            a: u8,
            #[serde(borrow)]
            s: Option<std::borrow::Cow<'a, str>>,
        }
        let mut buf = Vec::new();
        // {"alg":"RS256","kid":"k"} . {"a":1,"exp":0} . "x": long expired, never signed, and read anyway.
        let jwt = Jwt::parse("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJhIjoxLCJleHAiOjB9.eA").unwrap();
        assert_eq!(insecure_claims_into::<A<'_>>(&jwt, &mut buf).unwrap(), A { a: 1, s: None });
        // The buffer is reused (cleared first): {"a":2,"s":"x\u0041"} borrows nothing from the escaped string.
        let jwt = Jwt::parse("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJhIjoyLCJzIjoieFx1MDA0MSJ9.eA").unwrap();
        let a: A<'_> = insecure_claims_into(&jwt, &mut buf).unwrap();
        assert_eq!((a.a, a.s.as_deref()), (2, Some("xA")));
        // {"a":1,"a":2}: strict JSON, as on the verifying path.
        let jwt = Jwt::parse("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJhIjoxLCJhIjoyfQ.eA").unwrap();
        assert_eq!(
            insecure_claims_into::<A<'_>>(&jwt, &mut buf).unwrap_err(),
            Error::Json { segment: Segment::Payload, error: JsonError::DuplicateMember }
        );
        // {"a":"1"}: a shape mismatch is reported by position only.
        let jwt = Jwt::parse("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJhIjoiMSJ9.eA").unwrap();
        assert!(matches!(
            insecure_claims_into::<A<'_>>(&jwt, &mut buf),
            Err(Error::ClaimsShape { line: 1, .. })
        ));
        // A payload of invalid UTF-8 (0xFF 0xFE), and one that is not canonical base64url.
        let jwt = Jwt::parse("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.__4.eA").unwrap();
        assert_eq!(insecure_claims_into::<A<'_>>(&jwt, &mut buf).unwrap_err(), Error::Utf8(Segment::Payload));
        let jwt = Jwt::parse("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJhIjoxfR.eA").unwrap();
        assert_eq!(
            insecure_claims_into::<A<'_>>(&jwt, &mut buf).unwrap_err(),
            Error::Base64(Segment::Payload)
        );
    }
}
