//! Compact JWS (RFC 7515 §7.1) encoding and splitting, and the minimal JSON writing the claims need.
//!
//! Base64url is `base64ct::Base64UrlUnpadded`, which is strict: it rejects `=` padding, `+`, `/`, whitespace
//! and non-zero trailing bits.

use base64ct::{Base64UrlUnpadded, Encoding as _};

/// Largest bearer token the verifier reads (RS256 with an 8192-bit key is about 1.9 KB of signature).
pub(crate) const MAX_TOKEN_LEN: usize = 8 * 1024;

/// `BASE64URL(header) || '.' || BASE64URL(payload)`: the JWS signing input.
pub(crate) fn signing_input(header_json: &[u8], payload_json: &[u8]) -> String {
    let mut out = String::with_capacity((header_json.len() + payload_json.len()) * 4 / 3 + 96);
    push_b64url(&mut out, header_json);
    out.push('.');
    push_b64url(&mut out, payload_json);
    out
}

/// Appends `'.' || BASE64URL(signature)` to a signing input, giving the compact token.
pub(crate) fn finish(mut signing_input: String, signature: &[u8]) -> String {
    signing_input.push('.');
    push_b64url(&mut signing_input, signature);
    signing_input
}

fn push_b64url(out: &mut String, bytes: &[u8]) {
    out.push_str(&Base64UrlUnpadded::encode_string(bytes));
}

/// The three segments of a compact JWS, borrowed from the token.
pub(crate) struct Parts<'t> {
    pub(crate) header: &'t str,
    pub(crate) payload: &'t str,
    pub(crate) signature: &'t str,
    /// `header '.' payload`, the bytes the signature covers.
    pub(crate) signing_input: &'t str,
}

/// Splits into exactly three non-empty segments (an empty payload is not a JWT).
pub(crate) fn split(token: &str) -> Option<Parts<'_>> {
    if token.len() > MAX_TOKEN_LEN {
        return None;
    }
    let (header, rest) = token.split_once('.')?;
    let (payload, signature) = rest.split_once('.')?;
    if header.is_empty() || payload.is_empty() || signature.is_empty() || signature.contains('.') {
        return None;
    }
    let signing_input = token.get(..header.len() + 1 + payload.len())?;
    Some(Parts { header, payload, signature, signing_input })
}

/// Strict base64url decoding.
pub(crate) fn decode(segment: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(segment).ok()
}

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
}
