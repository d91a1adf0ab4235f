//! Compact JWS (RFC 7515 §7.1) encoding and splitting, and the minimal JSON writing the claims need.
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
    flex_jose::json::de::from_str(text, options, &mut |_| {}).ok()
}

/// The deepest nesting accepted in a JWT-auth header or claims set (both are flat objects).
pub(crate) const MAX_JSON_DEPTH: usize = 8;

/// Appends `s` as a JSON string literal (RFC 8259 §7: `"`, `\` and control characters escaped).
pub(crate) fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let v = usize::try_from(u32::from(c)).unwrap_or(0);
                out.push_str("\\u00");
                out.push(char::from(HEX.get(v >> 4).copied().unwrap_or(b'0')));
                out.push(char::from(HEX.get(v & 0xf).copied().unwrap_or(b'0')));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON object written member by member, in the order given.
pub(crate) struct JsonObject {
    out: String,
}

impl JsonObject {
    pub(crate) fn with_capacity(cap: usize) -> Self {
        let mut out = String::with_capacity(cap);
        out.push('{');
        Self { out }
    }

    fn key(&mut self, key: &str) {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        push_json_str(&mut self.out, key);
        self.out.push(':');
    }

    pub(crate) fn str(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key);
        push_json_str(&mut self.out, value);
        self
    }

    pub(crate) fn int(&mut self, key: &str, value: i64) -> &mut Self {
        use core::fmt::Write as _;
        self.key(key);
        // Writing to a String never fails.
        let _ = write!(self.out, "{value}");
        self
    }

    pub(crate) fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes() {
        let mut s = String::new();
        push_json_str(&mut s, "a\"b\\c\n\u{1}é");
        assert_eq!(s, r#""a\"b\\c\n\u0001é""#);
        let v: String = serde_json::from_str(&s).unwrap();
        assert_eq!(v, "a\"b\\c\n\u{1}é");
    }

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
