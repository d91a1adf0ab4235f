//! Compact JWS (RFC 7515 §7.1) encoding and splitting.
//!
//! Base64url and the split are flex-jose's, the SDK's one strict implementation of each (no `=` padding, `+`,
//! `/` or whitespace; canonical last character; exactly three segments under a size cap).

use flex_jose::{b64, compact};

/// Largest bearer token the verifier reads (RS256 with an 8192-bit key is about 1.9 KB of signature).
pub(crate) const MAX_TOKEN_LEN: usize = 8 * 1024;

/// `BASE64URL(header) || '.' || BASE64URL(payload)`: the JWS signing input.
pub(crate) fn signing_input(header_json: &[u8], payload_json: &[u8]) -> String {
    let mut out = String::with_capacity((header_json.len() + payload_json.len()) * 4 / 3 + 96);
    b64::encode_to(&mut out, header_json);
    out.push('.');
    b64::encode_to(&mut out, payload_json);
    out
}

/// Appends `'.' || BASE64URL(signature)` to a signing input, giving the compact token.
pub(crate) fn finish(mut signing_input: String, signature: &[u8]) -> String {
    signing_input.push('.');
    b64::encode_to(&mut signing_input, signature);
    signing_input
}

/// Splits into exactly three non-empty segments (an empty payload is not a JWT), at most [`MAX_TOKEN_LEN`] bytes.
pub(crate) fn split(token: &str) -> Option<compact::Jws<'_>> {
    let parts = compact::split_jws(token, MAX_TOKEN_LEN).ok()?;
    let empty = parts.header.is_empty() || parts.payload.is_empty() || parts.signature.is_empty();
    (!empty).then_some(parts)
}

/// Reads `json` with the SDK's strict JSON reader (flex-jose's): one object, no duplicate member at any depth
/// (compared after unescaping), at most [`MAX_JSON_DEPTH`] deep, into `T` in one pass. `None` on any refusal.
pub(crate) fn strict_json<'a, T: serde::Deserialize<'a>>(json: &'a [u8]) -> Option<T> {
    let text = core::str::from_utf8(json).ok()?;
    let options = flex_jose::json::Options { max_depth: MAX_JSON_DEPTH, spill: true };
    flex_jose::json::de::from_str_unobserved(text, options, drop).ok()
}

/// The deepest nesting accepted in a JWT-auth header or claims set (both are flat objects).
pub(crate) const MAX_JSON_DEPTH: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_strict() {
        assert!(split("a.b.c").is_some());
        for bad in ["a.b", "a.b.c.d", ".b.c", "a..c", "a.b.", "abc", ""] {
            assert!(split(bad).is_none(), "{bad}");
        }
        assert_eq!(split("ab.cd.ef").map(|p| p.signing_input), Some("ab.cd"));
    }

    #[test]
    fn strict_json_refuses_duplicates_at_any_depth() {
        assert_eq!(strict_json::<serde_json::Value>(br#"{"x":1}"#), Some(serde_json::json!({"x": 1})));
        assert_eq!(strict_json::<serde_json::Value>(br#"{"x":1,"x":2}"#), None);
        assert_eq!(strict_json::<serde_json::Value>(br#"{"a":{"x":1,"\u0078":2}}"#), None);
        assert_eq!(strict_json::<serde_json::Value>(b"{\"x\":1} x"), None);
    }
}
